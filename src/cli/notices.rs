//! `safedesk notices …`: notices to other provinces of their vehicles on
//! the grey and black lists, exported per province and marked `sent`, then
//! `acknowledged`.

use super::exit::{CliError, CliResult};
use super::output::{Column, Format, Printer};
use super::settings::Settings;
use crate::client::NoticeQuery;
use crate::model::notice::{Notice, NoticeState};
use crate::model::time;
use clap::{ArgGroup, Args, Subcommand};

/// The notice commands.
#[derive(Debug, Subcommand)]
pub enum NoticesCmd {
    /// The notices, in the order they were made
    List(ListArgs),
    /// One province's notices as CSV (default) or JSON, to send
    Export(ExportArgs),
    /// Mark a notice sent, then acknowledged (transport or admin)
    Mark(MarkArgs),
}

/// Options of `notices list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only notices to this province (皖, 安徽 or 安徽省)
    #[arg(long, value_name = "P")]
    pub province: Option<String>,
    /// Only notices in this state: pending, sent or acknowledged
    #[arg(long, value_name = "S")]
    pub state: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 200, value_name = "N")]
    pub limit: usize,
}

/// Options of `notices export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The province the notices go to (皖, 安徽 or 安徽省)
    #[arg(long, value_name = "P")]
    pub province: String,
    /// Only notices in this state [default: pending]
    #[arg(long, value_name = "S", default_value = "pending")]
    pub state: String,
}

/// Options of `notices mark`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("mark").required(true).args(["sent", "acknowledged"])))]
pub struct MarkArgs {
    /// The notice's id (`notices list`)
    pub id: i64,
    /// It was sent to the province
    #[arg(long)]
    pub sent: bool,
    /// The province acknowledged it
    #[arg(long)]
    pub acknowledged: bool,
}

fn check_state(state: &str) -> CliResult {
    state
        .parse::<NoticeState>()
        .map(|_| ())
        .map_err(CliError::invalid)
}

/// Runs a notice command.
pub async fn run(cmd: NoticesCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    match cmd {
        NoticesCmd::List(a) => {
            if let Some(s) = &a.state {
                check_state(s)?;
            }
            let q = NoticeQuery {
                province: a.province,
                state: a.state,
                ..Default::default()
            };
            let found = client.notices(&q, a.limit).await?;
            if found.is_empty() {
                p.note("no notices match");
            }
            p.list(&found, &columns())
        }
        NoticesCmd::Export(a) => {
            check_state(&a.state)?;
            let q = NoticeQuery {
                province: Some(a.province.clone()),
                state: Some(a.state.clone()),
                ..Default::default()
            };
            let found = client.notices(&q, usize::MAX).await?;
            p.note(&format!(
                "{} {} notices to {}",
                found.len(),
                a.state,
                a.province
            ));
            // A file to send: CSV unless JSON is asked for.
            let out = Printer {
                format: if p.format == Format::Json {
                    Format::Json
                } else {
                    Format::Csv
                },
                ..p.clone()
            };
            out.list(&found, &columns())
        }
        NoticesCmd::Mark(a) => {
            let to = if a.sent {
                NoticeState::Sent
            } else {
                NoticeState::Acknowledged
            };
            let after = client.mark_notice(a.id, to).await?;
            p.note(&format!(
                "notice {}: {} to {} is now {}",
                after.id, after.plate, after.province, after.state
            ));
            match p.format {
                Format::Json => p.json(&after),
                _ => p.list(std::slice::from_ref(&after), &columns()),
            }
        }
    }
}

fn columns() -> Vec<Column<Notice>> {
    vec![
        Column::new("ID", |n| n.id.to_string()),
        Column::new("PROVINCE", |n| n.province.clone()),
        Column::new("PLATE", |n| n.plate.clone()),
        Column::new("STAGE", |n| n.stage.to_string()),
        Column::new("LISTED", |n| time::local_minute(n.listed_at)),
        Column::new("STATE", |n| n.state.to_string()),
        Column::new("SENT", |n| {
            n.sent_at.map(time::local_minute).unwrap_or_default()
        }),
        Column::new("ACKNOWLEDGED", |n| {
            n.acknowledged_at
                .map(time::local_minute)
                .unwrap_or_default()
        }),
        Column::new("REASON", |n| n.reason.clone()),
    ]
}
