//! Authorisation: every request's token checked against the route table.

use super::access::{self, Access};
use super::{ApiError, App};
use crate::model::Role;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Who is calling: the token's name and role. Handlers take it as an
/// `Extension<Caller>`.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name; recorded as the actor of every change.
    pub name: String,
    /// What the token may do.
    pub role: Role,
}

/// Looks up the route in [`access::ROUTES`], checks the bearer token and
/// its role, and hands the [`Caller`] on to the handler.
pub async fn authorise(State(app): State<App>, mut req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let Some(need) = access::required(req.method(), &path) else {
        let allowed = access::methods(&path);
        if allowed.is_empty() {
            return ApiError::internal(format!("route {path} is not in the access table"))
                .into_response();
        }
        return ApiError::method_not_allowed(req.method().as_str(), &allowed).into_response();
    };
    if need == Access::Public {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if token.is_empty() {
        return ApiError::unauthorised(
            "no token given; send `Authorization: Bearer <token>` (safedesk: --token or \
             SAFEDESK_TOKEN)",
        )
        .into_response();
    }
    let found = match app.store.find_token(token).await {
        Ok(found) => found,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Some(record) = found else {
        return ApiError::unauthorised(
            "the token is unknown, revoked or expired; ask an admin for a new one",
        )
        .into_response();
    };
    if !need.allows(record.role) {
        return ApiError::forbidden(format!(
            "the `{}` role may not do this; it needs {}",
            record.role,
            need.who()
        ))
        .into_response();
    }
    req.extensions_mut().insert(Caller {
        name: record.name,
        role: record.role,
    });
    next.run(req).await
}
