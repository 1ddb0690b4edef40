//! Authorisation: every request's token checked against the route table.

use super::access::{self, Access};
use super::limits;
use super::{ApiError, App};
use crate::model::Role;
use crate::model::TokenRecord;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a token found live is believed without asking the database.
pub const TOKEN_TTL: Duration = Duration::from_secs(2);

/// Beyond this many cached tokens, the stale ones are dropped (and all of
/// them when none is stale).
const MAX_CACHED: usize = 10_000;

/// A short-lived cache of live tokens, keyed by the SHA-256 of the secret.
///
/// What it allows, exactly:
/// - a token revoked through *another* replica, or straight in the
///   database, may still be accepted by this server for up to
///   [`TOKEN_TTL`] (2 s) after the revocation commits;
/// - a token revoked through *this* server stops working here at once: a
///   successful `DELETE /api/v1/tokens/{id}` empties the cache before its
///   reply, and a lookup that began before then is not cached;
/// - expiry is checked on every request against the cached record, so an
///   expired token is never accepted;
/// - unknown, revoked and expired tokens are never cached, so a new token
///   works at once and a wrong one always costs a database lookup.
#[derive(Debug, Default)]
pub struct TokenCache {
    inner: Mutex<Cached>,
}

#[derive(Debug, Default)]
struct Cached {
    /// Bumped whenever the cache is emptied; a lookup that started under an
    /// older generation does not store its answer.
    generation: u64,
    tokens: HashMap<[u8; 32], (TokenRecord, Instant)>,
}

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached live record for `key`, and the generation to store a
    /// fresh answer under when there is none.
    fn get(&self, key: &[u8; 32]) -> (Option<TokenRecord>, u64) {
        let c = self.lock();
        let hit = c.tokens.get(key).filter(|(rec, at)| {
            at.elapsed() < TOKEN_TTL && rec.expires_at.is_none_or(|e| e > chrono::Utc::now())
        });
        (hit.map(|(rec, _)| rec.clone()), c.generation)
    }

    fn put(&self, key: [u8; 32], rec: &TokenRecord, generation: u64) {
        let mut c = self.lock();
        if c.generation != generation {
            return;
        }
        if c.tokens.len() >= MAX_CACHED {
            c.tokens.retain(|_, (_, at)| at.elapsed() < TOKEN_TTL);
            if c.tokens.len() >= MAX_CACHED {
                c.tokens.clear();
            }
        }
        c.tokens.insert(key, (rec.clone(), Instant::now()));
    }

    /// Forgets every token: after a revocation through this server.
    pub fn clear(&self) {
        let mut c = self.lock();
        c.generation += 1;
        c.tokens.clear();
    }
}

/// The token's record if it is live: from the cache, else the database.
async fn live_token(
    app: &App,
    token: &str,
    key: [u8; 32],
) -> crate::store::Result<Option<TokenRecord>> {
    let (hit, generation) = app.tokens.get(&key);
    if hit.is_some() {
        return Ok(hit);
    }
    let found = app.store.find_token(token).await?;
    if let Some(rec) = &found {
        app.tokens.put(key, rec, generation);
    }
    Ok(found)
}

/// Whether this request revokes a token (a successful answer to it then
/// empties the token cache).
fn revokes(req: &Request, path: &str) -> bool {
    req.method() == axum::http::Method::DELETE && path == "/api/v1/tokens/{id}"
}

/// Who is calling: the token's name and role. Handlers take it as an
/// `Extension<Caller>`.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name; recorded as the actor of every change.
    pub name: String,
    /// What the token may do.
    pub role: Role,
}

impl Caller {
    /// The caller as the store records who made a change.
    pub fn actor(&self) -> crate::model::audit::Actor<'_> {
        crate::model::audit::Actor {
            name: &self.name,
            role: self.role.as_str(),
        }
    }
}

/// Looks up the route in [`access::ROUTES`], checks the bearer token, its
/// request rate ([`super::limits`]) and its role, and hands the [`Caller`]
/// on to the handler.
///
/// The token is never logged: neither the `Authorization` header (the
/// request span records only the method and the route) nor any part of it.
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
    let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let found = match live_token(&app, token, key).await {
        Ok(found) => found,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Some(record) = found else {
        return ApiError::unauthorised(
            "the token is unknown, revoked or expired; ask an admin for a new one",
        )
        .into_response();
    };
    if !limits::rate_exempt(req.method(), &path)
        && let Err(wait) = app.limits.rate.take(&key)
    {
        tracing::info!(token = %record.name, route = %path, "rate limit reached");
        return limits::too_many(app.limits.rate.rate(), wait);
    }
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
    let revoking = revokes(&req, &path);
    let response = next.run(req).await;
    if revoking && response.status().is_success() {
        app.tokens.clear();
    }
    response
}
