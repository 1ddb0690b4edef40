//! `/api/v1/notices`: notices to other provinces of their grey and black
//! vehicles, and their marks `sent` and `acknowledged`.

use super::extract::{PathParam, Query, limit};
use super::{ApiError, ApiResult, App, Caller};
use crate::model::Page;
use crate::model::notice::{Notice, NoticeState};
use crate::model::plate::province_filter;
use crate::store::NoticeFilter;
use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;

/// Query of `GET /notices`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only notices to this province: an abbreviation (皖) or a name (安徽省).
    province: Option<String>,
    /// Only this state: pending, sent or acknowledged.
    state: Option<String>,
    /// The `next` of the previous page.
    cursor: Option<i64>,
    /// Records per page, 1 to 1000; 50 when absent.
    limit: Option<i64>,
}

pub async fn list(
    State(app): State<App>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<Notice>>> {
    let province = match q.province.as_deref() {
        Some(p) => Some(province_filter(p).ok_or_else(|| {
            ApiError::invalid(format!(
                "unknown province `{p}`; give an abbreviation (皖) or a name (安徽省)"
            ))
        })?),
        None => None,
    };
    let filter = NoticeFilter {
        province: province.map(str::to_string),
        state: q
            .state
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(ApiError::invalid)?,
        cursor: q.cursor,
        limit: limit(q.limit),
    };
    Ok(Json(app.store.notices(&filter).await?))
}

pub async fn show(
    State(app): State<App>,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Notice>> {
    Ok(Json(app.store.notice(id).await?))
}

pub async fn mark(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    PathParam((id, action)): PathParam<(i64, String)>,
) -> ApiResult<Json<Notice>> {
    let to = match action.as_str() {
        "sent" => NoticeState::Sent,
        "acknowledged" => NoticeState::Acknowledged,
        _ => {
            return Err(ApiError::not_found(format!(
                "no mark `{action}`; the marks are sent, acknowledged"
            )));
        }
    };
    let (notice, events) = app.store.mark_notice(id, to, caller.actor()).await?;
    app.publish(events);
    tracing::info!(id, state = %notice.state, "notice marked");
    Ok(Json(notice))
}
