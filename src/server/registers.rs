//! `/api/v1/teams` and `/api/v1/elevators`: the registers incidents use.

use super::extract::{PathParam, Query, limit};
use super::{ApiError, ApiResult, App};
use crate::model::{Elevator, Page, Team, TeamStatus, city};
use crate::store::{ElevatorFilter, TeamFilter};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

/// Query of `GET /teams`.
#[derive(Debug, Deserialize)]
pub struct TeamQuery {
    city: Option<String>,
    status: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

pub async fn teams(
    State(app): State<App>,
    Query(q): Query<TeamQuery>,
) -> ApiResult<Json<Page<Team>>> {
    if let Some(s) = &q.status {
        s.parse::<TeamStatus>().map_err(ApiError::invalid)?;
    }
    let filter = TeamFilter {
        city: q.city.as_deref().map(city::full_name),
        status: q.status,
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    Ok(Json(app.store.teams(&filter).await?))
}

pub async fn team(
    State(app): State<App>,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<Team>> {
    Ok(Json(app.store.team(&code).await?))
}

/// Query of `GET /elevators`.
#[derive(Debug, Deserialize)]
pub struct ElevatorQuery {
    city: Option<String>,
    district: Option<String>,
    text: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

pub async fn elevators(
    State(app): State<App>,
    Query(q): Query<ElevatorQuery>,
) -> ApiResult<Json<Page<Elevator>>> {
    let filter = ElevatorFilter {
        city: q.city.as_deref().map(city::full_name),
        district: q.district.filter(|d| !d.trim().is_empty()),
        text: q.text.filter(|t| !t.trim().is_empty()),
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    Ok(Json(app.store.elevators(&filter).await?))
}

pub async fn elevator(
    State(app): State<App>,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<Elevator>> {
    Ok(Json(app.store.elevator(&code).await?))
}
