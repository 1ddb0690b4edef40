//! `/api/v1/blacklist`: the illegal-operation list, its steps and history.

use super::extract::{Body, PathParam, Query, limit};
use super::{ApiError, ApiResult, App, Caller};
use crate::model::Page;
use crate::model::blacklist::{Action, Entry, Stage, Step};
use crate::model::plate::province_filter;
use crate::store::BlacklistFilter;
use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;

/// Query of `GET /blacklist`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this stage: suspect, grey, black, excluded or lifted.
    stage: Option<String>,
    /// Only plates of this province: an abbreviation (苏) or a name (江苏省).
    province: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Records per page, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

/// Body of a step: where to (for add and promote), why, and the evidence.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = BlacklistStepBody)]
pub struct StepBody {
    /// `suspect` or `grey` for `add`, `grey` or `black` for `promote`.
    #[serde(default)]
    to: Option<Stage>,
    /// Why, in a sentence.
    reason: String,
    /// What shows it: a report number, photos, a route and days seen.
    #[serde(default)]
    evidence: Option<String>,
}

pub async fn list(
    State(app): State<App>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<Entry>>> {
    let stage = q
        .stage
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(ApiError::invalid)?;
    let province = match q.province.as_deref() {
        Some(p) => Some(province_filter(p).ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown province `{p}`; give an abbreviation (苏) or a name (江苏省)"
            ))
        })?),
        None => None,
    };
    let filter = BlacklistFilter {
        stage,
        province: province.map(str::to_string),
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    Ok(Json(app.store.blacklist(&filter).await?))
}

pub async fn show(
    State(app): State<App>,
    PathParam(plate): PathParam<String>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(app.store.blacklist_entry(&plate).await?))
}

pub async fn step(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam((plate, action)): PathParam<(String, String)>,
    Body(body): Body<StepBody>,
) -> ApiResult<Json<Entry>> {
    let action: Action = action.parse().map_err(ApiError::not_found)?;
    let step = Step {
        plate,
        action,
        to: body.to,
        reason: body.reason,
        evidence: body.evidence,
    };
    let (entry, events) = app.store.blacklist_step(&step, caller.actor()).await?;
    app.publish(events);
    tracing::info!(plate = %entry.plate, step = %action, stage = %entry.stage, "blacklist step");
    Ok(Json(entry))
}
