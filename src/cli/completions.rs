//! `safedesk completions SHELL` and the man pages, both generated from the
//! same clap definitions as the parser.

use super::Cli;
use super::exit::{CliError, CliResult, Exit};
use clap::{Args, CommandFactory};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of `safedesk completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options of `safedesk man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The directory to write `safedesk.1`, `safedesk-incident.1`, … into
    pub dir: PathBuf,
}

/// Prints the completion script. Written to a buffer first: the generator
/// panics on a closed pipe, and a closed pipe is a normal end here.
pub fn run(args: CompletionsArgs) -> CliResult {
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "safedesk", &mut buf);
    match std::io::stdout().write_all(&buf) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Every man page, as `(file name, roff text)`.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut cmd = Cli::command();
    cmd.build(); // propagates the global options and the version into every page
    collect(cmd, "safedesk".to_string(), &mut out);
    out
}

fn collect(cmd: clap::Command, name: String, out: &mut Vec<(String, Vec<u8>)>) {
    let cmd = cmd.name(name.clone());
    let mut buf = Vec::new();
    if clap_mangen::Man::new(cmd.clone()).render(&mut buf).is_ok() {
        out.push((format!("{name}.1"), buf));
    }
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        collect(sub.clone(), format!("{name}-{}", sub.get_name()), out);
    }
}

/// Writes the man pages into a directory.
pub fn man(args: ManArgs) -> CliResult {
    write_pages(&args.dir)
}

fn write_pages(dir: &Path) -> CliResult {
    std::fs::create_dir_all(dir)?;
    for (name, text) in pages() {
        std::fs::write(dir.join(&name), text).map_err(|e| {
            CliError::new(
                Exit::Failure,
                format!("cannot write {}: {e}", dir.join(&name).display()),
            )
        })?;
    }
    Ok(())
}
