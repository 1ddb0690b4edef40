//! `safedesk serve` and `safedesk demo` as processes: first start, tokens,
//! graceful stop, and a headless demo whose simulated world moves.

mod common;

use common::{bin, code, json, stderr, stdout};
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `safedesk serve` on `port` with its data in `dir`.
fn spawn_serve(dir: &std::path::Path, port: u16) -> Child {
    bin()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs a command against `api` with `token`.
fn as_user(api: &str, token: &str, args: &[&str]) -> std::process::Output {
    bin()
        .args(["--api", api, "--token", token])
        .args(args)
        .output()
        .unwrap()
}

/// Waits until something listens at `api`.
fn wait_listening(api: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(api.trim_start_matches("http://")).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{api} did not come up");
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn first_start_writes_a_private_admin_token_and_tokens_work() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let api = format!("http://127.0.0.1:{port}");
    let mut server = spawn_serve(dir.path(), port);
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains("admin token is in"), "{first}");
    wait_listening(&api);
    let path = dir.path().join("admin.token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the admin token is readable only by its owner");
    }
    let admin = std::fs::read_to_string(&path).unwrap().trim().to_string();

    // `token create` prints the token alone on stdout.
    let o = as_user(
        &api,
        &admin,
        &["token", "create", "--role", "viewer", "--name", "大屏"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let viewer = stdout(&o).trim().to_string();
    assert!(
        viewer.starts_with("sd_") && !viewer.contains(' '),
        "{viewer}"
    );
    let o = as_user(&api, &viewer, &["--format", "json", "team", "list"]);
    assert_eq!(code(&o), 0, "a viewer reads: {}", stderr(&o));
    let o = as_user(&api, &viewer, &["token", "list"]);
    assert_eq!(code(&o), 4, "a viewer may not list tokens");

    // Revoked means revoked at once.
    let o = as_user(&api, &admin, &["--format", "json", "token", "list"]);
    let tokens = json(&o);
    let id = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "大屏")
        .unwrap()["id"]
        .to_string();
    let o = as_user(&api, &admin, &["token", "revoke", &id]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = as_user(&api, &viewer, &["team", "list"]);
    assert_eq!(code(&o), 4);

    // A second start keeps the first admin token and makes no other.
    let status = terminate(&mut server);
    assert!(status.success(), "SIGTERM is a clean stop: {status:?}");
    let mut again = spawn_serve(dir.path(), port);
    wait_listening(&api);
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), admin);
    terminate(&mut again);
    let mut err = String::new();
    std::io::Read::read_to_string(&mut again.stderr.take().unwrap(), &mut err).unwrap();
    assert!(!err.contains("first start"), "{err}");
}

#[test]
fn the_headless_demo_feeds_calls_and_moves_them_on() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let api = format!("http://127.0.0.1:{port}");
    let mut demo = bin()
        .args([
            "demo",
            "--no-board",
            "--speed",
            "900",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_listening(&api);
    // The token the demo left, as a second terminal would use it.
    let token_path = dir.path().join("admin.token");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut closed_live = 0;
    while Instant::now() < deadline && closed_live == 0 {
        std::thread::sleep(Duration::from_millis(500));
        let token = std::fs::read_to_string(&token_path).unwrap_or_default();
        let o = bin()
            .args(["--api", &api, "--token", token.trim(), "--format", "json"])
            .args(["incident", "list", "--status", "closed", "--limit", "5"])
            .output()
            .unwrap();
        if code(&o) != 0 {
            continue;
        }
        // History incidents are closed too; live ones have ids above 2,460.
        closed_live = json(&o)
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["id"].as_i64().unwrap() > 2460)
            .count();
    }
    let status = terminate(&mut demo);
    assert!(closed_live > 0, "a live call went from reported to closed");
    assert!(status.success(), "{status:?}");
}
