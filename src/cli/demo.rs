//! `safedesk demo`: a seeded server, a live incident feed and the board.

use super::exit::CliResult;
use super::settings::Settings;
use crate::demo::{self, DemoOptions};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Options of `safedesk demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address and port for the demo server (port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:9633")]
    pub listen: SocketAddr,
    /// Where the demo keeps its database; emptied at start [default: $XDG_DATA_HOME/safedesk/demo]
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// How much faster than real time the feed and the teams run (60: an hour a minute)
    #[arg(long, default_value_t = 10.0, value_name = "N")]
    pub speed: f64,
    /// Run without the board (for scripts and tests); a simulated dispatcher takes the calls
    #[arg(long)]
    pub no_board: bool,
    /// Stop after this many seconds [default: run until Ctrl-C]
    #[arg(long, value_name = "SECS")]
    pub duration: Option<u64>,
}

/// Runs the demo.
pub async fn run(args: DemoArgs, settings: &Settings) -> CliResult {
    if !(args.speed > 0.0 && args.speed <= 3600.0) {
        return Err(super::CliError::usage(format!(
            "`--speed {}`: give a factor between 0 and 3600",
            args.speed
        )));
    }
    let opts = DemoOptions {
        listen: args.listen,
        data_dir: args
            .data_dir
            .unwrap_or_else(|| crate::server::default_data_dir().join("demo")),
        speed: args.speed,
        board: !args.no_board,
        duration: args.duration.map(std::time::Duration::from_secs),
        no_color: !settings.printer.color,
        quiet: settings.printer.quiet,
    };
    demo::run(opts).await?;
    Ok(())
}
