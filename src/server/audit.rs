//! `/api/v1/audit`: the audit log and its check, for admins.

use super::extract::{Query, limit};
use super::{ApiError, ApiResult, App};
use crate::model::Page;
use crate::model::audit::{AuditRow, Verification};
use crate::store::AuditFilter;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

/// Query of `GET /audit`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only changes by this token name.
    actor: Option<String>,
    /// Only changes since: RFC 3339, or a local day `YYYY-MM-DD`.
    since: Option<String>,
    /// `incident`, or one record: `incident:12`.
    entity: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<i64>,
    /// Records per page, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

/// `GET /audit`: a page of the log, newest first.
pub async fn list(
    State(app): State<App>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<AuditRow>>> {
    let since = q
        .since
        .as_deref()
        .map(crate::model::muck::parse_time)
        .transpose()
        .map_err(|e| ApiError::invalid(format!("`since`: {e}")))?;
    let (entity, key) = match q.entity.as_deref().map(str::trim) {
        Some(e) => match e.split_once(':') {
            Some((kind, key)) => (Some(kind.to_string()), Some(key.to_string())),
            None => (Some(e.to_string()), None),
        },
        None => (None, None),
    };
    let filter = AuditFilter {
        actor: q.actor,
        since,
        entity,
        key,
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    Ok(Json(app.store.audit_rows(&filter).await?))
}

/// `GET /audit/verify`: walks the chain; a broken one is a report, not an error.
pub async fn verify(State(app): State<App>) -> ApiResult<Json<Verification>> {
    Ok(Json(app.store.verify_audit().await?))
}
