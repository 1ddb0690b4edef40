//! `safedesk alerts`: passages of grey and black vehicles. `--follow`
//! prints each as it happens, one line (or one JSON line) per alert, and
//! carries on across a dropped connection without losing or repeating one.

use super::exit::{CliError, CliResult, Exit};
use super::output::{Column, Format, Tone, printable};
use super::settings::Settings;
use super::track::local_second;
use crate::client::StreamItem;
use crate::model::blacklist::Stage;
use crate::model::passage::{Alert, AlertRecord};
use clap::Args;

/// Options of `alerts`.
#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Print each new alert as it happens, until interrupted
    #[arg(long)]
    pub follow: bool,
    /// Start after this alert id (the first column); with --follow, the
    /// alerts missed since then come first
    #[arg(long, value_name = "ID")]
    pub after: Option<i64>,
    /// With --follow, stop after this many alerts
    #[arg(long, value_name = "N", requires = "follow")]
    pub count: Option<u64>,
    /// Without --follow, at most this many (the latest)
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: i64,
}

/// Runs `alerts`.
pub async fn run(a: AlertsArgs, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    if !a.follow {
        let found = client.alerts(a.after, a.limit).await?;
        if found.is_empty() {
            p.note("no alerts");
        }
        return p.list(&found, &columns());
    }
    let mut stream = client.alert_stream(a.after);
    let mut printed = 0u64;
    let mut connected_before = false;
    while let Some(item) = stream.next().await {
        match item {
            StreamItem::Connected => {
                let again = if connected_before { " again" } else { "" };
                p.note(&format!("alerts: following{again} (Ctrl-C stops)"));
                connected_before = true;
            }
            StreamItem::Event(e) => {
                let Ok(alert) = serde_json::from_value::<Alert>(e.data) else {
                    continue;
                };
                print_one(settings, &AlertRecord { id: e.id, alert })?;
                printed += 1;
                if a.count.is_some_and(|n| printed >= n) {
                    return Ok(());
                }
            }
            StreamItem::Reconnecting { reason, retry_in } => p.note(&format!(
                "alerts: connection lost ({reason}); trying again in {:.1} s",
                retry_in.as_secs_f64()
            )),
            StreamItem::Failed(why) => return Err(CliError::new(Exit::NotAuthorised, why)),
        }
    }
    Ok(())
}

/// One alert as one line: JSON with `--format json`, else the fields
/// separated by two spaces.
fn print_one(settings: &Settings, r: &AlertRecord) -> CliResult {
    let p = &settings.printer;
    if p.format == Format::Json {
        let line =
            serde_json::to_string(r).map_err(|e| CliError::new(Exit::Failure, e.to_string()))?;
        return p.line(&line);
    }
    let fields: Vec<String> = columns().iter().map(|c| (c.value)(r)).collect();
    let line = fields
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| printable(f))
        .collect::<Vec<_>>()
        .join("  ");
    p.line(&line)
}

fn stage_tone(r: &AlertRecord) -> Tone {
    match r.alert.stage {
        Stage::Black => Tone::Alert,
        _ => Tone::Warn,
    }
}

fn columns() -> Vec<Column<AlertRecord>> {
    vec![
        Column::new("ID", |r| r.id.to_string()),
        Column::new("TIME", |r| local_second(r.alert.at)),
        Column::new("PLATE", |r| r.alert.plate.clone()),
        Column::toned("STAGE", |r| r.alert.stage.to_string(), stage_tone),
        Column::new("GANTRY", |r| {
            r.alert
                .gantry_name
                .clone()
                .unwrap_or_else(|| r.alert.gantry.clone())
        }),
        Column::new("ROAD", |r| r.alert.road.clone().unwrap_or_default()),
        Column::new("CITY", |r| r.alert.city.clone().unwrap_or_default()),
        Column::new("DIR", |r| {
            r.alert.direction.map(|d| d.to_string()).unwrap_or_default()
        }),
        Column::new("CLASS", |r| r.alert.class.to_string()),
        Column::new("REASON", |r| r.alert.reason.clone()),
    ]
}
