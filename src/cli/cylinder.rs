//! `safedesk cylinder …`: the LPG cylinder register, as imported.

use super::exit::{CliError, CliResult};
use super::output::{Column, Tone};
use super::settings::Settings;
use crate::client::CylinderQuery;
use crate::model::cylinder::Cylinder;
use crate::model::time;
use clap::{Args, Subcommand};

/// The cylinder commands.
#[derive(Debug, Subcommand)]
pub enum CylinderCmd {
    /// Cylinders in the register, in code order
    List(ListArgs),
    /// One cylinder
    Show(ShowArgs),
}

/// Options of `cylinder list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this owner (unified social credit code)
    #[arg(long, value_name = "USCC")]
    pub owner: Option<String>,
    /// Only this state: 在用/in-service, 停用/out-of-service, 报废/scrapped
    #[arg(long, value_name = "STATE")]
    pub state: Option<String>,
    /// Only those whose next inspection falls before this day (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub due_before: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub limit: usize,
}

/// Options of `cylinder show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The cylinder's code
    pub code: String,
}

/// Runs a cylinder command.
pub async fn run(cmd: CylinderCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    match cmd {
        CylinderCmd::List(a) => {
            let q = CylinderQuery {
                owner: a.owner,
                state: a.state,
                due_before: a.due_before.as_deref().map(day).transpose()?,
                ..CylinderQuery::default()
            };
            let found = client.cylinders(&q, a.limit).await?;
            if found.is_empty() {
                p.note("no cylinders match");
            }
            p.list(&found, &columns())
        }
        CylinderCmd::Show(a) => {
            let c = client.cylinder(&a.code).await?;
            let opt = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
            let fields = vec![
                ("code", c.code.clone()),
                ("state", c.state.label().to_string()),
                ("owner", c.owner_name.clone().unwrap_or_default()),
                ("owner code", owner_code(&c)),
                ("spec", c.spec.clone().unwrap_or_default()),
                ("made", c.made_on.to_string()),
                ("last inspected", opt(c.last_inspected_on)),
                ("next inspection", next_inspection(&c)),
                ("version", c.version.to_string()),
            ];
            p.record(&c, &fields)
        }
    }
}

/// A day as the API takes it, or a sentence that says how to write one.
fn day(text: &str) -> CliResult<String> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map(|d| d.to_string())
        .map_err(|_| CliError::usage(format!("`{text}` is not a day; write it as 2028-06-01")))
}

fn owner_code(c: &Cylinder) -> String {
    if c.owner_uscc_unchecked {
        format!("{} (check digit fails; accepted by an admin)", c.owner_uscc)
    } else {
        c.owner_uscc.clone()
    }
}

fn next_inspection(c: &Cylinder) -> String {
    if c.overdue(time::today()) {
        format!("{} (overdue)", c.next_inspection_on)
    } else {
        c.next_inspection_on.to_string()
    }
}

fn columns() -> Vec<Column<Cylinder>> {
    vec![
        Column::new("CODE", |c| c.code.clone()),
        Column::new("STATE", |c| c.state.label().to_string()),
        Column::new("OWNER", |c| c.owner_name.clone().unwrap_or_default()),
        Column::new("OWNER CODE", owner_code),
        Column::new("SPEC", |c| c.spec.clone().unwrap_or_default()),
        Column::new("MADE", |c| c.made_on.to_string()),
        Column::toned("NEXT INSPECTION", next_inspection, |c| {
            if c.overdue(time::today()) {
                Tone::Alert
            } else {
                Tone::Plain
            }
        }),
    ]
}
