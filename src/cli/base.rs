//! `safedesk base …`: the detention bases and temporary points, with their
//! places.

use super::exit::CliResult;
use super::output::{Column, Tone};
use super::settings::Settings;
use crate::model::{Base, city};
use clap::Subcommand;

/// The base commands.
#[derive(Debug, Subcommand)]
pub enum BaseCmd {
    /// List the detention bases and temporary points, with places free
    List,
    /// Show one base
    Show {
        /// The base's code, e.g. B01 or T01
        code: String,
    },
}

fn free_tone(b: &Base) -> Tone {
    match b.free() {
        0 => Tone::Alert,
        1..=2 => Tone::Warn,
        _ => Tone::Good,
    }
}

fn columns() -> Vec<Column<Base>> {
    vec![
        Column::new("CODE", |b| b.code.clone()),
        Column::new("KIND", |b| b.kind_label().to_string()),
        Column::new("NAME", |b| b.name.clone()),
        Column::new("CITY", |b| city::short_name(&b.city).to_string()),
        Column::new("CAPACITY", |b| b.capacity.to_string()),
        Column::new("HELD", |b| b.occupied.to_string()),
        Column::toned("FREE", |b| b.free().to_string(), free_tone),
    ]
}

/// Runs a base command.
pub async fn run(cmd: BaseCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    match cmd {
        BaseCmd::List => p.list(&client.bases().await?, &columns()),
        BaseCmd::Show { code } => {
            let b = client.detention_base(&code).await?;
            let fields = vec![
                ("code", b.code.clone()),
                ("kind", b.kind_label().to_string()),
                ("name", b.name.clone()),
                ("city", b.city.clone()),
                ("position", format!("{:.5}N {:.5}E", b.lat, b.lon)),
                ("capacity", b.capacity.to_string()),
                ("held", b.occupied.to_string()),
                ("free", b.free().to_string()),
            ];
            p.record(&b, &fields)
        }
    }
}
