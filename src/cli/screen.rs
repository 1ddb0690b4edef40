//! `safedesk screen …`: find buses that run one route on many days and add
//! them to the illegal-operation list as suspects; show and set the rule's
//! thresholds.

use super::exit::{CliError, CliResult};
use super::output::{Column, Format, Tone};
use super::settings::Settings;
use crate::model::screen::{Finding, Outcome, RouteKind, Rule, RuleChange, RunRequest};
use crate::model::time;
use chrono::NaiveDate;
use clap::{Args, Subcommand};

/// The screening commands.
#[derive(Debug, Subcommand)]
pub enum ScreenCmd {
    /// Screen the window's bus passages and add the buses found as suspects
    Run(RunArgs),
    /// Show the suspect rule's thresholds, or set them
    Rule(RuleArgs),
}

/// Options of `screen run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The window, in days [default: the rule's]
    #[arg(long, value_name = "N")]
    pub days: Option<i64>,
    /// Distinct days on one route that make a suspect [default: the rule's]
    #[arg(long, value_name = "N")]
    pub min_days: Option<i64>,
    /// The window's first day, YYYY-MM-DD (UTC+8) [default: the window ends today]
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Report only; add nobody to the list
    #[arg(long)]
    pub dry_run: bool,
}

/// Options of `screen rule`.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Change the thresholds
    #[command(subcommand)]
    pub set: Option<RuleCmd>,
}

/// The rule's subcommand.
#[derive(Debug, Subcommand)]
pub enum RuleCmd {
    /// Set both thresholds (transport or admin; audited)
    Set(SetArgs),
}

/// Options of `screen rule set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The window, in days
    #[arg(long, value_name = "N")]
    pub days: i64,
    /// Distinct days on one route that make a suspect
    #[arg(long, value_name = "N")]
    pub min_days: i64,
}

/// Runs a screening command.
pub async fn run(cmd: ScreenCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    match cmd {
        ScreenCmd::Run(a) => screen(a, settings, &client).await,
        ScreenCmd::Rule(RuleArgs { set: None }) => {
            show_rule(settings, &client.screen_rule().await?)
        }
        ScreenCmd::Rule(RuleArgs {
            set: Some(RuleCmd::Set(s)),
        }) => {
            Rule::check(s.days, s.min_days).map_err(CliError::invalid)?;
            let change = RuleChange {
                days: s.days,
                min_days: s.min_days,
            };
            let rule = client.set_screen_rule(&change).await?;
            settings.printer.note(&format!(
                "the rule is now: one route on at least {} days in {}",
                rule.min_days, rule.days
            ));
            show_rule(settings, &rule)
        }
    }
}

async fn screen(a: RunArgs, settings: &Settings, client: &crate::client::Client) -> CliResult {
    let p = &settings.printer;
    let from = a
        .from
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .map_err(|_| CliError::invalid(format!("`{d}` is not a day; write 2026-11-01")))
        })
        .transpose()?;
    let req = RunRequest {
        days: a.days,
        min_days: a.min_days,
        from,
        dry_run: a.dry_run,
    };
    let report = client.run_screen(&req).await?;
    let count = |o: Outcome| report.findings.iter().filter(|f| f.outcome == o).count();
    let last_day = report.to - chrono::Duration::days(1);
    p.note(&format!(
        "screened {} to {} ({} days, one route on at least {}): {} buses, {} matched, \
         {} added, {} would be added, {} already listed, {} excluded, {} licensed",
        time::local_minute(report.from)
            .get(..10)
            .unwrap_or_default(),
        time::local_minute(last_day).get(..10).unwrap_or_default(),
        report.days,
        report.min_days,
        report.buses,
        report.findings.len(),
        count(Outcome::Added),
        count(Outcome::WouldAdd),
        count(Outcome::Listed),
        count(Outcome::Excluded),
        count(Outcome::Licensed),
    ));
    match p.format {
        Format::Json => p.json(&report),
        _ => p.list(&report.findings, &columns()),
    }
}

fn show_rule(settings: &Settings, rule: &Rule) -> CliResult {
    let fields = vec![
        ("days", rule.days.to_string()),
        ("min_days", rule.min_days.to_string()),
        (
            "route",
            "the gantries that start and end a trip, or the same set of gantries, on one day"
                .to_string(),
        ),
        ("vehicles", "passenger and coach classes".to_string()),
        (
            "updated_at",
            rule.updated_at.map(time::local_minute).unwrap_or_default(),
        ),
        ("updated_by", rule.updated_by.clone().unwrap_or_default()),
    ];
    settings.printer.record(rule, &fields)
}

fn outcome_tone(f: &Finding) -> Tone {
    match f.outcome {
        Outcome::Added | Outcome::WouldAdd => Tone::Warn,
        Outcome::Listed => Tone::Alert,
        Outcome::Excluded | Outcome::Licensed => Tone::Good,
    }
}

fn columns() -> Vec<Column<Finding>> {
    vec![
        Column::new("PLATE", |f| f.plate.clone()),
        Column::toned("OUTCOME", |f| f.outcome.as_str().to_string(), outcome_tone),
        Column::new("DAYS", |f| f.days.to_string()),
        Column::new("ROUTE", |f| {
            let joint = match f.kind {
                RouteKind::Pair => " → ",
                RouteKind::Set => " + ",
            };
            let names = if f.route_names.is_empty() {
                &f.route
            } else {
                &f.route_names
            };
            names.join(joint)
        }),
        Column::new("FIRST", |f| time::local_minute(f.first)),
        Column::new("LAST", |f| time::local_minute(f.last)),
    ]
}
