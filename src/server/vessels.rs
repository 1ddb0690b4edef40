//! `/api/v1/vessels` and `/api/v1/bases`: the three-no vessel register,
//! its steps, its photos, and the detention bases.

use super::extract::{Body, PathParam, Query, limit, step_from};
use super::incidents::if_match;
use super::reveal::{self, Personal, RevealQuery};
use super::{ApiError, ApiResult, App, Caller};
use crate::model::vessel::{STEPS, check_photo};
use crate::model::{Base, NewVessel, Page, Photo, Vessel, VesselFields, VesselState, VesselStep};
use crate::model::{city, time};
use crate::store::VesselFilter;
use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Query of `GET /vessels`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only these states, comma-separated; `open` for found and registered.
    state: Option<String>,
    /// Only this city (a short or full name).
    city: Option<String>,
    /// Only this waterway.
    waterway: Option<String>,
    /// Only vessels found on or after this local day.
    since: Option<chrono::NaiveDate>,
    /// The `next` of the previous page.
    cursor: Option<i64>,
    /// Records per page, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

/// A vessel with its version as an `ETag`, for `If-Match` on the next write.
fn with_etag(status: StatusCode, vessel: Vessel) -> Response {
    let tag = format!("\"{}\"", vessel.version);
    let mut r = (status, Json(vessel)).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

pub async fn create(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Body(new): Body<NewVessel>,
) -> ApiResult<Response> {
    let (vessel, events) = app.store.create_vessel(new, caller.actor()).await?;
    app.publish(events);
    tracing::info!(id = vessel.id, "vessel registered");
    Ok(with_etag(StatusCode::CREATED, vessel))
}

pub async fn list(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Query(q): Query<ListQuery>,
    Query(r): Query<RevealQuery>,
) -> ApiResult<Json<Page<Vessel>>> {
    if r.reveal {
        reveal::check(&caller, Personal::OwnerId)?;
    }
    let mut states = Vec::new();
    for s in q.state.iter().flat_map(|s| s.split(',')).map(str::trim) {
        match s {
            "" => {}
            "open" => states.extend([VesselState::Found, VesselState::Registered]),
            s => states.push(s.parse::<VesselState>().map_err(ApiError::invalid)?),
        }
    }
    let filter = VesselFilter {
        states,
        city: q.city.as_deref().map(city::full_name),
        waterway: q.waterway.filter(|w| !w.trim().is_empty()),
        since: q.since.map(|d| time::day_bounds(d).0),
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    let mut page = app.store.vessels(&filter).await?;
    if r.reveal {
        reveal_owners(&app, &caller, &mut page.items).await?;
    }
    Ok(Json(page))
}

/// Puts the owners' resident IDs back, unmasked and audited.
async fn reveal_owners(app: &App, caller: &Caller, items: &mut [Vessel]) -> ApiResult<()> {
    let keys = items
        .iter()
        .filter(|v| v.fields.owner_id.is_some())
        .map(|v| v.id.to_string())
        .collect();
    let found = reveal::reveal(app, caller, Personal::OwnerId, keys).await?;
    for v in items {
        if let Some(id) = found.get(&v.id.to_string()) {
            v.fields.owner_id = Some(id.clone());
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
        reveal::check(&caller, Personal::OwnerId)?;
    }
    let mut vessel = app.store.vessel(id).await?;
    if r.reveal {
        reveal_owners(&app, &caller, std::slice::from_mut(&mut vessel)).await?;
    }
    Ok(with_etag(StatusCode::OK, vessel))
}

pub async fn update(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam<i64>,
    headers: HeaderMap,
    Body(fields): Body<VesselFields>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let (vessel, events) = app
        .store
        .update_vessel(id, fields, expected, caller.actor())
        .await?;
    app.publish(events);
    Ok(with_etag(StatusCode::OK, vessel))
}

pub async fn step(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam((id, action)): PathParam<(i64, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let step: VesselStep = step_from(action, &STEPS, &body)?;
    let expected = if_match(&headers)?;
    let (vessel, events) = app
        .store
        .vessel_step(id, &step, expected, caller.actor())
        .await?;
    app.publish(events);
    tracing::info!(id, step = step.name(), state = %vessel.state, "vessel step");
    Ok(with_etag(StatusCode::OK, vessel))
}

/// `POST /vessels/{id}/photos`: the image itself as the body. Its type is
/// read from its content, whatever `Content-Type` says.
pub async fn add_photo(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam<i64>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<Photo>)> {
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => ApiError::too_large(format!(
            "the photo is larger than {} MB; send a smaller one",
            crate::model::vessel::MAX_PHOTO_BYTES / 1_048_576
        )),
        other => ApiError::bad_request(other.body_text()),
    })?;
    let kind = check_photo("the photo", &body).map_err(ApiError::invalid)?;
    let (photo, events) = app.store.add_photo(id, &body, kind, caller.actor()).await?;
    app.publish(events);
    Ok((StatusCode::CREATED, Json(photo)))
}

pub async fn photos(
    State(app): State<App>,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<Photo>>> {
    Ok(Json(app.store.photos(id).await?))
}

/// `GET /vessels/{id}/photos/{sha256}`: the image's bytes.
pub async fn photo(
    State(app): State<App>,
    PathParam((id, name)): PathParam<(i64, String)>,
) -> ApiResult<Response> {
    let (photo, data) = app.store.photo(id, &name).await?;
    let mut r = data.into_response();
    if let Ok(v) = HeaderValue::from_str(&photo.content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", photo.sha256)) {
        r.headers_mut().insert(header::ETAG, v);
    }
    Ok(r)
}

pub async fn bases(State(app): State<App>) -> ApiResult<Json<Vec<Base>>> {
    Ok(Json(app.store.bases().await?))
}

pub async fn base(
    State(app): State<App>,
    PathParam(code): PathParam<String>,
) -> ApiResult<Json<Base>> {
    Ok(Json(app.store.base(&code).await?))
}
