//! `POST /api/v1/plates/check`: every list at once, for many plates, in
//! one request. Answered from this server's in-memory index of the lists
//! (see [`super::lists`]), never from the database.

use super::extract::Body;
use super::{ApiError, ApiResult, App};
use crate::model::plate::{self, CheckRequest, MAX_CHECK, PlateCheck};
use axum::Json;
use axum::extract::State;
use std::time::Duration;

/// How long a check waits for the index to load when the server has only
/// just started.
const LOAD_WAIT: Duration = Duration::from_secs(30);

pub async fn check(
    State(app): State<App>,
    Body(req): Body<CheckRequest>,
) -> ApiResult<Json<Vec<PlateCheck>>> {
    if req.plates.len() > MAX_CHECK {
        return Err(ApiError::invalid(format!(
            "{} plates in one check; send at most {MAX_CHECK} per request",
            req.plates.len()
        )));
    }
    let mut plates = Vec::with_capacity(req.plates.len());
    let mut bad = Vec::new();
    for (i, text) in req.plates.iter().enumerate() {
        match plate::parse(text) {
            Ok(p) => plates.push(p),
            Err(e) => bad.push(format!("plate {}: {e}", i + 1)),
        }
    }
    if !bad.is_empty() {
        return Err(ApiError::invalid(bad.join("; ")));
    }
    if tokio::time::timeout(LOAD_WAIT, app.lists.ready())
        .await
        .is_err()
    {
        return Err(ApiError::internal(
            "the index of the lists is not loaded yet (the database may be down); try again",
        ));
    }
    let now = chrono::Utc::now();
    let answers = plates
        .into_iter()
        .map(|p| PlateCheck {
            hits: app.lists.hits(&p.plate, now),
            plate: p,
        })
        .collect();
    Ok(Json(answers))
}
