//! `safedesk plate check`: what every list says about one plate, many, or
//! a file of them, with an exit code a script can test.

use super::exit::{CliError, CliResult, Exit};
use super::output::{Column, Format, Tone};
use super::settings::Settings;
use crate::model::plate::{self, PlateCheck};
use crate::model::time;
use clap::{Args, Subcommand};
use serde::Serialize;
use std::io::Read;
use std::path::PathBuf;

/// The plate commands.
#[derive(Debug, Subcommand)]
pub enum PlateCmd {
    /// Check plates against every list at once: exit 0 when none is listed,
    /// 1 when any is, 7 when a plate is not a plate
    Check(CheckArgs),
}

/// Options of `plate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Plates to check (`-` reads them from stdin, one a line)
    #[arg(value_name = "PLATE", required_unless_present = "file")]
    pub plates: Vec<String>,
    /// Read plates from this file, one a line (`#` starts a comment)
    #[arg(long, value_name = "FILE", conflicts_with = "plates")]
    pub file: Option<PathBuf>,
}

/// One line of the table: a plate and one list it is on, or none.
#[derive(Debug, Serialize)]
struct Row {
    plate: String,
    kind: String,
    colour: String,
    province: String,
    list: String,
    stage: String,
    since: String,
    until: String,
    why: String,
}

/// The plates to check, each with where it came from for messages.
fn inputs(a: &CheckArgs) -> CliResult<Vec<(String, String)>> {
    let (text, name) = match (&a.file, a.plates.as_slice()) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::new(
                    Exit::Failure,
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            (text, path.display().to_string())
        }
        (None, [dash]) if dash == "-" => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            (text, "stdin".to_string())
        }
        (None, plates) => {
            return Ok(plates
                .iter()
                .enumerate()
                .map(|(i, p)| (p.clone(), format!("argument {}", i + 1)))
                .collect());
        }
    };
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| (l.to_string(), format!("{name} line {}", i + 1)))
        .collect())
}

/// Runs a plate command.
pub async fn run(cmd: PlateCmd, settings: &Settings) -> CliResult {
    let PlateCmd::Check(a) = cmd;
    let given = inputs(&a)?;
    if given.is_empty() {
        return Err(CliError::usage("no plates to check"));
    }
    let mut plates = Vec::with_capacity(given.len());
    for (text, place) in &given {
        let p = plate::parse(text).map_err(|e| CliError::invalid(format!("{place}: {e}")))?;
        plates.push(p.plate);
    }
    let client = settings.client()?;
    let answers: Vec<PlateCheck> = client.check_plates(&plates).await?;
    let p = &settings.printer;
    match p.format {
        Format::Json => p.json(&answers)?,
        _ => p.list(&rows(&answers), &columns())?,
    }
    let listed = answers.iter().filter(|a| !a.hits.is_empty()).count();
    if listed == 0 {
        return Ok(());
    }
    p.note(&format!("{listed} of {} plates listed", answers.len()));
    Err(CliError::new(Exit::Failure, ""))
}

fn rows(answers: &[PlateCheck]) -> Vec<Row> {
    let mut out = Vec::new();
    for a in answers {
        let row = |list: &str, stage: &str, since: String, until: String, why: &str| Row {
            plate: a.plate.plate.clone(),
            kind: a.plate.kind.to_string(),
            colour: a.plate.colour.clone(),
            province: a.plate.province.clone(),
            list: list.to_string(),
            stage: stage.to_string(),
            since,
            until,
            why: why.to_string(),
        };
        if a.hits.is_empty() {
            out.push(row("not listed", "", String::new(), String::new(), ""));
        }
        for h in &a.hits {
            let until = h.until.map(time::local_minute).unwrap_or_default();
            out.push(row(
                &h.list,
                &h.stage,
                time::local_minute(h.since),
                until,
                &h.why,
            ));
        }
    }
    out
}

fn tone(r: &Row) -> Tone {
    match r.stage.as_str() {
        "black" | "suspended" => Tone::Alert,
        "grey" | "suspect" => Tone::Warn,
        _ => Tone::Good,
    }
}

fn columns() -> Vec<Column<Row>> {
    vec![
        Column::toned("PLATE", |r| r.plate.clone(), tone),
        Column::new("KIND", |r| r.kind.clone()),
        Column::new("COLOUR", |r| r.colour.clone()),
        Column::new("PROVINCE", |r| r.province.clone()),
        Column::toned("LIST", |r| r.list.clone(), tone),
        Column::toned("STAGE", |r| r.stage.clone(), tone),
        Column::new("SINCE", |r| r.since.clone()),
        Column::new("UNTIL", |r| r.until.clone()),
        Column::new("WHY", |r| r.why.clone()),
    ]
}
