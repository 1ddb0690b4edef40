//! `/api/v1/screen`: the suspect rule's thresholds, and screening runs
//! that add the buses they find to the illegal-operation list.

use super::extract::Body;
use super::{ApiResult, App, Caller};
use crate::model::screen::{Report, Rule, RuleChange, RunRequest};
use axum::extract::State;
use axum::{Extension, Json};

pub async fn rule(State(app): State<App>) -> ApiResult<Json<Rule>> {
    Ok(Json(app.store.screen_rule().await?))
}

pub async fn set_rule(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Body(change): Body<RuleChange>,
) -> ApiResult<Json<Rule>> {
    let rule = app
        .store
        .set_screen_rule(change.days, change.min_days, caller.actor())
        .await?;
    tracing::info!(
        days = rule.days,
        min_days = rule.min_days,
        "screening rule set"
    );
    Ok(Json(rule))
}

pub async fn run(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Body(req): Body<RunRequest>,
) -> ApiResult<Json<Report>> {
    let today = crate::model::time::today();
    let (report, events) = app.store.run_screen(&req, today, caller.actor()).await?;
    app.publish(events);
    tracing::info!(found = report.findings.len(), "screening run");
    Ok(Json(report))
}
