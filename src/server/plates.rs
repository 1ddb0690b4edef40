//! `POST /api/v1/plates/check`: every list at once, for many plates, in
//! one request.

use super::extract::Body;
use super::{ApiError, ApiResult, App};
use crate::model::plate::{self, CheckRequest, MAX_CHECK, PlateCheck};
use axum::Json;
use axum::extract::State;

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
    let answers = app.store.check_plates(&plates, chrono::Utc::now()).await?;
    Ok(Json(answers))
}
