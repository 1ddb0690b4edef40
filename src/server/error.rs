//! The one error type of the API; it becomes RFC 9457 problem JSON.
//! Internal failures are logged here and never sent to the client.

use crate::model::Problem;
use crate::store;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error a handler returns.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    detail: String,
    current: Option<serde_json::Value>,
    allow: Option<String>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// A request the server cannot read or whose values break the rules (422).
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input", detail)
    }

    /// A malformed request (400).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", detail)
    }

    /// No or a bad token (401).
    pub fn unauthorised(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorised", detail)
    }

    /// A token whose role may not do this (403).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// Nothing at this address (404).
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    /// A method the route does not take (405), with the ones it does.
    pub fn method_not_allowed(method: &str, allowed: &[&str]) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            format!(
                "this address does not take {method}; it takes {}",
                allowed.join(", ")
            ),
        );
        e.allow = Some(allowed.join(", "));
        e
    }

    /// A request body over the route's limit (413).
    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", detail)
    }

    /// A token over its request rate (429), to try again in `secs` seconds.
    pub fn too_many_requests(detail: impl Into<String>, secs: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", detail);
        e.retry_after = Some(secs);
        e
    }

    /// A request not sent and answered in time (408).
    pub fn timeout(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::REQUEST_TIMEOUT, "timeout", detail)
    }

    /// Something failed on our side (500); `detail` is logged, not sent.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to handle this request; the server log has the cause",
        )
    }

    fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            detail: detail.into(),
            current: None,
            allow: None,
            retry_after: None,
        }
    }

    fn title(&self) -> &'static str {
        match self.kind {
            "invalid-input" => "The request breaks a rule",
            "bad-request" => "The request could not be read",
            "unauthorised" => "Not signed in",
            "forbidden" => "Not allowed for this role",
            "not-found" => "Not found",
            "conflict" => "Changed by someone else first",
            "method-not-allowed" => "Method not allowed",
            "too-large" => "The request is too large",
            "too-many-requests" => "Too many requests",
            "timeout" => "The request took too long",
            _ => "Server error",
        }
    }
}

impl From<store::Error> for ApiError {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::NotFound(d) => ApiError::not_found(d),
            store::Error::Invalid(d) => ApiError::invalid(d),
            store::Error::Conflict { detail, current } => ApiError {
                status: StatusCode::CONFLICT,
                kind: "conflict",
                detail,
                current,
                allow: None,
                retry_after: None,
            },
            store::Error::Database(e) => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: self.kind.to_string(),
            title: self.title().to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: Vec::new(),
            current: self.current.clone(),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|a| HeaderValue::from_str(a).ok())
        {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
