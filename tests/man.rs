//! The man pages in `man/` are what the binary generates, completions print
//! a script for every shell, and the exit codes are documented where a user
//! looks for them.

mod common;

use common::{bin, code, repo, stderr, stdout};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;

/// The exit-code lines, as `--help` and the man page print them.
const EXIT_CODES: [&str; 8] = [
    "  0  success",
    "  1  a check found something listed",
    "  2  usage error",
    "  3  the server could not be reached",
    "  4  not authorised",
    "  5  not found",
    "  6  conflict",
    "  7  invalid input data",
];

/// Every file in a directory, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| {
            let entry = entry.expect("a directory entry");
            let bytes = std::fs::read(entry.path()).expect("read a man page");
            (entry.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect()
}

#[test]
fn the_checked_in_man_pages_are_the_generated_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = bin()
        .arg("man")
        .arg(dir.path())
        .output()
        .expect("run safedesk");
    assert_eq!(code(&o), 0, "safedesk man failed: {}", stderr(&o));

    let generated = files(dir.path());
    let checked_in = files(&repo("man"));
    assert!(generated.contains_key("safedesk.1"), "{generated:?}");

    let mut problems = Vec::new();
    for (name, text) in &generated {
        match checked_in.get(name) {
            None => problems.push(format!("man/{name} is missing")),
            Some(old) if old != text => problems.push(format!("man/{name} differs")),
            Some(_) => {}
        }
    }
    for name in checked_in.keys().filter(|n| !generated.contains_key(*n)) {
        problems.push(format!("man/{name} is no longer generated"));
    }
    assert!(
        problems.is_empty(),
        "the man pages are out of date with the command line:\n  {}\n\
         run `cargo run -- man man/` (after `rm man/*.1` if a page went away) and check them in",
        problems.join("\n  ")
    );
}

#[test]
fn completions_are_printed_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let o = bin()
            .args(["completions", shell])
            .output()
            .expect("run safedesk");
        assert_eq!(code(&o), 0, "{shell}: {}", stderr(&o));
        assert!(stdout(&o).contains("safedesk"), "{shell}: {}", stdout(&o));
        assert!(
            stdout(&o).contains("incident"),
            "{shell}: the script knows no commands"
        );
        assert_eq!(stderr(&o), "", "{shell}");
    }
}

#[test]
fn completions_into_a_closed_pipe_end_quietly() {
    // The reader is gone before the first byte: the write fails with a
    // broken pipe, which is a normal end.
    let mut child = bin()
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run safedesk");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait for safedesk");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stderr(&o), "", "nothing on stderr, least of all a panic");

    // The same through a shell, as a user types it.
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_safedesk")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = std::process::Command::new("sh")
        .args(["-c", "safedesk completions bash | head -1"])
        .env("PATH", path)
        .output()
        .expect("run sh");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "_safedesk() {\n");
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn the_exit_codes_are_in_help_and_in_the_man_page() {
    let o = bin().arg("--help").output().expect("run safedesk");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let help = stdout(&o);

    let page = std::fs::read_to_string(repo("man/safedesk.1")).expect("read man/safedesk.1");
    for (name, text) in [("safedesk --help", &help), ("man/safedesk.1", &page)] {
        assert!(text.contains("Exit codes:"), "{name} has no exit codes");
        for line in EXIT_CODES {
            assert!(
                text.lines().any(|l| l.starts_with(line)),
                "{name} lacks `{}`:\n{text}",
                line.trim()
            );
        }
    }
}
