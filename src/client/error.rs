//! Every way a call can fail, as a sentence that says what to do next.
//! This is the one place HTTP statuses become words.

use crate::model::Problem;
use reqwest::StatusCode;

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server could not be reached (refused, timed out, DNS).
    #[error(
        "cannot reach the server at {url}: {cause}\n  hint: is `safedesk serve` \
        (or `safedesk demo`) running there? Set the address with --api or SAFEDESK_API"
    )]
    Unreachable {
        /// The API address.
        url: String,
        /// What the network said.
        cause: String,
    },
    /// The server's TLS certificate is not trusted, or TLS failed.
    #[error(
        "cannot talk securely to {url}: {cause}\n  hint: for a server on a private CA pass \
        --ca-cert FILE (or SAFEDESK_CA_CERT); for a plain server use http://"
    )]
    Untrusted {
        /// The API address.
        url: String,
        /// What TLS said.
        cause: String,
    },
    /// No token, or a bad one (401).
    #[error(
        "not signed in: {0}\n  hint: pass --token or set SAFEDESK_TOKEN; \
        an admin makes tokens with `safedesk token create`"
    )]
    Unauthorised(String),
    /// The token's role may not do this (403).
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The record does not exist (404).
    #[error("not found: {0}")]
    NotFound(String),
    /// Someone changed it first, or it is held (409).
    #[error("conflict: {detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
        /// The record as it is now.
        current: Option<serde_json::Value>,
    },
    /// The server refused the values sent (400, 413, 422).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// Too many requests (429).
    #[error("the server is busy: {0}; try again in a moment")]
    Busy(String),
    /// The server failed (5xx).
    #[error("the server failed ({status}): {detail}")]
    Server {
        /// The status.
        status: u16,
        /// What it said.
        detail: String,
    },
    /// The answer could not be read.
    #[error("{0}")]
    Protocol(String),
    /// The client was set up wrongly (a bad address).
    #[error("{0}")]
    Usage(String),
}

impl ClientError {
    /// The error for a non-success status and the problem body, if any.
    pub fn from_status(status: StatusCode, problem: Option<Problem>) -> ClientError {
        let detail = problem
            .as_ref()
            .map(|p| p.detail.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| {
                status
                    .canonical_reason()
                    .unwrap_or("no reason given")
                    .to_lowercase()
            });
        match status.as_u16() {
            401 => ClientError::Unauthorised(detail),
            403 => ClientError::Forbidden(detail),
            404 => ClientError::NotFound(detail),
            409 | 412 => ClientError::Conflict {
                detail,
                current: problem.and_then(|p| p.current),
            },
            400 | 413 | 415 | 422 => ClientError::Invalid(detail),
            429 => ClientError::Busy(detail),
            s => ClientError::Server { status: s, detail },
        }
    }

    /// The error for a failure below HTTP.
    pub fn from_transport(url: &str, e: reqwest::Error) -> ClientError {
        let cause = if e.is_timeout() {
            "no answer in time".to_string()
        } else if e.is_connect() {
            let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
            let mut last = e.to_string();
            while let Some(s) = source {
                last = s.to_string();
                source = s.source();
            }
            last
        } else {
            e.to_string()
        };
        let tls_words = ["certificate", "tls", "handshake", "InvalidContentType"];
        if tls_words
            .iter()
            .any(|w| cause.to_lowercase().contains(&w.to_lowercase()))
        {
            return ClientError::Untrusted {
                url: url.to_string(),
                cause,
            };
        }
        if e.is_decode() || e.is_body() && !e.is_timeout() {
            return ClientError::Protocol(format!("the connection broke while reading: {cause}"));
        }
        ClientError::Unreachable {
            url: url.to_string(),
            cause,
        }
    }
}
