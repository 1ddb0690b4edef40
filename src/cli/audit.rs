//! `safedesk audit …`: who changed what and when, and whether the log is
//! still the one the server wrote (admins).

use super::exit::{CliError, CliResult, Exit};
use super::output::{Column, Format};
use super::settings::Settings;
use crate::client::AuditQuery;
use crate::model::audit::{AuditRow, Verification};
use crate::model::time::operator_zone;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::Value;

/// The audit commands.
#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Changes, newest first: who, role, when, what, and the fields changed
    List(ListArgs),
    /// Check the hash chain: exit 0 when intact, 1 naming the first bad row
    Verify,
}

/// Options of `audit list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only changes made with this token name
    #[arg(long, value_name = "NAME")]
    pub actor: Option<String>,
    /// Only changes on or after: a day `2026-11-20` (UTC+8), a time, or RFC 3339
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only this kind of record (incident, vessel, token, blacklist,
    /// muck_violation), or one record: `incident:12`
    #[arg(long, value_name = "ENTITY")]
    pub entity: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
}

/// A time to the second in the operator's zone.
fn local_second(t: DateTime<Utc>) -> String {
    t.with_timezone(&operator_zone())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A JSON value in a cell: strings bare, the rest as JSON, cut to 24 chars.
fn short(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    };
    if text.chars().count() > 24 {
        format!("{}…", text.chars().take(23).collect::<String>())
    } else {
        text
    }
}

/// The fields a change set, `field=value` each, `version` left out; empty
/// for a new record, which `--format json` shows whole.
fn changes(row: &AuditRow) -> String {
    let (Some(Value::Object(before)), Some(Value::Object(after))) = (&row.before, &row.after)
    else {
        return String::new();
    };
    let changed = after
        .iter()
        .filter(|(field, value)| *field != "version" && before.get(*field) != Some(*value));
    let parts: Vec<String> = changed
        .map(|(field, value)| format!("{field}={}", short(value)))
        .collect();
    parts.join(" ")
}

fn columns() -> Vec<Column<AuditRow>> {
    vec![
        Column::new("ID", |r| r.id.to_string()),
        Column::new("TIME", |r| local_second(r.at)),
        Column::new("ACTOR", |r| r.actor.clone()),
        Column::new("ROLE", |r| r.role.clone()),
        Column::new("ACTION", |r| r.action.clone()),
        Column::new("ENTITY", |r| r.entity.clone()),
        Column::new("KEY", |r| r.key.clone()),
        Column::new("CHANGES", changes),
    ]
}

/// Runs an audit command.
pub async fn run(cmd: AuditCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    match cmd {
        AuditCmd::List(a) => {
            let q = AuditQuery {
                actor: a.actor,
                since: a.since,
                entity: a.entity,
                ..Default::default()
            };
            p.list(&client.audit(&q, a.limit).await?, &columns())
        }
        AuditCmd::Verify => {
            let v = client.verify_audit().await?;
            verify_report(&v, settings)
        }
    }
}

/// Prints what `verify` found; a broken chain is exit 1 naming the row.
fn verify_report(v: &Verification, settings: &Settings) -> CliResult {
    let p = &settings.printer;
    if p.format == Format::Json {
        p.json(v)?;
    }
    let Some(bad) = &v.first_bad else {
        if p.format != Format::Json {
            p.line(&format!(
                "audit log intact: {} rows, last row {} (hash {})",
                v.rows, v.last_id, v.last_hash
            ))?;
        }
        return Ok(());
    };
    Err(CliError::new(
        Exit::Failure,
        format!(
            "the audit log is broken at row {} ({}): {}\n  hint: the {} rows before it are \
             intact; keep this report, and compare the table with a backup",
            bad.id,
            local_second(bad.at),
            bad.detail,
            v.rows
        ),
    ))
}
