//! `safedesk elevator …`: find the elevator a caller is in.

use super::exit::CliResult;
use super::output::Column;
use super::settings::Settings;
use crate::client::ElevatorQuery;
use crate::model::{Elevator, city};
use clap::{Args, Subcommand};

/// The elevator commands.
#[derive(Debug, Subcommand)]
pub enum ElevatorCmd {
    /// Show the elevator with this rescue code
    Show {
        /// The 6-digit rescue code on the sticker inside the car
        code: String,
    },
    /// Find elevators by city, district or text in the address
    Find(FindArgs),
}

/// Options of `elevator find`.
#[derive(Debug, Args)]
pub struct FindArgs {
    /// Only this city (南京 or 南京市)
    #[arg(long, value_name = "C")]
    pub city: Option<String>,
    /// Only this district or county (鼓楼区)
    #[arg(long, value_name = "D")]
    pub district: Option<String>,
    /// Text in the address, street or codes
    #[arg(long, value_name = "T")]
    pub text: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: i64,
}

fn columns() -> Vec<Column<Elevator>> {
    vec![
        Column::new("RESCUE", |e| e.rescue_code.clone()),
        Column::new("CITY", |e| city::short_name(&e.city).to_string()),
        Column::new("DISTRICT", |e| e.district.clone()),
        Column::new("ADDRESS", |e| e.address.clone()),
        Column::new("PLACE", |e| e.place_type.label().to_string()),
        Column::new("TEAM", |e| e.team.clone()),
        Column::new("REGISTRATION", |e| e.registration_code.clone()),
    ]
}

/// Runs an elevator command.
pub async fn run(cmd: ElevatorCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    match cmd {
        ElevatorCmd::Show { code } => {
            // Not a code at all is a typing mistake (7), not an unknown elevator (5).
            crate::model::team::validate_rescue_code(&code).map_err(super::CliError::invalid)?;
            let e = client.elevator(&code).await?;
            let fields = vec![
                ("rescue code", e.rescue_code.clone()),
                ("registration code", e.registration_code.clone()),
                ("city", e.city.clone()),
                ("district", e.district.clone()),
                ("street", e.street.clone()),
                ("address", e.address.clone()),
                ("place", e.place_type.label().to_string()),
                ("maintenance", e.maintenance_company.clone()),
                ("team", e.team.clone()),
            ];
            p.record(&e, &fields)
        }
        ElevatorCmd::Find(a) => {
            let q = ElevatorQuery {
                city: a.city.as_deref().map(city::full_name),
                district: a.district,
                text: a.text,
                limit: Some(a.limit.clamp(1, 1000)),
                cursor: None,
            };
            let page = client.elevators(&q).await?;
            if page.items.is_empty() {
                p.note("no elevators match");
            } else if page.next.is_some() {
                p.note(&format!(
                    "showing the first {}; narrow the search or raise --limit",
                    page.items.len()
                ));
            }
            p.list(&page.items, &columns())
        }
    }
}
