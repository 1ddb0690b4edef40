//! `/api/v1/tokens`: admins issue, list and revoke tokens.

use super::extract::{Body, PathParam};
use super::{ApiResult, App, Caller};
use crate::model::Role;
use crate::model::{IssuedToken, TokenRecord};
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

/// The longest expiry a token can be given: a century.
const MAX_EXPIRY_DAYS: i64 = 36_500;

/// Body of `POST /tokens`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    /// Who or what will hold it.
    name: String,
    /// What it may do.
    role: Role,
    /// Days until it stops working; never when absent.
    expires_in_days: Option<i64>,
}

pub async fn create(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Body(new): Body<NewToken>,
) -> ApiResult<(StatusCode, Json<IssuedToken>)> {
    let expires = match new.expires_in_days {
        // Beyond a century the time arithmetic could overflow (and panic).
        Some(d) if !(1..=MAX_EXPIRY_DAYS).contains(&d) => {
            return Err(super::ApiError::invalid(format!(
                "`expires_in_days` must be 1 to {MAX_EXPIRY_DAYS}; leave it out for a token \
                 that does not expire"
            )));
        }
        Some(d) => Some(chrono::Utc::now() + chrono::Duration::days(d)),
        None => None,
    };
    let (token, record) = app
        .store
        .create_token(&new.name, new.role, expires, caller.actor())
        .await?;
    tracing::info!(by = %caller.name, name = %record.name, role = %record.role, "token issued");
    Ok((StatusCode::CREATED, Json(IssuedToken { token, record })))
}

pub async fn list(State(app): State<App>) -> ApiResult<Json<Vec<TokenRecord>>> {
    Ok(Json(app.store.list_tokens().await?))
}

pub async fn revoke(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<TokenRecord>> {
    let record = app.store.revoke_token(id, caller.actor()).await?;
    tracing::info!(by = %caller.name, id, "token revoked");
    Ok(Json(record))
}
