//! The live dispatch board of 96333 dispatchers: `safedesk board`.
//!
//! - [`state`]: everything the board knows, in one struct;
//! - [`keys`]: which named [`action::Action`] a key means;
//! - [`action`]: the one function that applies an action to the state;
//! - [`ui`]: the panes, drawn from the state only;
//! - [`net`]: network work in tokio tasks, reporting back through a channel;
//! - [`terminal`]: the guard and panic hook that give the terminal back;
//! - [`wrap`] and [`theme`]: text in display cells, and colour decided once.
//!
//! The main loop waits on three things at once: terminal input, a
//! one-second tick and the network channel. It applies what comes, starts
//! the network work that asks for, and draws a frame.

pub mod action;
pub mod keys;
pub mod net;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod ui;
pub mod wrap;

use crate::client::Client;
use action::{Action, apply};
use anyhow::Context;
use chrono::Utc;
use net::NetMsg;
use ratatui::crossterm::event::Event;
use state::Board;
use std::path::{Path, PathBuf};
use std::time::Duration;
use terminal::{Input, TerminalGuard};
use theme::Theme;
use tokio::sync::mpsc;

/// How the board is run.
#[derive(Debug, Clone, Default)]
pub struct BoardOptions {
    /// The API address shown in the header, e.g. `127.0.0.1:9633`.
    pub api_label: String,
    /// Where to log; without it the board logs nothing. Never the screen.
    pub log_file: Option<PathBuf>,
    /// No colours: overdue rows in reverse video instead of red.
    pub no_color: bool,
}

/// Runs the board until the dispatcher quits.
///
/// The terminal is given back before this returns, whether it ends well,
/// with an error or by a panic, so the caller may print the error.
pub async fn run(client: Client, opts: BoardOptions) -> anyhow::Result<()> {
    let _log = start_log(opts.log_file.as_deref())?;
    tracing::info!(api = %opts.api_label, "board starting");

    let theme = Theme::new(!opts.no_color);
    let mut board = Board::new(opts.api_label.clone(), Utc::now());
    let mut guard = TerminalGuard::enter()
        .context("cannot take over the terminal; the board needs an interactive one")?;
    let (tx, rx) = mpsc::channel(1024);
    let _stream = Aborting(net::follow(&client, tx.clone()));
    let (input, keys) = Input::start();

    let result = event_loop(&mut guard, &mut board, &theme, &client, &tx, rx, keys).await;
    // The key reader stops before the terminal is given back, so it cannot
    // swallow a key typed to the shell; the terminal is given back before
    // the caller prints any error.
    drop(input);
    drop(guard);
    match &result {
        Ok(()) => tracing::info!("board closed"),
        Err(e) => tracing::error!(error = %format!("{e:#}"), "board stopped"),
    }
    result
}

/// Stops a task when dropped, also when the board's future is dropped
/// unfinished (the demo ends the board that way when its time is up).
struct Aborting(tokio::task::JoinHandle<()>);

impl Drop for Aborting {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn event_loop(
    guard: &mut TerminalGuard,
    board: &mut Board,
    theme: &Theme,
    client: &Client,
    tx: &mpsc::Sender<NetMsg>,
    mut net_rx: mpsc::Receiver<NetMsg>,
    mut keys: mpsc::UnboundedReceiver<std::io::Result<Event>>,
) -> anyhow::Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        if terminal::panicked() {
            anyhow::bail!("the board stopped after an internal error (the message is above)");
        }
        guard
            .terminal
            .draw(|frame| ui::draw(frame, board, theme))
            .context("cannot draw the board")?;

        let mut actions = Vec::new();
        tokio::select! {
            key = keys.recv() => match key {
                Some(Ok(event)) => actions.extend(terminal_action(event, board)),
                Some(Err(e)) => return Err(e).context("cannot read the keyboard"),
                None => anyhow::bail!("the keyboard reader stopped"),
            },
            _ = tick.tick() => actions.push(Action::Tick(Utc::now())),
            Some(msg) = net_rx.recv() => {
                actions.push(Action::Net(msg));
                // A burst (a snapshot, a replay) is applied before one redraw.
                while let Ok(more) = net_rx.try_recv() {
                    actions.push(Action::Net(more));
                }
            }
        }
        for action in actions {
            for command in apply(board, action) {
                net::spawn(client, command, tx.clone());
            }
        }
        if board.quit {
            return Ok(());
        }
    }
}

fn terminal_action(event: Event, board: &Board) -> Option<Action> {
    match event {
        Event::Key(key) => keys::action_for(key, &board.mode),
        Event::Resize(..) => Some(Action::Resize),
        _ => None,
    }
}

/// Sends this thread's and the board's tasks' logs to `path`.
///
/// Installed as the process's subscriber when none is; if the program
/// already installed one, only the board's own code logs to the file.
fn start_log(path: Option<&Path>) -> anyhow::Result<Option<tracing::dispatcher::DefaultGuard>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the log file {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("SAFEDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    if tracing::dispatcher::set_global_default(dispatch.clone()).is_ok() {
        return Ok(None);
    }
    Ok(Some(tracing::dispatcher::set_default(&dispatch)))
}
