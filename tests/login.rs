//! `safedesk login` / `logout` and the config file's mode; tokens never in
//! the server's log. On SQLite, and on PostgreSQL with `SAFEDESK_TEST_PG`.

mod common;

use common::{TestServer, bin, code, stderr, stdout};
use safedesk::model::Role;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary with a config directory of its own.
fn with_home(home: &Path) -> Command {
    let mut c = bin();
    c.env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"));
    c
}

fn config(home: &Path) -> PathBuf {
    home.join("config/safedesk/config.toml")
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn run_stdin(mut c: Command, input: &str) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_checks_the_token_and_saves_it_privately_keeping_other_keys() {
    let s = TestServer::start().await;
    let (_, viewer) = s.client_as(Role::Viewer).await;
    let home = tempfile::tempdir().unwrap();
    let path = config(home.path());

    // A config file already there, with a key of its own.
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "format = \"json\"\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

    // A wrong token: refused, exit 4, nothing written.
    let out = with_home(home.path())
        .args(["--api", &s.api, "--token", "not-a-token", "login"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "format = \"json\"\n"
    );

    // No server there: exit 3.
    let out = with_home(home.path())
        .args(["--api", "http://127.0.0.1:9", "--token", &viewer, "login"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", stderr(&out));

    // The token on standard input.
    let mut c = with_home(home.path());
    c.args(["--api", &s.api, "login"]);
    let out = run_stdin(c, &format!("{viewer}\n"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("signed in"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(&viewer), "the token is not echoed");
    assert!(stdout(&out).is_empty());
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    let saved: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(saved["api"].as_str(), Some(s.api.as_str()));
    assert_eq!(saved["token"].as_str(), Some(viewer.as_str()));
    assert_eq!(saved["format"].as_str(), Some("json"), "other keys kept");

    // Commands now need no flags.
    let out = with_home(home.path())
        .args(["team", "show", "T0001"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).trim_start().starts_with('{'),
        "json from the file"
    );

    // --token works too, and replaces the saved one.
    let (_, dispatcher) = s.client_as(Role::Dispatcher).await;
    let out = with_home(home.path())
        .args(["--api", &s.api, "--token", &dispatcher, "-q", "login"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains(&dispatcher)
    );

    // An empty token on stdin: a usage error.
    let mut c = with_home(home.path());
    c.args(["--api", &s.api, "login"]);
    let out = run_stdin(c, "\n");
    assert_eq!(code(&out), 2, "{}", stderr(&out));

    // logout removes the token and keeps the rest.
    let out = with_home(home.path()).arg("logout").output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let saved: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(!saved.contains_key("token"));
    assert_eq!(saved["api"].as_str(), Some(s.api.as_str()));
    assert_eq!(mode(&path), 0o600);
    let out = with_home(home.path())
        .args(["team", "show", "T0001"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 4, "signed out: {}", stderr(&out));
    s.finish().await;
}

#[test]
fn a_config_file_others_can_read_is_refused_with_the_fix() {
    let home = tempfile::tempdir().unwrap();
    let path = config(home.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "token = \"secret\"\n").unwrap();
    for open in [0o644, 0o640, 0o604, 0o660] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(open)).unwrap();
        let out = with_home(home.path())
            .args(["team", "list"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "mode {open:o}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("chmod 600 {}", path.display())),
            "{err}"
        );
        assert!(err.contains(&format!("{open:03o}")), "{err}");
        assert!(!err.contains("secret"));
    }
    // 0600 and 0400 are fine (the server is not there: exit 3, not 2).
    for private in [0o600, 0o400] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(private)).unwrap();
        let out = with_home(home.path())
            .args(["--api", "http://127.0.0.1:9", "team", "list"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 3, "mode {private:o}: {}", stderr(&out));
    }
}

/// Waits until something listens at `addr`.
fn wait_listening(addr: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect(addr).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{addr} did not come up");
}

#[test]
fn tokens_never_reach_the_servers_log() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let api = format!("http://{addr}");
    let server = bin()
        .args(["-vv", "serve", "--listen", &addr, "--rate-limit", "3/s"])
        .arg("--data-dir")
        .arg(dir.path())
        .env("SAFEDESK_LOG", "trace")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_listening(&addr);
    let admin = std::fs::read_to_string(dir.path().join("admin.token"))
        .unwrap()
        .trim()
        .to_string();
    let wrong = "sdk_wrong_0123456789abcdef0123456789abcdef";

    let run = |args: &[&str]| bin().args(["--api", &api]).args(args).output().unwrap();
    // A token made, used, used too often, revoked; a wrong one; tokens in
    // the query string; a failing request; a client at -vv.
    let out = run(&[
        "--token", &admin, "--format", "json", "token", "create", "--name", "wall", "--role",
        "viewer",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let secret = stdout(&out).trim().to_string();
    assert!(secret.len() > 20, "the secret alone on stdout: {secret}");
    let out = run(&["--token", &admin, "--format", "json", "token", "list"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let made = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "wall")
        .expect("the new token listed")
        .clone();
    for _ in 0..8 {
        run(&["--token", &secret, "-q", "team", "show", "T0001"]);
    }
    let out = run(&["--token", wrong, "team", "list"]);
    assert_eq!(code(&out), 4);
    let out = run(&["-vv", "--token", &admin, "incident", "show", "999999"]);
    assert_eq!(code(&out), 5);
    assert!(!stderr(&out).contains(&admin), "the client's own log");
    let http = std::net::TcpStream::connect(&addr).unwrap();
    let mut http = std::io::BufWriter::new(http);
    write!(
        http,
        "GET /api/v1/teams?token={secret}&access_token={admin} HTTP/1.1\r\nHost: x\r\n\
         Authorization: Basic {wrong}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    http.flush().unwrap();
    drop(http);
    let out = run(&[
        "--token",
        &admin,
        "token",
        "revoke",
        &made["id"].to_string(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&["--token", &secret, "team", "list"]);
    assert_eq!(code(&out), 4);

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let out = server.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("GET") && log.lines().count() > 10,
        "the server logged requests: {log}"
    );
    for (what, token) in [
        ("admin", &admin),
        ("new", &secret),
        ("wrong", &wrong.to_string()),
    ] {
        assert!(
            !log.contains(token.as_str()),
            "the {what} token is in the log:\n{log}"
        );
        // Nor a good part of it.
        let half = &token[token.len() / 2..];
        assert!(!log.contains(half), "half the {what} token is in the log");
    }
}
