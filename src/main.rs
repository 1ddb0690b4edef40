//! `safedesk`: parse the command line, set up logging, run, exit with the
//! command's code.

use clap::Parser;
use safedesk::cli::{self, Cli, Exit};
use std::process::ExitCode;

fn init_logging(verbose: u8, serving: bool) {
    let default = match (verbose, serving) {
        (0, false) => "warn",
        (0, true) | (1, _) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SAFEDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.command, cli::Command::Serve(_));
    // The board and the demo own the screen; they log to a file.
    let on_screen = matches!(cli.command, cli::Command::Board(_) | cli::Command::Demo(_));
    if !on_screen {
        init_logging(cli.global.verbose, serving);
    }
    safedesk::client::init_crypto();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(Exit::Failure.code());
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("error: {}", e.message);
            }
            ExitCode::from(e.exit.code())
        }
    }
}
