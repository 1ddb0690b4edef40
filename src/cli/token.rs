//! `safedesk token …`: admins issue, list and revoke API tokens.

use super::exit::CliResult;
use super::output::Column;
use super::settings::Settings;
use crate::model::TokenRecord;
use crate::model::{Role, time};
use clap::{Args, Subcommand};

/// The token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Make a token; prints it, alone, on stdout (shown this once)
    Create(CreateArgs),
    /// List tokens (never their secrets)
    List,
    /// Revoke a token by id; it stops working at once
    Revoke {
        /// The token's id, from `token list`
        id: i64,
    },
}

/// Options of `token create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// admin, dispatcher, maritime, patrol, transport, gas or viewer
    #[arg(long)]
    pub role: Role,
    /// Who or what will hold it
    #[arg(long)]
    pub name: String,
    /// Days until it stops working [default: never]
    #[arg(long, value_name = "DAYS")]
    pub expires_in_days: Option<i64>,
}

fn columns() -> Vec<Column<TokenRecord>> {
    vec![
        Column::new("ID", |t| t.id.to_string()),
        Column::new("NAME", |t| t.name.clone()),
        Column::new("ROLE", |t| t.role.to_string()),
        Column::new("CREATED", |t| time::local_minute(t.created_at)),
        Column::new("EXPIRES", |t| {
            t.expires_at.map(time::local_minute).unwrap_or_default()
        }),
        Column::new("REVOKED", |t| {
            t.revoked_at.map(time::local_minute).unwrap_or_default()
        }),
    ]
}

/// Runs a token command.
pub async fn run(cmd: TokenCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    match cmd {
        TokenCmd::Create(a) => {
            let issued = client
                .create_token(&a.name, a.role, a.expires_in_days)
                .await?;
            p.note(&format!(
                "token {} for `{}` ({}) made; it is shown only now",
                issued.record.id, issued.record.name, issued.record.role
            ));
            p.line(&issued.token)
        }
        TokenCmd::List => p.list(&client.tokens().await?, &columns()),
        TokenCmd::Revoke { id } => {
            let t = client.revoke_token(id).await?;
            p.note(&format!("token {} (`{}`) revoked", t.id, t.name));
            Ok(())
        }
    }
}
