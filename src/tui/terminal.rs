//! The terminal: set up by a guard, given back by its `Drop`, and given back
//! by the panic hook before the panic message prints (case 9).
//!
//! Key presses are read on a plain thread (crossterm's async event stream
//! needs a feature this build does not turn on) and sent to the main loop
//! through a channel.

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};
use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::mpsc;

/// Whether the board holds the terminal (raw mode, alternate screen), so
/// the panic hook knows whether there is anything to give back.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Set by the panic hook: a task of the board panicked and the terminal
/// was given back, so the main loop must stop drawing.
static PANICKED: AtomicBool = AtomicBool::new(false);

/// Gives the terminal back: raw mode off, main screen, cursor shown.
/// Does nothing when the board does not hold it, so it is safe to call
/// twice (from the hook, then from the guard).
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let raw = disable_raw_mode();
    let mut out = io::stdout();
    let screen = execute!(out, LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
    raw.and(screen)
}

/// Whether a panic hit while the board held the terminal.
pub fn panicked() -> bool {
    PANICKED.load(Ordering::SeqCst)
}

/// Installs, once per process, a panic hook that gives the terminal back
/// and then runs the hook that was there before (which prints the message).
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ACTIVE.load(Ordering::SeqCst) {
                PANICKED.store(true, Ordering::SeqCst);
                let _ = restore();
            }
            previous(info);
        }));
    });
}

/// Holds the terminal in raw mode on the alternate screen; gives it back
/// when dropped, however the board ends.
pub struct TerminalGuard {
    /// The ratatui terminal drawing to stdout.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    /// Takes the terminal: panic hook first, then raw mode, the alternate
    /// screen and a hidden cursor. On failure, whatever was set is undone.
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        PANICKED.store(false, Ordering::SeqCst);
        // Nothing to give back if raw mode cannot even be set (no terminal):
        // then nothing is written to stdout either.
        enable_raw_mode()?;
        ACTIVE.store(true, Ordering::SeqCst);
        let taken = execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)
            .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match taken {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                let _ = restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// The thread that reads the keyboard and terminal resizes.
pub struct Input {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Input {
    /// Starts reading; events arrive on the returned channel. The channel
    /// closes if reading fails.
    pub fn start() -> (Input, mpsc::UnboundedReceiver<io::Result<Event>>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            // Polls with a short timeout so that `stop` is seen promptly and
            // no key meant for the shell is swallowed after the board ends.
            while !flag.load(Ordering::SeqCst) {
                let got = match event::poll(Duration::from_millis(50)) {
                    Ok(false) => continue,
                    Ok(true) => event::read(),
                    Err(e) => Err(e),
                };
                let failed = got.is_err();
                if tx.send(got).is_err() || failed {
                    return;
                }
            }
        });
        let input = Input {
            stop,
            thread: Some(thread),
        };
        (input, rx)
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
