//! Request extractors whose rejections are problem JSON like every other
//! error, with a sentence that says what was wrong.

use super::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// A JSON body; a malformed one gets a 400 problem naming the fault, and
/// one with a NUL character in its text a 422 ([`no_nul`]).
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Read the bytes first (under the route's limit), to look at them
        // once they are known to be JSON.
        let (parts, body) = req.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::too_large("the request body is too large")
                } else {
                    ApiError::bad_request(format!("the request body: {}", e.body_text()))
                }
            })?;
        let req = Request::from_parts(parts, axum::body::Body::from(bytes.clone()));
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => {
                no_nul(&bytes)?;
                Ok(Body(v))
            }
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

/// Query parameters; bad ones get a 400 problem naming the fault, and a
/// NUL character (`%00`) a 422.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.query().is_some_and(|q| q.contains("%00")) {
            return Err(ApiError::invalid(format!("the query: {NUL_WORDS}")));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(ApiError::bad_request(format!(
                "the query: {}",
                e.body_text()
            ))),
        }
    }
}

/// A path parameter; a bad one (a letter where a number goes, a NUL
/// character) is a 404.
pub struct PathParam<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // No record's key holds a NUL character (text columns cannot).
        if parts.uri.path().contains("%00") {
            return Err(ApiError::not_found(
                "no such record: a key never holds the NUL character (%00)",
            ));
        }
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
    no_nul(body)?;
    fields.insert("action".into(), serde_json::Value::String(action));
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|e| ApiError::invalid(format!("the request body: {e}")))
}

/// What a request with a NUL character in its text is told.
const NUL_WORDS: &str = "text may not hold the NUL character (\\u0000 or %00)";

/// 422 when JSON text holds a `\u0000` escape, the NUL character:
/// PostgreSQL cannot store it in text, and no field has a use for it.
///
/// In JSON a backslash starts an escape unless a backslash escapes it, so a
/// `u0000` after an odd run of backslashes is a NUL and after an even run
/// it is plain text (`\\u0000`).
pub fn no_nul(json: &[u8]) -> Result<(), ApiError> {
    let nul = json.windows(5).enumerate().any(|(at, w)| {
        w == b"u0000" && json[..at].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
    });
    if nul {
        return Err(ApiError::invalid(format!("the request body: {NUL_WORDS}")));
    }
    Ok(())
}

/// Clamps a requested page size to 1..=1000, 50 when absent.
pub fn limit(requested: Option<i64>) -> i64 {
    requested.unwrap_or(50).clamp(1, 1000)
}
