//! Request extractors whose rejections are problem JSON like every other
//! error, with a sentence that says what was wrong.

use super::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body; a malformed one gets a 400 problem naming the fault.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            // Over the route's body limit: `limits::guard` words it.
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::too_large("the request body is too large"))
            }
            Err(e) => Err(ApiError::bad_request(format!(
                "the request body: {}",
                e.body_text()
            ))),
        }
    }
}

/// Query parameters; bad ones get a 400 problem naming the fault.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(ApiError::bad_request(format!(
                "the query: {}",
                e.body_text()
            ))),
        }
    }
}

/// A path parameter; a bad one (a letter where a number goes) is a 404.
pub struct PathParam<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PathParam(v)),
            Err(e) => Err(ApiError::not_found(format!(
                "no such record: {}",
                e.body_text()
            ))),
        }
    }
}

/// Reads a step posted to `…/{id}/{action}`: the action from the path, its
/// fields from the (possibly empty) JSON body, into a step type tagged by
/// `action`. An action not in `known` is a 404 that lists the known ones.
pub fn step_from<T: DeserializeOwned>(
    action: String,
    known: &[&str],
    body: &[u8],
) -> Result<T, ApiError> {
    if !known.contains(&action.as_str()) {
        return Err(ApiError::not_found(format!(
            "no step `{action}`; the steps are {}",
            known.join(", ")
        )));
    }
    let mut fields: serde_json::Map<String, serde_json::Value> = if body.is_empty() {
        Default::default()
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("the request body: {e}")))?
    };
    fields.insert("action".into(), serde_json::Value::String(action));
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|e| ApiError::invalid(format!("the request body: {e}")))
}

/// Clamps a requested page size to 1..=1000, 50 when absent.
pub fn limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(50).clamp(1, 1000)
}
