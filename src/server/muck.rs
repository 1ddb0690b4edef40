//! `/api/v1/muck`: muck-truck violations and the passes they suspend.

use super::extract::{Body, PathParam, Query, limit};
use super::{ApiResult, App, Caller};
use crate::model::muck::{NewViolation, Pass, Violation};
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Query of `GET /muck/violations`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this truck's violations.
    plate: Option<String>,
    /// How many, newest first, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

/// Query of `GET /muck/passes/{plate}`: the instant to answer for, now
/// when absent.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PassQuery {
    /// The instant to answer for (RFC 3339); now when absent.
    at: Option<DateTime<Utc>>,
}

pub async fn add(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Body(new): Body<NewViolation>,
) -> ApiResult<(StatusCode, Json<Violation>)> {
    let (added, events) = app.store.add_violation(&new, caller.actor()).await?;
    app.publish(events);
    tracing::info!(plate = %added.plate, kind = %added.kind, "muck violation");
    Ok((StatusCode::CREATED, Json(added)))
}

pub async fn list(
    State(app): State<App>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<Violation>>> {
    let found = app
        .store
        .violations(q.plate.as_deref(), limit(q.limit))
        .await?;
    Ok(Json(found))
}

pub async fn pass(
    State(app): State<App>,
    PathParam(plate): PathParam<String>,
    Query(q): Query<PassQuery>,
) -> ApiResult<Json<Pass>> {
    let at = q.at.unwrap_or_else(Utc::now);
    Ok(Json(app.store.muck_pass(&plate, at).await?))
}
