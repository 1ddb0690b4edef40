//! `safedesk passage …` and `safedesk gantry list`: record one passage
//! seen at a gantry or checkpoint, and the gantry register. Files of
//! passages go through `safedesk import passages`.

use super::exit::{CliError, CliResult};
use super::output::{Column, Format};
use super::settings::Settings;
use crate::model::passage::{Gantry, NewPassage};
use clap::{Args, Subcommand};

/// The passage commands.
#[derive(Debug, Subcommand)]
pub enum PassageCmd {
    /// Record one passage; a grey or black vehicle raises an alert
    Add(AddArgs),
}

/// The gantry commands.
#[derive(Debug, Subcommand)]
pub enum GantryCmd {
    /// The gantries on the register
    List(GantryListArgs),
}

/// Options of `passage add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The plate as read, e.g. 苏A12345
    pub plate: String,
    /// The gantry's id (`safedesk gantry list`)
    #[arg(long, value_name = "ID")]
    pub gantry: String,
    /// When: `2026-11-20 08:30[:15]` (UTC+8) or RFC 3339
    #[arg(long, value_name = "TIME")]
    pub at: String,
    /// Plate colour: blue, yellow, black, white, green, yellow-green (or 0–5)
    #[arg(long, value_name = "COLOUR")]
    pub colour: String,
    /// Vehicle class: car, passenger, coach, truck, special (or the ETC code)
    #[arg(long, value_name = "CLASS")]
    pub class: String,
    /// up or down; the gantry's own direction when left out
    #[arg(long, value_name = "DIR")]
    pub direction: Option<String>,
}

/// Options of `gantry list`.
#[derive(Debug, Args)]
pub struct GantryListArgs {
    /// Only gantries on this road (text in its name, e.g. G42)
    #[arg(long, value_name = "ROAD")]
    pub road: Option<String>,
    /// Only gantries in this city (南京 or 南京市)
    #[arg(long, value_name = "CITY")]
    pub city: Option<String>,
}

/// Runs a passage command.
pub async fn run(cmd: PassageCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    let PassageCmd::Add(a) = cmd;
    let new = NewPassage::from_fields(
        &a.gantry,
        &a.at,
        &a.plate,
        &a.colour,
        &a.class,
        a.direction.as_deref(),
    )
    .map_err(CliError::invalid)?;
    let counts = client.store_passages(std::slice::from_ref(&new)).await?;
    let what = if counts.inserted > 0 {
        "stored"
    } else {
        "already stored; nothing changed"
    };
    let alert = if counts.alerts > 0 {
        "; alert raised (grey or black vehicle)"
    } else {
        ""
    };
    p.note(&format!("{} at {}: {what}{alert}", new.plate, new.gantry));
    if p.format == Format::Json {
        return p.json(&counts);
    }
    Ok(())
}

/// Runs a gantry command.
pub async fn run_gantry(cmd: GantryCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    let GantryCmd::List(a) = cmd;
    let city = a
        .city
        .as_deref()
        .map(|c| c.trim_end_matches('市').to_string());
    let gantries: Vec<Gantry> = client
        .gantries()
        .await?
        .into_iter()
        .filter(|g| a.road.as_ref().is_none_or(|r| g.road.contains(r.as_str())))
        .filter(|g| city.as_ref().is_none_or(|c| g.city.starts_with(c.as_str())))
        .collect();
    if gantries.is_empty() {
        p.note("no gantries match");
    }
    p.list(&gantries, &gantry_columns())
}

fn gantry_columns() -> Vec<Column<Gantry>> {
    vec![
        Column::new("ID", |g| g.id.clone()),
        Column::new("NAME", |g| g.name.clone()),
        Column::new("ROAD", |g| g.road.clone()),
        Column::new("CITY", |g| g.city.clone()),
        Column::new("DIR", |g| g.direction.to_string()),
        Column::new("LAT", |g| format!("{:.4}", g.lat)),
        Column::new("LON", |g| format!("{:.4}", g.lon)),
    ]
}
