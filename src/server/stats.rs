//! `/api/v1/stats/incidents`: the day's or month's figures, per city or day.

use super::extract::Query;
use super::{ApiError, ApiResult, App};
use crate::model::stats::{self, IncidentStats};
use crate::model::{city, time};
use crate::store::IncidentFilter;
use axum::Json;
use axum::extract::State;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// Query of `GET /stats/incidents`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// One local day; today when neither day nor month is given.
    day: Option<NaiveDate>,
    /// A whole month, `YYYY-MM`.
    month: Option<String>,
    /// `city` or `day`; without it, one row for everything.
    by: Option<String>,
    /// Only this city.
    city: Option<String>,
}

fn month_bounds(month: &str) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(format!("`month={month}` is not a month; write 2026-11")))?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    Ok((first, next.unwrap_or(first)))
}

pub async fn incidents(
    State(app): State<App>,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Json<Vec<IncidentStats>>> {
    let (first, end) = match (&q.day, &q.month) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid("give `day` or `month`, not both"));
        }
        (_, Some(m)) => month_bounds(m)?,
        (d, None) => {
            let d = d.unwrap_or_else(time::today);
            (d, d.succ_opt().unwrap_or(d))
        }
    };
    let filter = IncidentFilter {
        city: q.city.as_deref().map(city::full_name),
        from: Some(time::day_bounds(first).0),
        to: Some(time::day_bounds(end).0),
        ..Default::default()
    };
    let all = app.store.all_incidents(&filter).await?;
    let zone = time::operator_zone();
    let rows = match q.by.as_deref() {
        None => vec![stats::summarise("total", &all.iter().collect::<Vec<_>>())],
        Some("city") => stats::by(&all, "total", |i| i.city.clone()),
        Some("day") => stats::by(&all, "total", |i| {
            i.reported_at
                .with_timezone(&zone)
                .format("%Y-%m-%d")
                .to_string()
        }),
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "`by={other}`: group by `city` or `day`"
            )));
        }
    };
    Ok(Json(rows))
}

/// Query of `GET /stats/vessels`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VesselStatsQuery {
    /// `city`, `state` or `month`; without it, the total alone.
    by: Option<String>,
}

/// `GET /stats/vessels`: found, dismantled, left, detained, regulated and
/// still open, per group and in total.
pub async fn vessels(
    State(app): State<App>,
    Query(q): Query<VesselStatsQuery>,
) -> ApiResult<Json<Vec<crate::model::vessel::VesselStats>>> {
    let by = q.by.as_deref().filter(|b| !b.is_empty());
    if let Some(other) = by.filter(|b| !["city", "state", "month"].contains(b)) {
        return Err(ApiError::invalid(format!(
            "`by={other}`: group by `city`, `state` or `month`"
        )));
    }
    Ok(Json(app.store.vessel_stats(by).await?))
}
