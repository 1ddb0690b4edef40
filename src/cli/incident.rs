//! `safedesk incident …`: report, list, show, and take an incident through
//! its steps from the shell.

use super::exit::{CliError, CliResult};
use super::output::{Column, Format, Tone};
use super::settings::Settings;
use crate::client::IncidentQuery;
use crate::model::incident::{ARRIVAL_LIMIT_SECS, ARRIVAL_WARN_SECS, validate_vulnerable};
use crate::model::{Incident, IncidentStatus, NewIncident, Transition, city, time};
use clap::{Args, Subcommand};

/// The incident commands.
#[derive(Debug, Subcommand)]
pub enum IncidentCmd {
    /// Report a new entrapment from the rescue code on the car sticker
    New(NewArgs),
    /// List incidents, newest first
    List(ListArgs),
    /// Show one incident with its timeline
    Show(ShowArgs),
    /// Send a rescue team (default: the first suggestion)
    Dispatch(DispatchArgs),
    /// The team is on scene
    Arrive(StepArgs),
    /// Everyone trapped is out
    Release(ReleaseArgs),
    /// Close a released incident
    Close(StepArgs),
    /// Call an incident off before anyone is released
    Cancel(ReasonArgs),
    /// Hand an incident to 119, the fire service
    Escalate(ReasonArgs),
    /// Add a note to an incident's timeline
    Note(NoteArgs),
}

/// Options of `incident new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The 6-digit rescue code on the sticker inside the car
    #[arg(long, value_name = "CODE")]
    pub rescue_code: String,
    /// How many people are trapped
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub trapped: i64,
    /// Vulnerable people among them: elderly, child, pregnant, ill (comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub vulnerable: Vec<String>,
    /// The caller's phone (shown masked)
    #[arg(long, value_name = "PHONE")]
    pub caller: Option<String>,
    /// What the caller said
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// Options of `incident list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these statuses (comma-separated), or `open` for all open ones
    #[arg(long, value_name = "S")]
    pub status: Option<String>,
    /// Only this city (南京 or 南京市)
    #[arg(long, value_name = "C")]
    pub city: Option<String>,
    /// Only incidents reported on this day (YYYY-MM-DD, UTC+8)
    #[arg(long, value_name = "DATE")]
    pub day: Option<chrono::NaiveDate>,
    /// At most this many
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
    /// Show the callers' phones unmasked (dispatcher or admin; each such read is audited)
    #[arg(long)]
    pub reveal: bool,
}

/// An incident number.
#[derive(Debug, Args)]
pub struct IdArg {
    /// The incident number
    pub id: i64,
}

/// Options of `incident show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The incident number
    pub id: i64,
    /// Show the caller's phone unmasked (dispatcher or admin; the read is audited)
    #[arg(long)]
    pub reveal: bool,
}

/// Options every step takes.
#[derive(Debug, Args)]
pub struct StepArgs {
    /// The incident number
    pub id: i64,
    /// Refuse (exit 6) if the incident is no longer at this version
    #[arg(long, value_name = "N")]
    pub if_version: Option<i64>,
}

/// Options of `incident dispatch`.
#[derive(Debug, Args)]
pub struct DispatchArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// The team's code (see `safedesk team list`); default: the first suggestion
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
}

/// Options of `incident release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// How many were freed; default: everyone trapped
    #[arg(long, value_name = "N")]
    pub freed: Option<i64>,
}

/// Options of `incident cancel` and `incident escalate`.
#[derive(Debug, Args)]
pub struct ReasonArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// Why
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
}

/// Options of `incident note`.
#[derive(Debug, Args)]
pub struct NoteArgs {
    #[command(flatten)]
    pub step: StepArgs,
    /// The note
    pub text: String,
}

/// Runs an incident command.
pub async fn run(cmd: IncidentCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    let (step, args) = match cmd {
        IncidentCmd::New(a) => {
            validate_vulnerable(&a.vulnerable).map_err(CliError::invalid)?;
            let new = NewIncident {
                rescue_code: a.rescue_code,
                trapped: a.trapped,
                vulnerable: a.vulnerable,
                caller: a.caller,
                note: a.note,
            };
            let created = client.create_incident(&new).await?;
            p.note(&format!(
                "incident {} reported: {} {}",
                created.id, created.city, created.address
            ));
            return show(settings, &created);
        }
        IncidentCmd::List(a) => {
            let q = IncidentQuery {
                status: a.status,
                city: a.city.as_deref().map(city::full_name),
                day: a.day.map(|d| d.to_string()),
                reveal: a.reveal,
                ..Default::default()
            };
            let items = client.all_incidents(&q, a.limit).await?;
            if items.is_empty() {
                p.note("no incidents match");
            }
            return p.list(&items, &columns());
        }
        IncidentCmd::Show(a) => {
            return show(settings, &client.incident_revealed(a.id, a.reveal).await?);
        }
        IncidentCmd::Dispatch(a) => (Transition::Dispatch { team: a.team }, a.step),
        IncidentCmd::Arrive(a) => (Transition::Arrive, a),
        IncidentCmd::Release(a) => (Transition::Release { freed: a.freed }, a.step),
        IncidentCmd::Close(a) => (Transition::Close, a),
        IncidentCmd::Cancel(a) => (Transition::Cancel { reason: a.reason }, a.step),
        IncidentCmd::Escalate(a) => (Transition::Escalate { reason: a.reason }, a.step),
        IncidentCmd::Note(a) => (Transition::Note { text: a.text }, a.step),
    };
    let after = client.step(args.id, &step, args.if_version).await?;
    let team = after.team_name.as_deref().unwrap_or("");
    p.note(&format!(
        "incident {}: {} done, now {} (version {}) {team}",
        after.id,
        step.name(),
        after.status,
        after.version
    ));
    one(settings, &after)
}

/// One incident after a step: the record itself in JSON, one row otherwise.
fn one(settings: &Settings, i: &Incident) -> CliResult {
    match settings.printer.format {
        Format::Json => settings.printer.json(i),
        _ => settings.printer.list(std::slice::from_ref(i), &columns()),
    }
}

fn arrival_tone(i: &Incident) -> Tone {
    match i.arrival_clock(chrono::Utc::now()) {
        Some(s) if s > ARRIVAL_LIMIT_SECS => Tone::Alert,
        Some(s) if s >= ARRIVAL_WARN_SECS && i.on_scene_at.is_none() => Tone::Warn,
        _ => Tone::Plain,
    }
}

fn status_tone(i: &Incident) -> Tone {
    match i.status {
        IncidentStatus::Reported => Tone::Alert,
        IncidentStatus::Dispatched => Tone::Warn,
        IncidentStatus::Closed => Tone::Good,
        _ => Tone::Plain,
    }
}

/// The columns of an incident list.
pub fn columns() -> Vec<Column<Incident>> {
    vec![
        Column::new("ID", |i| i.id.to_string()),
        Column::toned("STATE", |i| i.status.to_string(), status_tone),
        Column::new("P", |i| i.priority.to_string()),
        Column::new("CITY", |i| city::short_name(&i.city).to_string()),
        Column::new("DISTRICT", |i| i.district.clone()),
        Column::new("ADDRESS", |i| i.address.clone()),
        Column::new("TRAP", |i| i.trapped.to_string()),
        Column::new("TEAM", |i| i.team_name.clone().unwrap_or_default()),
        Column::new("REPORTED", |i| time::local_minute(i.reported_at)),
        Column::toned(
            "ARRIVAL",
            |i| {
                let clock = i.arrival_clock(chrono::Utc::now());
                match clock {
                    Some(s) if s > ARRIVAL_LIMIT_SECS => format!("{} !", time::elapsed(s)),
                    Some(s) => time::elapsed(s),
                    None => String::new(),
                }
            },
            arrival_tone,
        ),
    ]
}

fn opt_time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(time::local_minute).unwrap_or_default()
}

fn show(settings: &Settings, i: &Incident) -> CliResult {
    let p = &settings.printer;
    let fields = vec![
        ("id", i.id.to_string()),
        ("status", i.status.to_string()),
        ("version", i.version.to_string()),
        ("priority", i.priority.to_string()),
        ("rescue code", i.rescue_code.clone()),
        ("city", i.city.clone()),
        ("district", i.district.clone()),
        ("address", i.address.clone()),
        ("place", i.place_type.label().to_string()),
        ("trapped", i.trapped.to_string()),
        ("freed", i.freed.map(|f| f.to_string()).unwrap_or_default()),
        ("vulnerable", i.vulnerable.join(",")),
        ("caller", i.caller.clone().unwrap_or_default()),
        ("note", i.note.clone().unwrap_or_default()),
        (
            "team",
            match (&i.team, &i.team_name) {
                (Some(c), Some(n)) => format!("{c} {n}"),
                (Some(c), None) => c.clone(),
                _ => String::new(),
            },
        ),
        ("reported", time::local_minute(i.reported_at)),
        ("dispatched", opt_time(i.dispatched_at)),
        ("on scene", opt_time(i.on_scene_at)),
        ("released", opt_time(i.released_at)),
        ("closed", opt_time(i.closed_at)),
        ("cancelled", opt_time(i.cancelled_at)),
        ("cancel reason", i.cancel_reason.clone().unwrap_or_default()),
        ("escalated", opt_time(i.escalated_at)),
        (
            "escalation",
            i.escalation_reason.clone().unwrap_or_default(),
        ),
        (
            "arrival",
            i.arrival_secs.map(time::elapsed).unwrap_or_default(),
        ),
        (
            "rescue",
            i.rescue_secs.map(time::elapsed).unwrap_or_default(),
        ),
    ];
    p.record(i, &fields)?;
    if p.format == Format::Table && !i.timeline.is_empty() {
        p.line("")?;
        let columns = vec![
            Column::new("TIME", |e: &crate::model::TimelineEntry| {
                time::local_minute(e.at)
            }),
            Column::new("STEP", |e| e.action.clone()),
            Column::new("BY", |e| e.actor.clone()),
            Column::new("DETAIL", |e| e.detail.clone()),
        ];
        p.list(&i.timeline, &columns)?;
    }
    Ok(())
}
