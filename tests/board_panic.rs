//! Case 9: a panic while the board holds the terminal gives the terminal
//! back (raw mode off, main screen, cursor shown) before the message prints.
//!
//! The board needs a real terminal, so the test runs its own binary again,
//! as `panic_child`, inside a pseudo-terminal made by `script(1)`, and reads
//! what was written to that terminal in order.

use std::process::Command;

const CHILD: &str = "SAFEDESK_BOARD_PANIC_CHILD";
const ENTER_ALT: &str = "\x1b[?1049h";
const LEAVE_ALT: &str = "\x1b[?1049l";
const SHOW_CURSOR: &str = "\x1b[?25h";

/// Whether the terminal on stdin is in canonical (cooked) mode, by `stty`.
fn cooked() -> String {
    let out = Command::new("stty")
        .arg("-a")
        .stdin(std::process::Stdio::inherit())
        .output();
    match out {
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            let cooked = text.split_whitespace().any(|t| t == "icanon");
            format!("cooked={cooked}")
        }
        Err(e) => format!("stty failed: {e}"),
    }
}

#[test]
#[ignore = "run by a_panic_restores_the_terminal_before_its_message, in a pty"]
fn panic_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // Stands for the hook that prints the message (Rust's default one):
    // it records the terminal's state at the moment the message prints.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("\nMESSAGE {} {info}", cooked());
    }));
    let _guard = safedesk::tui::terminal::TerminalGuard::enter().expect("a terminal");
    assert!(
        !cooked().ends_with("true"),
        "raw mode is on while the board runs"
    );
    panic!("boom while drawing");
}

#[test]
fn a_panic_restores_the_terminal_before_its_message() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: script(1) is not installed, so there is no pty to test in");
        return;
    }
    let me = std::env::current_exe().expect("the test binary");
    let child = format!(
        "{} panic_child --exact --ignored --nocapture --test-threads=1",
        me.display()
    );
    let out = Command::new("script")
        .args(["-qec", &child, "/dev/null"])
        .env(CHILD, "1")
        .output()
        .expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);

    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not written; the terminal saw:\n{text:?}"))
    };
    let message = at("MESSAGE");
    assert!(at(ENTER_ALT) < at(LEAVE_ALT), "{text:?}");
    assert!(
        at(LEAVE_ALT) < message,
        "main screen after the message: {text:?}"
    );
    assert!(
        text[..message].contains(SHOW_CURSOR),
        "cursor hidden at the message: {text:?}"
    );
    let line = &text[message..];
    assert!(line.contains("boom while drawing"), "{line:?}");
    assert!(
        line.starts_with("MESSAGE cooked=true"),
        "raw mode at the message: {line:?}"
    );
}
