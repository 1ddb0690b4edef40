//! `safedesk track PLATE`: a vehicle's passages in time order, with the
//! gantries' names and places.

use super::exit::{CliError, CliResult};
use super::output::Column;
use super::settings::Settings;
use crate::model::muck::parse_time;
use crate::model::passage::Passage;
use crate::model::{plate, time};
use clap::Args;

/// Options of `track`.
#[derive(Debug, Args)]
pub struct TrackArgs {
    /// The plate, e.g. 苏A12345
    pub plate: String,
    /// Only passages at or after: `2026-11-20 08:30` (UTC+8), a day, or
    /// RFC 3339; without it, the latest passages
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub limit: usize,
}

/// Runs `track`.
pub async fn run(a: TrackArgs, settings: &Settings) -> CliResult {
    let key = plate::parse(&a.plate).map_err(CliError::invalid)?.plate;
    let since = a
        .since
        .as_deref()
        .map(parse_time)
        .transpose()
        .map_err(CliError::invalid)?;
    let client = settings.client()?;
    let p = &settings.printer;
    let found = client.track(&key, since, a.limit.max(1)).await?;
    if found.is_empty() {
        p.note(&format!("no passages of {key}"));
    }
    p.list(&found, &columns())
}

/// Local time to the second, as a passage is recorded.
pub(super) fn local_second(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&time::operator_zone())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn columns() -> Vec<Column<Passage>> {
    vec![
        Column::new("TIME", |p| local_second(p.at)),
        Column::new("GANTRY", |p| p.gantry.clone()),
        Column::new("NAME", |p| p.gantry_name.clone().unwrap_or_default()),
        Column::new("ROAD", |p| p.road.clone().unwrap_or_default()),
        Column::new("CITY", |p| p.city.clone().unwrap_or_default()),
        Column::new("DIR", |p| {
            p.direction.map(|d| d.to_string()).unwrap_or_default()
        }),
        Column::new("CLASS", |p| p.class.to_string()),
        Column::new("COLOUR", |p| p.colour.to_string()),
    ]
}
