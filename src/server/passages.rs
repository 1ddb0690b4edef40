//! `/api/v1/passages`, `/gantries` and `/alerts`: gantry passages stored
//! once by their natural key, a vehicle's track, and the alerts raised by
//! grey and black vehicles passing.

use super::extract::{Body, Query, limit};
use super::{ApiError, ApiResult, App, Caller};
use crate::model::Page;
use crate::model::passage::{AlertRecord, Gantry, NewPassage, Passage, PassageCounts};
use crate::model::plate;
use crate::store::PassageFilter;
use axum::extract::State;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Query of `GET /passages`: one vehicle's track.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrackQuery {
    /// The vehicle's plate (required).
    plate: Option<String>,
    /// Only passages since this instant (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Records per page, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

/// Query of `GET /alerts`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertsQuery {
    /// Only alerts after this id.
    after: Option<i64>,
    /// How many, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

pub async fn store(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Body(rows): Body<Vec<NewPassage>>,
) -> ApiResult<Json<PassageCounts>> {
    let (counts, events) = app.store.insert_passages(&rows, caller.actor()).await?;
    app.publish(events);
    tracing::info!(
        inserted = counts.inserted,
        duplicate = counts.duplicate,
        alerts = counts.alerts,
        "passages"
    );
    Ok(Json(counts))
}

pub async fn track(
    State(app): State<App>,
    Query(q): Query<TrackQuery>,
) -> ApiResult<Json<Page<Passage>>> {
    let text = q
        .plate
        .ok_or_else(|| ApiError::invalid("give the vehicle's plate: `?plate=苏A12345`"))?;
    let filter = PassageFilter {
        plate: plate::parse(&text).map_err(ApiError::invalid)?.plate,
        since: q.since,
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    Ok(Json(app.store.passages(&filter).await?))
}

pub async fn gantries(State(app): State<App>) -> ApiResult<Json<Vec<Gantry>>> {
    Ok(Json(app.store.gantries().await?))
}

pub async fn alerts(
    State(app): State<App>,
    Query(q): Query<AlertsQuery>,
) -> ApiResult<Json<Vec<AlertRecord>>> {
    Ok(Json(app.store.alerts(q.after, limit(q.limit)).await?))
}
