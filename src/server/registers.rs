//! `/api/v1/teams` and `/api/v1/elevators`: the registers incidents use.

use super::extract::{PathParam, Query, limit};
use super::reveal::{self, Personal, RevealQuery};
use super::{ApiError, ApiResult, App, Caller};
use crate::model::{Elevator, Page, Team, TeamStatus, city};
use crate::store::{ElevatorFilter, TeamFilter};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

/// Query of `GET /teams`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamQuery {
    /// Only this city (a short or full name).
    city: Option<String>,
    /// Only this status: available, dispatched, on_scene or off_duty.
    status: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Records per page, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

pub async fn teams(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<TeamQuery>,
    Query(r): Query<RevealQuery>,
) -> ApiResult<Json<Page<Team>>> {
    if r.reveal {
        reveal::check(&caller, Personal::TeamPhone)?;
    }
    if let Some(s) = &q.status {
        s.parse::<TeamStatus>().map_err(ApiError::invalid)?;
    }
    let filter = TeamFilter {
        city: q.city.as_deref().map(city::full_name),
        status: q.status,
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    let mut page = app.store.teams(&filter).await?;
    if r.reveal {
        reveal_phones(&app, &caller, &mut page.items).await?;
    }
    Ok(Json(page))
}

/// Puts the teams' phones back, unmasked and audited.
async fn reveal_phones(app: &App, caller: &Caller, teams: &mut [Team]) -> ApiResult<()> {
    let keys = teams.iter().map(|t| t.code.clone()).collect();
    let found = reveal::reveal(app, caller, Personal::TeamPhone, keys).await?;
    for t in teams {
        if let Some(phone) = found.get(&t.code) {
            t.phone = phone.clone();
        }
    }
    Ok(())
}

pub async fn team(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam(code): PathParam<String>,
    Query(r): Query<RevealQuery>,
) -> ApiResult<Json<Team>> {
    if r.reveal {
        reveal::check(&caller, Personal::TeamPhone)?;
    }
    let mut team = app.store.team(&code).await?;
    if r.reveal {
        reveal_phones(&app, &caller, std::slice::from_mut(&mut team)).await?;
    }
    Ok(Json(team))
}

/// Query of `GET /elevators`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ElevatorQuery {
    /// Only this city (a short or full name).
    city: Option<String>,
    /// Only this district or county.
    district: Option<String>,
    /// Words found in the address or codes.
    text: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<String>,
    /// Records per page, 1 to 1000; 50 when absent.
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
