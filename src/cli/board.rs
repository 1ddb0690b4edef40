//! `safedesk board`: the live dispatch board.

use super::exit::CliResult;
use super::settings::Settings;
use crate::tui::{self, BoardOptions};
use clap::Args;
use std::path::PathBuf;

/// Options of `safedesk board`.
#[derive(Debug, Args)]
pub struct BoardArgs {
    /// Where the board writes its log [default: $XDG_STATE_HOME/safedesk/board.log]
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
}

/// The board's log file when none is given.
pub fn default_log() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "safedesk").map(|d| {
        d.state_dir()
            .unwrap_or_else(|| d.data_dir())
            .join("board.log")
    })
}

/// Runs the board against the configured server.
pub async fn run(args: BoardArgs, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    client.health().await?;
    let opts = BoardOptions {
        api_label: settings.api.clone(),
        log_file: args.log.or_else(default_log),
        no_color: !settings.printer.color,
    };
    tui::run(client, opts).await?;
    Ok(())
}
