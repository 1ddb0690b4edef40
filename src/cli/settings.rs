//! Raw flags become one resolved [`Settings`] before any command runs:
//! flags over environment over the config file over defaults.

use super::exit::{CliError, CliResult};
use super::output::{Format, Printer};
use crate::client::{Client, DEFAULT_API};
use serde::Deserialize;
use std::io::IsTerminal;
use std::path::PathBuf;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The config file, `$XDG_CONFIG_HOME/safedesk/config.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The API address.
    pub api: Option<String>,
    /// The token.
    pub token: Option<String>,
    /// The default output format: table, json or csv.
    pub format: Option<String>,
    /// A CA certificate to trust besides the system's.
    pub ca_cert: Option<PathBuf>,
}

/// Everything a command needs to know about how it was asked to run.
#[derive(Clone)]
pub struct Settings {
    /// The API address.
    pub api: String,
    /// The token, if one was found.
    pub token: Option<String>,
    /// A CA certificate to trust besides the system's.
    pub ca_cert: Option<PathBuf>,
    /// The printer; it also says whether colour is on.
    pub printer: Printer,
}

impl Settings {
    /// A client for the resolved API and token.
    pub fn client(&self) -> CliResult<Client> {
        let pem = match &self.ca_cert {
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                CliError::usage(format!(
                    "cannot read the CA certificate {}: {e}",
                    path.display()
                ))
            })?),
            None => None,
        };
        Ok(
            Client::with_ca_cert(&self.api, self.token.clone(), pem.as_deref())?
                .say_waits(!self.printer.quiet),
        )
    }
}

/// Where the config file is.
pub fn config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "safedesk").map(|d| d.config_dir().join("config.toml"))
}

/// Refuses a config file that its group or others may read or write: it
/// holds a token. Exit 2, with the command that fixes it.
pub fn check_private(path: &std::path::Path) -> CliResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = match std::fs::metadata(path) {
            Ok(m) => m.permissions().mode(),
            Err(_) => return Ok(()),
        };
        if mode & 0o077 != 0 {
            return Err(CliError::usage(format!(
                "the config file {p} can be read or changed by other users (mode {:03o}), and \
                 it may hold your token; make it private with `chmod 600 {p}` (and check \
                 nobody has used the token: an admin can revoke it with `safedesk token \
                 revoke`)",
                mode & 0o777,
                p = path.display()
            )));
        }
    }
    Ok(())
}

/// Reads the config file, refusing one that others can read.
pub fn read_config() -> CliResult<ConfigFile> {
    let Some(path) = config_path() else {
        return Ok(ConfigFile::default());
    };
    if path.exists() {
        check_private(&path)?;
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(e) => {
            return Err(CliError::usage(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    toml::from_str(&text).map_err(|e| {
        CliError::usage(format!(
            "the config file {} is not valid: {e}",
            path.display()
        ))
    })
}

/// Decides colour once: the flag, then NO_COLOR, then whether stdout is a terminal.
pub fn resolve_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// Whether the API address points at this machine.
fn is_loopback(api: &str) -> bool {
    let rest = api.split("://").nth(1).unwrap_or(api);
    rest.starts_with("127.") || rest.starts_with("localhost") || rest.starts_with("[::1]")
}

/// A token left by a local `safedesk serve` or `safedesk demo` in the
/// default data directory; used only for an API on this machine.
fn local_token() -> Option<String> {
    let data = crate::server::default_data_dir();
    [
        data.join("admin.token"),
        data.join("demo").join("admin.token"),
    ]
    .into_iter()
    .find_map(|p| {
        let t = std::fs::read_to_string(&p).ok()?.trim().to_string();
        (!t.is_empty()).then_some(t)
    })
}

/// Resolves the settings from the global flags (which clap has already
/// filled from the environment), the config file and the defaults.
pub fn resolve(
    api: Option<String>,
    token: Option<String>,
    ca_cert: Option<PathBuf>,
    format: Option<Format>,
    color: ColorChoice,
    quiet: bool,
) -> CliResult<Settings> {
    let config = read_config()?;
    let api = api
        .or(config.api)
        .unwrap_or_else(|| DEFAULT_API.to_string());
    let format = match (format, config.format.as_deref()) {
        (Some(f), _) => f,
        (None, Some("json")) => Format::Json,
        (None, Some("csv")) => Format::Csv,
        (None, Some("table") | None) => Format::Table,
        (None, Some(other)) => {
            return Err(CliError::usage(format!(
                "the config file says `format = \"{other}\"`; use table, json or csv"
            )));
        }
    };
    let token = token
        .or(config.token)
        .or_else(|| local_token().filter(|_| is_loopback(&api)));
    let color = resolve_color(color);
    Ok(Settings {
        api,
        token,
        ca_cert: ca_cert.or(config.ca_cert),
        printer: Printer {
            format,
            color,
            quiet,
        },
    })
}
