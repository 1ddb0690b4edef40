//! `safedesk login` and `safedesk logout`: keep the API address and a token
//! in the config file, readable only by its owner.
//!
//! `login` checks the server answers (`/health`) and that it takes the
//! token (an authenticated read) before anything is written; then it sets
//! `api` and `token` (and `ca_cert`, when `--ca-cert` was given) in
//! `$XDG_CONFIG_HOME/safedesk/config.toml`, keeping every other key. The
//! file is written whole to a new file of mode 0600 that replaces the old
//! one, in a directory of mode 0700. `logout` removes `token` and keeps the
//! rest.

use super::Global;
use super::exit::{CliError, CliResult, Exit};
use super::settings::{check_private, config_path};
use crate::client::{Client, DEFAULT_API, ElevatorQuery};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

/// Options of `safedesk login`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
The token comes from --token (or SAFEDESK_TOKEN); without it, from the first line of \
standard input, or, at a terminal, from a prompt that does not echo it. Prefer standard \
input or the prompt: a token on the command line shows in `ps` and in shell history.

Exit codes: 0 saved; 2 no token given, or the config file cannot be written; 3 the \
server could not be reached; 4 the server refused the token.")]
pub struct LoginArgs {}

/// Options of `safedesk logout`.
#[derive(Debug, clap::Args)]
pub struct LogoutArgs {}

fn config_file() -> CliResult<PathBuf> {
    config_path().ok_or_else(|| {
        CliError::usage("cannot tell where the config directory is; set XDG_CONFIG_HOME")
    })
}

/// The config file as a TOML table (empty when there is none).
fn read_table(path: &Path) -> CliResult<toml::Table> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| {
            CliError::usage(format!(
                "the config file {} is not valid TOML, so login would lose what it holds: \
                 {e}; mend or remove it",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(toml::Table::new()),
        Err(e) => Err(CliError::usage(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Writes `table` to `path` with mode 0600, its directory 0700: to a new
/// file first, then renamed over the old one.
fn write_table(path: &Path, table: &toml::Table) -> CliResult<()> {
    let cannot = |e: &dyn std::fmt::Display| {
        CliError::usage(format!(
            "cannot write the config file {}: {e}",
            path.display()
        ))
    };
    let dir = path
        .parent()
        .ok_or_else(|| cannot(&"it has no directory"))?;
    std::fs::create_dir_all(dir).map_err(|e| cannot(&e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| cannot(&e))?;
    }
    let text = format!(
        "# safedesk settings; holds a token, so keep it mode 0600.\n{}",
        toml::to_string(table).map_err(|e| cannot(&e))?
    );
    let tmp = dir.join(format!(".config.toml.{}", std::process::id()));
    crate::server::write_private(&tmp, &text).map_err(|e| cannot(&e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        cannot(&e)
    })
}

/// Reads a token: the first line of standard input, or at a terminal a
/// prompt that does not echo.
fn read_token(api: &str) -> CliResult<String> {
    let stdin = std::io::stdin();
    let token = if stdin.is_terminal() {
        prompt_hidden(&format!("Token for {api}: "))?
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .take(4096)
            .read_to_string(&mut line)
            .map_err(|e| CliError::usage(format!("cannot read the token from stdin: {e}")))?;
        line.lines().next().unwrap_or("").to_string()
    };
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(CliError::usage(
            "no token given; pass it on standard input (`safedesk login --api URL < FILE`), \
             type it at the prompt, or use --token",
        ));
    }
    Ok(token)
}

/// Asks on stderr and reads a line from the terminal without echoing it.
fn prompt_hidden(prompt: &str) -> CliResult<String> {
    use ratatui::crossterm::terminal::{disable_raw_mode, enable_raw_mode};
    eprint!("{prompt}");
    enable_raw_mode().map_err(|e| CliError::usage(format!("cannot read the terminal: {e}")))?;
    let mut token = String::new();
    let mut byte = [0u8; 1];
    let mut stdin = std::io::stdin().lock();
    let outcome = loop {
        match stdin.read(&mut byte) {
            Ok(0) => break Ok(()),
            Ok(_) => match byte[0] {
                b'\r' | b'\n' => break Ok(()),
                3 | 4 => break Err(CliError::new(Exit::Usage, "cancelled; nothing saved")),
                8 | 127 => {
                    token.pop();
                }
                b if b.is_ascii_graphic() => token.push(b as char),
                _ => {}
            },
            Err(e) => break Err(CliError::usage(format!("cannot read the terminal: {e}"))),
        }
    };
    let _ = disable_raw_mode();
    eprintln!();
    outcome.map(|()| token)
}

/// `safedesk login`.
pub async fn login(_args: LoginArgs, global: &Global) -> CliResult {
    let path = config_file()?;
    let mut table = read_table(&path)?;
    let was_open = path.exists() && check_private(&path).is_err();
    let api = global
        .api
        .clone()
        .or_else(|| {
            table
                .get("api")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| DEFAULT_API.to_string());
    let token = match &global.token {
        Some(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => read_token(&api)?,
    };
    let pem = match &global.ca_cert {
        Some(p) => Some(std::fs::read(p).map_err(|e| {
            CliError::usage(format!(
                "cannot read the CA certificate {}: {e}",
                p.display()
            ))
        })?),
        None => None,
    };
    let client = Client::with_ca_cert(&api, Some(token.clone()), pem.as_deref())?;
    client.health().await?;
    client
        .elevators(&ElevatorQuery {
            limit: Some(1),
            ..Default::default()
        })
        .await?;

    table.insert("api".into(), toml::Value::String(client.base().to_string()));
    table.insert("token".into(), toml::Value::String(token));
    if let Some(p) = &global.ca_cert {
        let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        table.insert(
            "ca_cert".into(),
            toml::Value::String(p.display().to_string()),
        );
    }
    write_table(&path, &table)?;
    if !global.quiet {
        if was_open {
            eprintln!(
                "safedesk: {} could be read by other users; it is now private (mode 0600)",
                path.display()
            );
        }
        eprintln!(
            "safedesk: signed in to {}; the address and token are saved in {} (readable only \
             by you)",
            client.base(),
            path.display()
        );
    }
    Ok(())
}

/// `safedesk logout`.
pub fn logout(_args: LogoutArgs, global: &Global) -> CliResult {
    let path = config_file()?;
    let mut table = read_table(&path)?;
    if table.remove("token").is_none() {
        if !global.quiet {
            eprintln!("safedesk: no token is saved in {}", path.display());
        }
        return Ok(());
    }
    write_table(&path, &table)?;
    if !global.quiet {
        eprintln!(
            "safedesk: the token is removed from {}; it still works until an admin revokes \
             it (`safedesk token revoke`)",
            path.display()
        );
    }
    Ok(())
}
