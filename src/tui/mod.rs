//! The live 96333 dispatch board. (Stand-in until the board lands: it
//! keeps the build whole while the board is written beside it.)

use crate::client::Client;

/// How the board is started.
#[derive(Debug, Clone, Default)]
pub struct BoardOptions {
    /// The API address shown in the header.
    pub api_label: String,
    /// Where the board logs; never the screen.
    pub log_file: Option<std::path::PathBuf>,
    /// Draw without colour (NO_COLOR).
    pub no_color: bool,
}

/// Runs the board until the operator quits.
pub async fn run(_client: Client, _opts: BoardOptions) -> anyhow::Result<()> {
    anyhow::bail!("the board is not built into this binary yet")
}
