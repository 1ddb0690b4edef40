//! `safedesk stats …`: the figures the province reports.

use super::exit::{CliError, CliResult};
use super::output::Column;
use super::settings::Settings;
use crate::client::StatsQuery;
use crate::model::stats::IncidentStats;
use crate::model::vessel::VesselStats;
use crate::model::{city, time};
use clap::{Args, Subcommand};

/// The statistics commands.
#[derive(Debug, Subcommand)]
pub enum StatsCmd {
    /// Incidents: count, persons freed, arrival and rescue times, share within 30 minutes
    Incidents(IncidentArgs),
    /// Three-no vessels: found, dismantled, left, detained, regulated, still open
    Vessels(VesselArgs),
}

/// Grouping of `stats vessels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VesselBy {
    /// One row per city
    City,
    /// One row per state
    State,
    /// One row per month found (UTC+8)
    Month,
}

/// Options of `stats vessels`.
#[derive(Debug, Args)]
pub struct VesselArgs {
    /// One row per city, state or month, and a total
    #[arg(long, value_enum)]
    pub by: Option<VesselBy>,
}

fn vessel_columns() -> Vec<Column<VesselStats>> {
    vec![
        Column::new("GROUP", |s| city::short_name(&s.group).to_string()),
        Column::new("FOUND", |s| s.found.to_string()),
        Column::new("DISMANTLED", |s| s.dismantled.to_string()),
        Column::new("LEFT", |s| s.left.to_string()),
        Column::new("DETAINED", |s| s.detained.to_string()),
        Column::new("REGULATED", |s| s.regulated.to_string()),
        Column::new("OPEN", |s| s.open.to_string()),
    ]
}

async fn vessels(a: VesselArgs, settings: &Settings) -> CliResult {
    let by = a.by.map(|b| match b {
        VesselBy::City => "city",
        VesselBy::State => "state",
        VesselBy::Month => "month",
    });
    let rows = settings.client()?.vessel_stats(by).await?;
    settings.printer.list(&rows, &vessel_columns())
}

/// Grouping of `stats incidents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    /// One row per city
    City,
    /// One row per day
    Day,
}

/// Options of `stats incidents`.
#[derive(Debug, Args)]
pub struct IncidentArgs {
    /// The day (YYYY-MM-DD, UTC+8) [default: today]
    #[arg(long, value_name = "DATE", conflicts_with = "month")]
    pub day: Option<chrono::NaiveDate>,
    /// A whole month instead (YYYY-MM)
    #[arg(long, value_name = "MONTH")]
    pub month: Option<String>,
    /// One row per city or per day, and a total
    #[arg(long, value_enum)]
    pub by: Option<By>,
    /// Only this city (南京 or 南京市)
    #[arg(long, value_name = "C")]
    pub city: Option<String>,
}

fn minutes(secs: Option<f64>) -> String {
    secs.map(|s| format!("{:.1}", s / 60.0)).unwrap_or_default()
}

fn columns() -> Vec<Column<IncidentStats>> {
    vec![
        Column::new("GROUP", |s| city::short_name(&s.group).to_string()),
        Column::new("COUNT", |s| s.count.to_string()),
        Column::new("OPEN", |s| s.open.to_string()),
        Column::new("FREED", |s| s.freed.to_string()),
        Column::new("ARRIVAL MIN", |s| minutes(s.avg_arrival_secs)),
        Column::new("ARRIVAL P90", |s| {
            minutes(s.p90_arrival_secs.map(|v| v as f64))
        }),
        Column::new("RESCUE MIN", |s| minutes(s.avg_rescue_secs)),
        Column::new("RESCUE P90", |s| {
            minutes(s.p90_rescue_secs.map(|v| v as f64))
        }),
        Column::new("WITHIN 30", |s| {
            s.within_limit
                .map(|w| format!("{:.1}%", w * 100.0))
                .unwrap_or_default()
        }),
    ]
}

/// Runs a statistics command.
pub async fn run(cmd: StatsCmd, settings: &Settings) -> CliResult {
    let a = match cmd {
        StatsCmd::Incidents(a) => a,
        StatsCmd::Vessels(a) => return vessels(a, settings).await,
    };
    if let Some(m) = &a.month {
        chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| CliError::usage(format!("`--month {m}` is not a month; write 2026-11")))?;
    }
    let q = StatsQuery {
        day: match (&a.day, &a.month) {
            (Some(d), _) => Some(d.to_string()),
            (None, None) => Some(time::today().to_string()),
            _ => None,
        },
        month: a.month,
        by: a.by.map(|b| match b {
            By::City => "city".into(),
            By::Day => "day".into(),
        }),
        city: a.city.as_deref().map(city::full_name),
    };
    let rows = settings.client()?.stats(&q).await?;
    settings.printer.list(&rows, &columns())
}
