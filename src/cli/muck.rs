//! `safedesk muck …`: muck-truck violations, and whether a truck's pass is
//! suspended (30 days from its latest violation).

use super::exit::{CliError, CliResult, Exit};
use super::output::{Column, Format};
use super::settings::Settings;
use crate::model::muck::{NewViolation, Pass, Violation, ViolationKind, parse_time};
use crate::model::{plate, time};
use clap::{Args, Subcommand};

/// The muck-truck commands.
#[derive(Debug, Subcommand)]
pub enum MuckCmd {
    /// Violations that suspend a pass
    #[command(subcommand)]
    Violation(ViolationCmd),
    /// Muck-truck passes
    #[command(subcommand)]
    Pass(PassCmd),
}

/// The violation commands.
#[derive(Debug, Subcommand)]
pub enum ViolationCmd {
    /// Record a violation; it suspends the pass for 30 days
    Add(AddArgs),
    /// Violations, newest first
    List(ListArgs),
}

/// The pass commands.
#[derive(Debug, Subcommand)]
pub enum PassCmd {
    /// Whether a truck's pass is valid (exit 0) or suspended (exit 1)
    Check(CheckArgs),
}

/// Options of `muck violation add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The truck's plate
    pub plate: String,
    /// What it did: red-light, speeding, overload or fatal-crash
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    /// When: `2026-11-20 08:30` (UTC+8) or RFC 3339
    #[arg(long, value_name = "TIME")]
    pub at: String,
}

/// Options of `muck violation list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this truck
    #[arg(long, value_name = "PLATE")]
    pub plate: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: i64,
}

/// Options of `muck pass check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The truck's plate
    pub plate: String,
    /// The instant to answer for (default: now)
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

fn key(text: &str) -> CliResult<String> {
    Ok(plate::parse(text).map_err(CliError::invalid)?.plate)
}

/// Runs a muck-truck command.
pub async fn run(cmd: MuckCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    match cmd {
        MuckCmd::Violation(ViolationCmd::Add(a)) => {
            let new = NewViolation {
                plate: key(&a.plate)?,
                kind: a.kind.parse::<ViolationKind>().map_err(CliError::invalid)?,
                at: parse_time(&a.at).map_err(CliError::invalid)?,
            };
            let added = client.add_violation(&new).await?;
            p.note(&format!(
                "violation {} recorded: {} {}",
                added.id, added.plate, added.kind
            ));
            match p.format {
                Format::Json => p.json(&added),
                _ => p.list(std::slice::from_ref(&added), &columns()),
            }
        }
        MuckCmd::Violation(ViolationCmd::List(a)) => {
            let plate = a.plate.as_deref().map(key).transpose()?;
            let found = client.violations(plate.as_deref(), a.limit).await?;
            if found.is_empty() {
                p.note("no violations match");
            }
            p.list(&found, &columns())
        }
        MuckCmd::Pass(PassCmd::Check(a)) => {
            let at =
                a.at.as_deref()
                    .map(parse_time)
                    .transpose()
                    .map_err(CliError::invalid)?;
            let pass = client.muck_pass(&key(&a.plate)?, at).await?;
            show(settings, &pass)?;
            if pass.is_suspended() {
                return Err(CliError::new(Exit::Failure, ""));
            }
            Ok(())
        }
    }
}

fn show(settings: &Settings, pass: &Pass) -> CliResult {
    let opt = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(time::local_minute);
    let fields = vec![
        ("plate", pass.plate.clone()),
        ("pass", pass.status.clone()),
        ("at", time::local_minute(pass.at)),
        (
            "violation",
            pass.kind.map(|k| k.to_string()).unwrap_or_default(),
        ),
        ("since", opt(pass.since).unwrap_or_default()),
        ("until", opt(pass.until).unwrap_or_default()),
    ];
    settings.printer.record(pass, &fields)
}

fn columns() -> Vec<Column<Violation>> {
    vec![
        Column::new("ID", |v| v.id.to_string()),
        Column::new("PLATE", |v| v.plate.clone()),
        Column::new("KIND", |v| v.kind.to_string()),
        Column::new("AT", |v| time::local_minute(v.at)),
        Column::new("BY", |v| v.actor.clone()),
    ]
}
