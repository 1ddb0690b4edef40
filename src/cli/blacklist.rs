//! `safedesk blacklist …`: take a vehicle through the illegal-operation
//! list, `suspect → grey → black`, exclude it, or lift it.

use super::exit::{CliError, CliResult};
use super::output::{Column, Format, Tone};
use super::settings::Settings;
use crate::client::BlacklistQuery;
use crate::model::blacklist::{Action, Entry, HistoryEntry, Stage, Step};
use crate::model::plate;
use crate::model::time;
use clap::{Args, Subcommand};

/// The list commands.
#[derive(Debug, Subcommand)]
pub enum BlacklistCmd {
    /// Put a vehicle on the list as a suspect or on the grey list
    Add(AddArgs),
    /// Move a vehicle on: suspect to grey, grey to black
    Promote(PromoteArgs),
    /// Mark a vehicle as not to be listed (a company's own bus)
    Exclude(ReasonArgs),
    /// Take a vehicle off the list
    Lift(ReasonArgs),
    /// The vehicles on the list, in plate order
    List(ListArgs),
    /// One vehicle's every step: who, when, why, evidence
    History(PlateArg),
}

/// Why, and what shows it.
#[derive(Debug, Args)]
pub struct ReasonArgs {
    /// The plate, e.g. 苏A12345
    pub plate: String,
    /// Why, in a sentence
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// What shows it: a report number, photos, the route and days seen
    #[arg(long, value_name = "TEXT")]
    pub evidence: Option<String>,
}

/// Options of `blacklist add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub why: ReasonArgs,
    /// The stage to start at
    #[arg(long, value_parser = ["suspect", "grey"], default_value = "suspect")]
    pub stage: String,
}

/// Options of `blacklist promote`.
#[derive(Debug, Args)]
pub struct PromoteArgs {
    #[command(flatten)]
    pub why: ReasonArgs,
    /// The next stage: grey from suspect, black from grey
    #[arg(long, value_parser = ["grey", "black"])]
    pub to: String,
}

/// Options of `blacklist list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this stage: suspect, grey, black, excluded or lifted
    #[arg(long, value_name = "S")]
    pub stage: Option<String>,
    /// Only plates of this province (苏, 江苏 or 江苏省)
    #[arg(long, value_name = "P")]
    pub province: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub limit: usize,
}

/// A plate.
#[derive(Debug, Args)]
pub struct PlateArg {
    /// The plate, e.g. 苏A12345
    pub plate: String,
}

fn step(action: Action, to: Option<&str>, why: ReasonArgs) -> CliResult<Step> {
    plate::parse(&why.plate).map_err(CliError::invalid)?;
    Ok(Step {
        plate: why.plate,
        action,
        to: to.map(str::parse).transpose().map_err(CliError::invalid)?,
        reason: why.reason,
        evidence: why.evidence,
    })
}

/// Runs a list command.
pub async fn run(cmd: BlacklistCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    let step = match cmd {
        BlacklistCmd::Add(a) => step(Action::Add, Some(&a.stage), a.why)?,
        BlacklistCmd::Promote(a) => step(Action::Promote, Some(&a.to), a.why)?,
        BlacklistCmd::Exclude(a) => step(Action::Exclude, None, a)?,
        BlacklistCmd::Lift(a) => step(Action::Lift, None, a)?,
        BlacklistCmd::List(a) => {
            if let Some(s) = &a.stage {
                s.parse::<Stage>().map_err(CliError::invalid)?;
            }
            let q = BlacklistQuery {
                stage: a.stage,
                province: a.province,
                ..Default::default()
            };
            let items = client.blacklist(&q, a.limit).await?;
            if items.is_empty() {
                p.note("no vehicles match");
            }
            return p.list(&items, &columns());
        }
        BlacklistCmd::History(a) => {
            let key = plate::parse(&a.plate).map_err(CliError::invalid)?.plate;
            return history(settings, &client.blacklist_entry(&key).await?);
        }
    };
    let after = client.blacklist_step(&step).await?;
    p.note(&format!(
        "{}: {} done, now {} (version {})",
        after.plate, step.action, after.stage, after.version
    ));
    match p.format {
        Format::Json => p.json(&after),
        _ => p.list(std::slice::from_ref(&after), &columns()),
    }
}

fn stage_tone(e: &Entry) -> Tone {
    match e.stage {
        Stage::Black => Tone::Alert,
        Stage::Grey | Stage::Suspect => Tone::Warn,
        Stage::Excluded | Stage::Lifted => Tone::Good,
    }
}

/// The columns of the list.
pub fn columns() -> Vec<Column<Entry>> {
    vec![
        Column::new("PLATE", |e| e.plate.clone()),
        Column::toned("STAGE", |e| e.stage.to_string(), stage_tone),
        Column::new("PROVINCE", |e| e.province.clone()),
        Column::new("SINCE", |e| time::local_minute(e.since)),
        Column::new("BY", |e| e.actor.clone()),
        Column::new("REASON", |e| e.reason.clone()),
    ]
}

fn history(settings: &Settings, e: &Entry) -> CliResult {
    let p = &settings.printer;
    if p.format != Format::Table {
        return match p.format {
            Format::Json => p.json(e),
            _ => p.list(&e.history, &history_columns()),
        };
    }
    let fields = vec![
        ("plate", e.plate.clone()),
        ("stage", e.stage.to_string()),
        ("province", e.province.clone()),
        ("since", time::local_minute(e.since)),
        ("version", e.version.to_string()),
    ];
    p.record(e, &fields)?;
    p.line("")?;
    p.list(&e.history, &history_columns())
}

fn history_columns() -> Vec<Column<HistoryEntry>> {
    vec![
        Column::new("TIME", |h| time::local_minute(h.at)),
        Column::new("STEP", |h| h.action.to_string()),
        Column::new("FROM", |h| {
            h.from.map(|s| s.to_string()).unwrap_or_default()
        }),
        Column::new("TO", |h| h.stage.to_string()),
        Column::new("BY", |h| h.actor.clone()),
        Column::new("REASON", |h| h.reason.clone()),
        Column::new("EVIDENCE", |h| h.evidence.clone().unwrap_or_default()),
    ]
}
