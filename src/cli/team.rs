//! `safedesk team …`: the rescue teams and where they are.

use super::exit::CliResult;
use super::output::{Column, Format, Tone};
use super::settings::Settings;
use crate::client::TeamQuery;
use crate::model::{Team, TeamStatus, city};
use clap::{Args, Subcommand};

/// The team commands.
#[derive(Debug, Subcommand)]
pub enum TeamCmd {
    /// List rescue teams
    List(ListArgs),
    /// Show one team
    Show {
        /// The team's code, e.g. T0001
        code: String,
        /// Show the phone unmasked (dispatcher or admin; the read is audited)
        #[arg(long)]
        reveal: bool,
    },
}

/// Options of `team list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this city (南京 or 南京市)
    #[arg(long, value_name = "C")]
    pub city: Option<String>,
    /// Only this status: available, dispatched, on_scene, off_duty
    #[arg(long, value_name = "S")]
    pub status: Option<TeamStatus>,
    /// Show the phones unmasked (dispatcher or admin; each such read is audited)
    #[arg(long)]
    pub reveal: bool,
}

fn tone(t: &Team) -> Tone {
    match t.status {
        TeamStatus::Available => Tone::Good,
        TeamStatus::Dispatched | TeamStatus::OnScene => Tone::Warn,
        TeamStatus::OffDuty => Tone::Plain,
    }
}

fn columns() -> Vec<Column<Team>> {
    vec![
        Column::new("CODE", |t| t.code.clone()),
        Column::new("NAME", |t| t.name.clone()),
        Column::new("CITY", |t| city::short_name(&t.city).to_string()),
        Column::new("DISTRICT", |t| t.district.clone()),
        Column::toned("STATUS", |t| t.status.to_string(), tone),
        Column::new("INCIDENT", |t| {
            t.incident.map(|i| i.to_string()).unwrap_or_default()
        }),
        Column::new("PHONE", |t| t.phone.clone()),
        Column::new("COMPANY", |t| t.company.clone()),
    ]
}

/// Runs a team command.
pub async fn run(cmd: TeamCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    match cmd {
        TeamCmd::List(a) => {
            let q = TeamQuery {
                city: a.city.as_deref().map(city::full_name),
                status: a.status.map(|s| s.to_string()),
                reveal: a.reveal,
                ..Default::default()
            };
            let teams = client.teams(&q).await?;
            if teams.is_empty() {
                p.note("no teams match");
            }
            p.list(&teams, &columns())
        }
        TeamCmd::Show { code, reveal } => {
            let t = client.team_revealed(&code, reveal).await?;
            match p.format {
                Format::Json => p.json(&t),
                _ => p.list(std::slice::from_ref(&t), &columns()),
            }
        }
    }
}
