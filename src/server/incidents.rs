//! `/api/v1/incidents`: report, list, show, and every step of the flow.

use super::extract::{Body, PathParam, Query, limit, step_from};
use super::reveal::{self, Personal, RevealQuery};
use super::{ApiError, ApiResult, App, Caller};
use crate::model::{
    Incident, IncidentStatus, NewIncident, Page, Suggestion, Transition, city, time,
};
use crate::store::IncidentFilter;
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Query of `GET /incidents`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only these statuses, comma-separated; `open` for every open one.
    status: Option<String>,
    /// Only this city (a short or full name).
    city: Option<String>,
    /// Only incidents reported on this local day.
    day: Option<chrono::NaiveDate>,
    /// The `next` of the previous page.
    cursor: Option<i64>,
    /// Records per page, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

/// A record with its version as an `ETag`, for `If-Match` on the next write.
fn with_etag(status: StatusCode, incident: Incident) -> Response {
    let tag = format!("\"{}\"", incident.version);
    let mut r = (status, Json(incident)).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

pub async fn create(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Body(new): Body<NewIncident>,
) -> ApiResult<Response> {
    let (incident, events) = app.store.create_incident(&new, caller.actor()).await?;
    app.publish(events);
    tracing::info!(id = incident.id, rescue_code = %incident.rescue_code, "incident reported");
    Ok(with_etag(StatusCode::CREATED, incident))
}

pub async fn list(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ListQuery>,
    Query(r): Query<RevealQuery>,
) -> ApiResult<Json<Page<Incident>>> {
    if r.reveal {
        reveal::check(&caller, Personal::CallerPhone)?;
    }
    let statuses = match &q.status {
        Some(s) => IncidentStatus::parse_filter(s).map_err(ApiError::invalid)?,
        None => Vec::new(),
    };
    let (from, to) = match q.day {
        Some(d) => {
            let (a, b) = time::day_bounds(d);
            (Some(a), Some(b))
        }
        None => (None, None),
    };
    let filter = IncidentFilter {
        statuses,
        city: q.city.as_deref().map(city::full_name),
        from,
        to,
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    let mut page = app.store.incidents(&filter).await?;
    if r.reveal {
        reveal_callers(&app, &caller, &mut page.items).await?;
    }
    Ok(Json(page))
}

/// Puts the callers' phones back, unmasked and audited.
async fn reveal_callers(app: &App, caller: &Caller, items: &mut [Incident]) -> ApiResult<()> {
    let keys = items
        .iter()
        .filter(|i| i.caller.is_some())
        .map(|i| i.id.to_string())
        .collect();
    let found = reveal::reveal(app, caller, Personal::CallerPhone, keys).await?;
    for i in items {
        if let Some(phone) = found.get(&i.id.to_string()) {
            i.caller = Some(phone.clone());
        }
    }
    Ok(())
}

pub async fn show(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam<i64>,
    Query(r): Query<RevealQuery>,
) -> ApiResult<Response> {
    if r.reveal {
        reveal::check(&caller, Personal::CallerPhone)?;
    }
    let mut incident = app.store.incident(id).await?;
    if r.reveal {
        reveal_callers(&app, &caller, std::slice::from_mut(&mut incident)).await?;
    }
    Ok(with_etag(StatusCode::OK, incident))
}

pub async fn suggestions(
    State(app): State<App>,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<Suggestion>>> {
    Ok(Json(app.store.suggestions(id).await?))
}

/// Reads `If-Match: "3"` (or `3`, or `W/"3"`) as version 3.
pub(super) fn if_match(headers: &HeaderMap) -> ApiResult<Option<i64>> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v.to_str().unwrap_or("").trim();
    let bare = text.trim_start_matches("W/").trim_matches('"');
    bare.parse().map(Some).map_err(|_| {
        ApiError::bad_request(format!(
            "`If-Match: {text}` is not a version; send the record's `version`, e.g. \"3\""
        ))
    })
}

pub async fn step(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam((id, action)): PathParam<(i64, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    const ACTIONS: [&str; 7] = [
        "dispatch", "arrive", "release", "close", "cancel", "escalate", "note",
    ];
    let transition: Transition = step_from(action, &ACTIONS, &body)?;
    let expected = if_match(&headers)?;
    let (incident, events) = app
        .store
        .transition(id, &transition, expected, caller.actor())
        .await?;
    app.publish(events);
    tracing::info!(id, step = transition.name(), status = %incident.status, "incident step");
    Ok(with_etag(StatusCode::OK, incident))
}
