//! `/api/v1/imports`: bulk import runs and their batches, and
//! `/api/v1/cylinders`: the cylinder register they fill.

use super::extract::{Body, PathParam, Query, limit};
use super::{ApiError, ApiResult, App, Caller};
use crate::model::Page;
use crate::model::cylinder::{Cylinder, CylinderState};
use crate::model::import::{Batch, BatchResult, Kind, NewRun, Run};
use crate::store::CylinderFilter;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::NaiveDate;
use serde::Deserialize;

/// The largest batch body: the one limit the body-size table gives it.
pub const BATCH_BODY_LIMIT: usize = super::limits::IMPORT_BATCH_LIMIT;

fn kind(text: &str) -> Result<Kind, ApiError> {
    text.parse().map_err(ApiError::not_found)
}

pub async fn start(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam(k): PathParam<String>,
    Body(spec): Body<NewRun>,
) -> ApiResult<(StatusCode, Json<Run>)> {
    let run = app
        .store
        .start_import(kind(&k)?, spec, caller.actor())
        .await?;
    tracing::info!(run = %run.run_id, kind = %k, "import started");
    Ok((StatusCode::CREATED, Json(run)))
}

pub async fn run(
    State(app): State<App>,
    PathParam((k, run_id)): PathParam<(String, String)>,
) -> ApiResult<Json<Run>> {
    let run = app.store.import_run(&run_id).await?;
    if run.kind != kind(&k)? {
        return Err(ApiError::not_found(format!(
            "run `{run_id}` imports {}, not {k}",
            run.kind.as_str()
        )));
    }
    Ok(Json(run))
}

pub async fn batch(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam(k): PathParam<String>,
    Body(batch): Body<Batch>,
) -> ApiResult<Json<BatchResult>> {
    let (result, events) = app
        .store
        .import_batch(kind(&k)?, batch, caller.actor())
        .await?;
    app.publish(events);
    Ok(Json(result))
}

/// Query of `GET /cylinders`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CylinderQuery {
    /// Only cylinders of this owner: its unified social credit code.
    owner: Option<String>,
    /// Only this state: in-service, out-of-service or scrapped.
    state: Option<String>,
    /// Only cylinders whose next inspection falls due before this day.
    due_before: Option<NaiveDate>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Records per page, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

pub async fn cylinders(
    State(app): State<App>,
    Query(q): Query<CylinderQuery>,
) -> ApiResult<Json<Page<Cylinder>>> {
    let state = q
        .state
        .map(|s| s.parse::<CylinderState>().map(|s| s.as_str().to_string()))
        .transpose()
        .map_err(ApiError::bad_request)?;
    let filter = CylinderFilter {
        owner: q.owner.map(|o| o.trim().to_ascii_uppercase()),
        state,
        due_before: q.due_before,
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    Ok(Json(app.store.cylinders(&filter).await?))
}

pub async fn cylinder(
    State(app): State<App>,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<Cylinder>> {
    Ok(Json(app.store.cylinder(&code).await?))
}
