//! The pages in `commands/` run as tests, so the documentation cannot rot.
//!
//! Each page gets a fresh server with the fixtures and the November 2026
//! history, and its ```console blocks run in order against it:
//!
//! - a line `$ safedesk …` is a command, run by `sh -c` (pipes allowed) with
//!   the binary first on `PATH`, `SAFEDESK_API` and an admin
//!   `SAFEDESK_TOKEN` set, `NO_COLOR=1`, and XDG directories and a working
//!   directory of the page's own; stdout and stderr are one stream, as
//!   `2>&1` would make them;
//! - the lines after it are what it must print; `[..]` matches any text
//!   within a line, and a line that is exactly `...` matches any number of
//!   lines; trailing whitespace is ignored;
//! - a last line `? N` is the exit code it must end with (0 when absent).
//!
//! Other fences (```text, ```sh) are prose and do not run. Every failing
//! command of a page is reported, with its line in the page and a diff.

mod common;

use common::TestServer;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every page in `commands/`; a page missing here fails
/// `every_page_has_a_test`.
const PAGES: &[&str] = &[
    "alerts",
    "audit",
    "base",
    "blacklist",
    "cylinder",
    "elevator",
    "import",
    "incident",
    "login",
    "notices",
    "passage",
    "plate",
    "screen",
    "serve",
    "stats",
    "team",
    "token",
    "vessel",
];

/// Pages whose server also holds the fixtures' four weeks of passages.
const WITH_PASSAGES: &[&str] = &["screen"];

/// How long one command may run before it counts as hung.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The line that matches any number of lines.
const ANY_LINES: &str = "...";

/// The marker that matches any text within a line.
const ANY_TEXT: &str = "[..]";

/// One command of a session and what it must print.
#[derive(Debug, PartialEq)]
struct Step {
    /// The 1-based line of the `$ ` line in the page.
    line: usize,
    /// The 1-based number of its console block in the page.
    block: usize,
    /// The shell command, without the `$ `.
    command: String,
    /// The expected lines of stdout and stderr together.
    expected: Vec<String>,
    /// The expected exit code.
    exit: i32,
}

/// What one command did.
struct Outcome {
    output: String,
    exit: Option<i32>,
    timed_out: bool,
}

/// The fence that opens or closes a block, if `line` is one.
fn fence(line: &str) -> Option<&str> {
    line.trim_end().strip_prefix("```")
}

/// `? N`, the exit-code line.
fn exit_line(line: &str) -> Option<i32> {
    line.strip_prefix("? ")?.trim().parse().ok()
}

/// Reads the sessions out of a page.
fn parse(page: &str) -> Result<Vec<Step>, String> {
    let mut steps: Vec<Step> = Vec::new();
    let mut block = 0;
    // Inside a fence: whether it is a console block, and the line it opened on.
    let mut inside: Option<(bool, usize)> = None;

    for (i, raw) in page.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end();
        match (inside, fence(line)) {
            (None, Some(info)) => {
                let console = info.trim() == "console";
                if console {
                    block += 1;
                }
                inside = Some((console, n));
            }
            (None, None) => {}
            (Some(_), Some("")) => inside = None,
            (Some((false, _)), _) => {}
            (Some((true, _)), _) => {
                if let Some(command) = line.strip_prefix("$ ") {
                    if !command.starts_with("safedesk ") && command != "safedesk" {
                        return Err(format!(
                            "line {n}: a command in a page runs `safedesk`, not `{command}`"
                        ));
                    }
                    steps.push(Step {
                        line: n,
                        block,
                        command: command.to_string(),
                        expected: Vec::new(),
                        exit: 0,
                    });
                } else {
                    match steps.last_mut().filter(|s| s.block == block) {
                        Some(step) => step.expected.push(line.to_string()),
                        None => {
                            return Err(format!(
                                "line {n}: output before any `$ ` command in block {block}"
                            ));
                        }
                    }
                }
            }
        }
    }
    if let Some((_, opened)) = inside {
        return Err(format!("line {opened}: this fence is never closed"));
    }
    if block == 0 {
        return Err("no ```console block: a page must show at least one session".into());
    }

    for step in &mut steps {
        while step.expected.last().is_some_and(|l| l.is_empty()) {
            step.expected.pop();
        }
        if let Some(code) = step.expected.last().and_then(|l| exit_line(l)) {
            step.exit = code;
            step.expected.pop();
        }
    }
    Ok(steps)
}

/// Whether one actual line matches one expected line, `[..]` matching any
/// text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split(ANY_TEXT).collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return expected == actual;
    };
    let Some(mut rest) = actual.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// Whether the actual lines match the expected ones, `...` matching any
/// number of lines.
fn lines_match(expected: &[String], actual: &[String]) -> bool {
    // fits[i][j]: expected[i..] matches actual[j..].
    let (e, a) = (expected.len(), actual.len());
    let mut fits = vec![vec![false; a + 1]; e + 1];
    fits[e][a] = true;
    for i in (0..e).rev() {
        for j in (0..=a).rev() {
            fits[i][j] = if expected[i] == ANY_LINES {
                fits[i + 1][j] || (j < a && fits[i][j + 1])
            } else {
                j < a && line_matches(&expected[i], &actual[j]) && fits[i + 1][j + 1]
            };
        }
    }
    fits[0][0]
}

/// The output as lines, trailing whitespace and trailing blank lines gone.
fn output_lines(output: &str) -> Vec<String> {
    let mut lines: Vec<String> = output.lines().map(|l| l.trim_end().to_string()).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// A line diff of expected against actual: `  ` lines that match, `- `
/// lines expected but missing, `+ ` lines printed but not expected. A gap
/// that only a `...` stands for is shown as `...`.
fn diff(expected: &[String], actual: &[String]) -> String {
    // Longest common subsequence, equality being `line_matches`.
    let (e, a) = (expected.len(), actual.len());
    let same =
        |i: usize, j: usize| expected[i] != ANY_LINES && line_matches(&expected[i], &actual[j]);
    let mut lcs = vec![vec![0usize; a + 1]; e + 1];
    for i in (0..e).rev() {
        for j in (0..a).rev() {
            lcs[i][j] = if same(i, j) {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }

    let mut shown: Vec<(char, &str)> = Vec::new();
    let mut gap = Gap::default();
    let (mut i, mut j) = (0, 0);
    while i < e || j < a {
        if i < e && j < a && same(i, j) {
            gap.close(&mut shown);
            shown.push((' ', &actual[j]));
            (i, j) = (i + 1, j + 1);
        } else if i < e && (j == a || lcs[i + 1][j] >= lcs[i][j + 1]) {
            gap.gone.push(&expected[i]);
            i += 1;
        } else {
            gap.added.push(&actual[j]);
            j += 1;
        }
    }
    gap.close(&mut shown);

    shown
        .iter()
        .map(|(mark, text)| format!("{}\n", format!("{mark} {text}").trim_end()))
        .collect()
}

/// The lines between two matching ones.
#[derive(Default)]
struct Gap<'a> {
    gone: Vec<&'a str>,
    added: Vec<&'a str>,
}

impl<'a> Gap<'a> {
    /// Shows the gap and empties it: a gap that only a `...` stands for as
    /// `...`, any other as the expected lines, then the actual ones.
    fn close(&mut self, shown: &mut Vec<(char, &'a str)>) {
        let dots = self.gone.contains(&ANY_LINES);
        let missing: Vec<&str> = self.gone.drain(..).filter(|l| *l != ANY_LINES).collect();
        if dots && missing.is_empty() {
            shown.push((' ', ANY_LINES));
            self.added.clear();
            return;
        }
        shown.extend(missing.into_iter().map(|l| ('-', l)));
        shown.extend(self.added.drain(..).map(|l| ('+', l)));
    }
}

/// Checks one command's outcome against its step; the complaint if it
/// does not match.
fn check(step: &Step, outcome: &Outcome) -> Result<(), String> {
    let actual = output_lines(&outcome.output);
    let mut problems = Vec::new();
    if outcome.timed_out {
        problems.push(format!("did not end within {} s", TIMEOUT.as_secs()));
    } else if outcome.exit != Some(step.exit) {
        let got = outcome
            .exit
            .map_or("a signal".to_string(), |c| format!("exit {c}"));
        problems.push(format!("expected exit {}, got {got}", step.exit));
    }
    if !lines_match(&step.expected, &actual) {
        problems.push(format!(
            "output differs (- expected, + actual):\n{}",
            diff(&step.expected, &actual)
        ));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(problems.join("\n"))
}

/// Everything a page's commands run with.
#[derive(Clone)]
struct Session {
    api: String,
    token: String,
    home: PathBuf,
    path: String,
}

impl Session {
    fn new(server: &TestServer, home: &Path) -> Session {
        let bin_dir = Path::new(env!("CARGO_BIN_EXE_safedesk"))
            .parent()
            .expect("the binary is in a directory");
        let path = match std::env::var_os("PATH") {
            Some(p) => format!("{}:{}", bin_dir.display(), p.to_string_lossy()),
            None => bin_dir.display().to_string(),
        };
        let work = home.join("work");
        std::fs::create_dir_all(&work).expect("make the working directory");
        // The sample register files, for the import page to read.
        for dir in ["fixtures/import", "fixtures/import/cases"] {
            for entry in std::fs::read_dir(common::repo(dir)).expect("the sample files") {
                let path = entry.expect("a sample file").path();
                if path.is_file() {
                    let to = work.join(path.file_name().expect("a file name"));
                    std::fs::copy(&path, to).expect("copy a sample file");
                }
            }
        }
        Session {
            api: server.api.clone(),
            token: server.admin.clone(),
            home: home.to_path_buf(),
            path,
        }
    }

    /// `sh -c COMMAND` with the page's environment, stdout and stderr in one
    /// pipe.
    fn command(&self, command: &str) -> Command {
        let mut sh = Command::new("sh");
        // The same clean environment as every other test of the binary…
        for (key, value) in common::bin().get_envs() {
            match value {
                Some(v) => sh.env(key, v),
                None => sh.env_remove(key),
            };
        }
        // …and none of the server's settings, nor a log filter that would
        // add lines to the output…
        for var in ["SAFEDESK_LISTEN", "SAFEDESK_DATA_DIR", "SAFEDESK_LOG"] {
            sh.env_remove(var);
        }
        // …with XDG directories of the page's own, so nothing leaks in.
        sh.env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("XDG_DATA_HOME", self.home.join("data"))
            .env("XDG_STATE_HOME", self.home.join("state"))
            .env("PATH", &self.path)
            .env("SAFEDESK_API", &self.api)
            .env("SAFEDESK_TOKEN", &self.token)
            .env("NO_COLOR", "1")
            .current_dir(self.home.join("work"))
            .arg("-c")
            .arg(command)
            .stdin(Stdio::null())
            // Its own process group, so a hung pipeline can be ended whole.
            .process_group(0);
        sh
    }

    /// Runs one command to its end, or until `TIMEOUT`.
    fn run(&self, command: &str) -> Outcome {
        let (mut reader, writer) = std::io::pipe().expect("make a pipe");
        let mut sh = self.command(command);
        sh.stdout(writer.try_clone().expect("clone the pipe"))
            .stderr(writer);
        let mut child = sh.spawn().expect("run sh");
        // The command holds our copies of the pipe's writing end.
        drop(sh);

        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = reader.read_to_end(&mut bytes);
            let _ = tx.send(bytes);
        });

        let started = Instant::now();
        let (exit, timed_out) = loop {
            match child.try_wait().expect("wait for sh") {
                Some(status) => break (status.code(), false),
                None if started.elapsed() > TIMEOUT => {
                    kill_group(child.id());
                    let _ = child.wait();
                    break (None, true);
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        // Anything the command left running in the background still holds
        // the pipe; end it rather than wait for it.
        let bytes = rx.recv_timeout(Duration::from_secs(5)).unwrap_or_else(|_| {
            kill_group(child.id());
            rx.recv().unwrap_or_default()
        });
        Outcome {
            output: String::from_utf8_lossy(&bytes).into_owned(),
            exit,
            timed_out,
        }
    }
}

/// Ends the process group this runner started for one command.
fn kill_group(pgid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status();
}

/// Runs every session of `commands/NAME.md` against a fresh server and
/// fails with every command that did not print what the page says.
async fn run_page(name: &str) {
    let page = format!("commands/{name}.md");
    let text = std::fs::read_to_string(common::repo(&page))
        .unwrap_or_else(|e| panic!("cannot read {page}: {e}"));
    let steps = parse(&text).unwrap_or_else(|e| panic!("{page}: {e}"));

    let server = TestServer::start_with_history().await;
    if WITH_PASSAGES.contains(&name) {
        safedesk::fixtures::seed_passages(&server.store)
            .await
            .expect("load the fixtures' passages");
    }
    let home = tempfile::tempdir().expect("temp dir");
    let session = Session::new(&server, home.path());
    let mut failures = Vec::new();
    for step in &steps {
        let command = step.command.clone();
        let outcome = {
            let session = session.clone();
            tokio::task::spawn_blocking(move || session.run(&command))
                .await
                .expect("the command's thread")
        };
        if let Err(complaint) = check(step, &outcome) {
            failures.push(format!(
                "{page}:{} (block {}): $ {}\n{complaint}",
                step.line, step.block, step.command
            ));
        }
        // Personal data stays masked unless the command asks for it.
        if !step.command.contains("--reveal") {
            for (line, found) in unmasked_lines(&outcome.output) {
                failures.push(format!(
                    "{page}:{} (block {}): $ {}\nprints `{found}` unmasked, without --reveal:\n  {line}",
                    step.line, step.block, step.command
                ));
            }
        }
    }
    server.finish().await;

    assert!(
        failures.is_empty(),
        "{} of {} commands in {page} did not do what the page says:\n\n{}",
        failures.len(),
        steps.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_import_page_is_true() {
    run_page("import").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cylinder_page_is_true() {
    run_page("cylinder").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_page_is_true() {
    run_page("audit").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_incident_page_is_true() {
    run_page("incident").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_team_page_is_true() {
    run_page("team").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_elevator_page_is_true() {
    run_page("elevator").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stats_page_is_true() {
    run_page("stats").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_page_is_true() {
    run_page("token").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_serve_page_is_true() {
    run_page("serve").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_plate_page_is_true() {
    run_page("plate").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_base_page_is_true() {
    run_page("base").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_vessel_page_is_true() {
    run_page("vessel").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_blacklist_page_is_true() {
    run_page("blacklist").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_passage_page_is_true() {
    run_page("passage").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_alerts_page_is_true() {
    run_page("alerts").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_screen_page_is_true() {
    run_page("screen").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_notices_page_is_true() {
    run_page("notices").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_login_page_is_true() {
    run_page("login").await;
}

#[test]
fn every_page_has_a_test() {
    let mut found: Vec<String> = std::fs::read_dir(common::repo("commands"))
        .expect("read commands/")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".md").map(str::to_string)
        })
        .collect();
    found.sort();
    assert_eq!(
        found, PAGES,
        "commands/ and PAGES in tests/commands.rs disagree; give a new page its test"
    );
}

/// Every full mobile number (`1[3-9]` and 9 more digits) and every valid
/// 18-character resident ID in `text`, each with its line; a run of digits
/// longer than either (a registration code, a time in ms) is neither.
fn unmasked_lines(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for line in text.lines() {
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_digit() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            // An ID may end in X.
            let end_x = i < bytes.len()
                && matches!(bytes[i], b'X' | b'x')
                && !bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphanumeric());
            let run = &line[start..i];
            if run.len() == 11 && run.starts_with('1') && (b'3'..=b'9').contains(&run.as_bytes()[1])
            {
                found.push((line.to_string(), run.to_string()));
            } else if run.len() == 18 || (run.len() == 17 && end_x) {
                let id = if run.len() == 17 {
                    &line[start..=i]
                } else {
                    run
                };
                if safedesk::model::idcard::validate(id).is_ok() {
                    found.push((line.to_string(), id.to_string()));
                }
            }
        }
    }
    found
}

#[test]
fn unmasked_phones_and_ids_are_found() {
    let hits = |t: &str| -> Vec<String> { unmasked_lines(t).into_iter().map(|(_, f)| f).collect() };
    assert_eq!(hits("caller 13912345678"), ["13912345678"]);
    assert_eq!(hits("\"phone\": \"15859846246\","), ["15859846246"]);
    assert_eq!(hits("T0001,x,18021549195,y"), ["18021549195"]);
    assert_eq!(hits("owner 320102199001010010 王"), ["320102199001010010"]);
    assert_eq!(hits("id 11010519491231002X."), ["11010519491231002X"]);
    assert!(hits("139****5678 320102**********10").is_empty());
    assert!(hits("12345678901 reg 31103206852013866720 at 1764547200000").is_empty());
    assert!(hits("320102199001010011 (a wrong check digit)").is_empty());
    assert!(hits("025-84561234").is_empty());
}

// The runner's own rules.

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn outcome(output: &str, exit: i32) -> Outcome {
    Outcome {
        output: output.to_string(),
        exit: Some(exit),
        timed_out: false,
    }
}

#[test]
fn any_text_matches_within_one_line_only() {
    assert!(line_matches("token [..] made", "token 3 for `wall` made"));
    assert!(line_matches("[..]", ""));
    assert!(line_matches("a[..]", "a"));
    assert!(line_matches("a[..]b[..]c", "aXbYc"));
    assert!(line_matches("a[..]b[..]c", "abc"));
    assert!(line_matches("[..]ab", "abab"));
    assert!(!line_matches("a[..]b[..]c", "acb"));
    assert!(
        !line_matches("ab[..]ba", "aba"),
        "prefix and suffix may not overlap"
    );
    assert!(!line_matches("status closed", "status closed!"));
    assert!(!lines_match(&lines("a [..] b"), &lines("a 1\n2 b")));
}

#[test]
fn three_dots_match_any_number_of_lines() {
    let expected = lines("first\n...\nlast");
    assert!(lines_match(&expected, &lines("first\nlast")));
    assert!(lines_match(&expected, &lines("first\n1\n2\n3\nlast")));
    assert!(!lines_match(&expected, &lines("first\n1\nnot last")));
    assert!(lines_match(&lines("...\nlast"), &lines("x\nlast")));
    assert!(lines_match(&lines("..."), &[]));
    assert!(lines_match(
        &lines("a\n...\nb\n...\nb"),
        &lines("a\nb\nb\nb")
    ));
    assert!(!lines_match(&lines("a\n...\nb\nc"), &lines("a\nb\nx\nc")));
}

#[test]
fn a_mismatch_is_reported_with_a_diff() {
    let step = Step {
        line: 10,
        block: 1,
        command: "safedesk incident show 1".into(),
        expected: lines("id      1\nstatus  closed\n...\nend"),
        exit: 0,
    };
    let got = check(
        &step,
        &outcome("id      1\nstatus  released\nx\ny\nend\n", 0),
    );
    let complaint = got.expect_err("released is not closed");
    assert!(complaint.contains("  id      1\n"), "{complaint}");
    assert!(complaint.contains("- status  closed\n"), "{complaint}");
    assert!(complaint.contains("+ status  released\n"), "{complaint}");
    assert!(complaint.contains("  end\n"), "{complaint}");

    let got = check(&step, &outcome("id      1\nstatus  closed\nend\n", 7));
    assert_eq!(got, Err("expected exit 0, got exit 7".to_string()));

    assert!(
        check(
            &step,
            &outcome("id      1   \nstatus  closed\nx\nend\n\n", 0)
        )
        .is_ok()
    );
}

#[test]
fn a_page_parses_into_steps_with_exit_codes() {
    let page = "\
# incident

```console
$ safedesk incident close 1
error: [..]
? 7

$ safedesk team list | head -1
CODE  NAME
```

```text
$ safedesk serve
not run
```

```console
$ safedesk stats incidents
```
";
    let steps = parse(page).expect("a good page");
    assert_eq!(steps.len(), 3);
    assert_eq!(
        steps[0],
        Step {
            line: 4,
            block: 1,
            command: "safedesk incident close 1".into(),
            expected: lines("error: [..]"),
            exit: 7,
        }
    );
    assert_eq!(steps[1].expected, lines("CODE  NAME"));
    assert_eq!(steps[1].exit, 0);
    assert_eq!((steps[2].block, steps[2].expected.len()), (2, 0));
}

#[test]
fn a_page_without_a_session_or_with_a_broken_one_is_refused() {
    let no_session = "# serve\n\n```text\n$ safedesk serve\n```\n";
    assert!(
        parse(no_session)
            .unwrap_err()
            .contains("no ```console block")
    );

    let unclosed = "```console\n$ safedesk team list\n";
    assert!(parse(unclosed).unwrap_err().contains("line 1"));

    let orphan = "```console\nCODE  NAME\n```\n";
    assert!(parse(orphan).unwrap_err().contains("output before"));

    let other = "```console\n$ rm -rf /\n```\n";
    assert!(parse(other).unwrap_err().contains("runs `safedesk`"));
}
