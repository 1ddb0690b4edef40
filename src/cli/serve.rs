//! `safedesk serve`: the REST server.

use super::exit::CliResult;
use crate::server::{self, ServeOptions};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Options of `safedesk serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on
    #[arg(long, default_value = "127.0.0.1:9633", env = "SAFEDESK_LISTEN")]
    pub listen: SocketAddr,
    /// Where the SQLite database and the admin token live [default: $XDG_DATA_HOME/safedesk]
    #[arg(long, env = "SAFEDESK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// A database URL (postgres://USER@HOST/DB) instead of SQLite in the data directory
    #[arg(long, env = "SAFEDESK_DB", value_name = "URL", hide_env_values = true)]
    pub db: Option<String>,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Requests a second each token may make (N/s or N/min, or off); a
    /// burst of twice that is allowed. Over it, the server answers 429 with
    /// Retry-After. Health and the event stream are not counted
    #[arg(
        long,
        env = "SAFEDESK_RATE_LIMIT",
        value_name = "RATE",
        default_value = "2000/s"
    )]
    pub rate_limit: server::limits::RateSetting,
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs) -> CliResult {
    server::run(ServeOptions {
        listen: args.listen,
        data_dir: args.data_dir.unwrap_or_else(server::default_data_dir),
        db: args.db,
        tls: args.tls_cert.zip(args.tls_key),
        rate_limit: args.rate_limit.0,
    })
    .await?;
    Ok(())
}
