//! The 96333 flow through the real binary against a real server: a call
//! taken from reported to closed, what a second terminal sees, and every
//! kind of bad input refused with its exit code and nothing changed.

mod common;

use common::{TestServer, bin, code, json, stderr, stdout};
use safedesk::model::{IncidentStatus, NewIncident, Role, Transition};

/// An elevator from the fixtures whose own team is free.
const CODE: &str = "100301";

/// A call from the elevator `CODE` with one person trapped.
fn call() -> NewIncident {
    NewIncident {
        rescue_code: CODE.into(),
        trapped: 1,
        ..Default::default()
    }
}

fn new_incident(s: &TestServer) -> serde_json::Value {
    let o = s.run(&[
        "--format",
        "json",
        "incident",
        "new",
        "--rescue-code",
        CODE,
        "--trapped",
        "2",
        "--vulnerable",
        "elderly,child",
        "--caller",
        "13912345678",
        "--note",
        "轿厢停在两层之间",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    json(&o)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_goes_from_reported_to_closed_and_a_second_terminal_sees_it() {
    let s = TestServer::start().await;
    let created = new_incident(&s);
    let id = created["id"].as_i64().unwrap().to_string();
    assert_eq!(created["status"], "reported");
    assert_eq!(created["version"], 1);
    assert_eq!(
        created["priority"], 1,
        "vulnerable people raise the priority"
    );
    assert_eq!(
        created["caller"], "139****5678",
        "the caller's phone is masked"
    );

    let o = s.run(&["--format", "json", "incident", "dispatch", &id]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let dispatched = json(&o);
    assert_eq!(dispatched["status"], "dispatched");
    assert_eq!(
        dispatched["team"], "T0120",
        "the elevator's own team is suggested first"
    );

    // A second terminal, as a viewer, sees the same state.
    let (_, viewer) = s.client_as(Role::Viewer).await;
    let o = s.run_as(
        &viewer,
        &["incident", "list", "--status", "open", "--city", "南通"],
    );
    assert_eq!(code(&o), 0);
    let list = stdout(&o);
    assert!(list.contains(&id) && list.contains("dispatched"), "{list}");
    let o = s.run_as(
        &viewer,
        &["team", "list", "--city", "南通市", "--status", "dispatched"],
    );
    assert!(stdout(&o).contains("T0120"), "{}", stdout(&o));

    for step in [
        vec!["arrive"],
        vec!["release", "--freed", "2"],
        vec!["close"],
    ] {
        let mut args = vec!["incident"];
        args.push(step[0]);
        args.push(&id);
        args.extend(&step[1..]);
        let o = s.run(&args);
        assert_eq!(code(&o), 0, "{step:?}: {}", stderr(&o));
    }
    let shown = json(&s.run(&["--format", "json", "incident", "show", &id]));
    assert_eq!(shown["status"], "closed");
    assert_eq!(shown["freed"], 2);
    assert!(shown["arrival_secs"].as_i64().unwrap() >= 0);
    let actions: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["reported", "dispatch", "arrive", "release", "close"]
    );
    let team = s.client().team("T0120").await.unwrap();
    assert_eq!(team.status.as_str(), "available", "release frees the team");

    // The table lines up: every row of the list has the same display width
    // up to its last column.
    let o = s.run(&["incident", "show", &id]);
    assert!(stdout(&o).contains("曲塘镇"), "{}", stdout(&o));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_its_exit_code_and_changes_nothing() {
    let s = TestServer::start().await;
    let created = new_incident(&s);
    let id = created["id"].as_i64().unwrap().to_string();
    let unchanged = |s: &TestServer| {
        let shown = json(&s.run(&["--format", "json", "incident", "show", &id]));
        assert_eq!(shown["version"], 1, "nothing changed: {shown}");
        assert_eq!(shown["status"], "reported");
    };

    // Unknown rescue code: not found.
    let o = s.run(&["incident", "new", "--rescue-code", "999999"]);
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert!(stderr(&o).contains("no elevator with rescue code `999999`"));
    // A rescue code that is not one: invalid.
    let o = s.run(&["incident", "new", "--rescue-code", "12ab"]);
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    let o = s.run(&[
        "incident",
        "new",
        "--rescue-code",
        CODE,
        "--vulnerable",
        "tall",
    ]);
    assert_eq!(code(&o), 7);
    assert!(stderr(&o).contains("expected elderly, child, pregnant or ill"));

    // A step the state machine forbids names the allowed ones.
    let o = s.run(&["incident", "close", &id]);
    assert_eq!(code(&o), 7);
    assert!(
        stderr(&o).contains("allowed now: dispatch, cancel, escalate, note"),
        "{}",
        stderr(&o)
    );
    unchanged(&s);

    // A stale version is a conflict.
    let o = s.run(&["incident", "arrive", &id, "--if-version", "7"]);
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is at version 1 (reported), not 7"),
        "{}",
        stderr(&o)
    );
    unchanged(&s);

    // Cancel without a reason is a usage error; with an empty one, invalid.
    assert_eq!(code(&s.run(&["incident", "cancel", &id])), 2);
    assert_eq!(
        code(&s.run(&["incident", "cancel", &id, "--reason", " "])),
        7
    );
    unchanged(&s);

    // A bad token, a viewer's write, no token at all.
    let o = s.run_as("sd_not_a_token", &["incident", "list"]);
    assert_eq!(code(&o), 4);
    assert!(stderr(&o).contains("unknown, revoked or expired"));
    let (_, viewer) = s.client_as(Role::Viewer).await;
    let o = s.run_as(&viewer, &["incident", "dispatch", &id]);
    assert_eq!(code(&o), 4);
    assert!(
        stderr(&o).contains("`viewer` role may not"),
        "{}",
        stderr(&o)
    );
    let o = bin()
        .env("SAFEDESK_API", &s.api)
        .args(["incident", "list"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 4);
    unchanged(&s);

    // An incident that does not exist, a team that does not exist.
    assert_eq!(code(&s.run(&["incident", "show", "424242"])), 5);
    let o = s.run(&["incident", "dispatch", &id, "--team", "T9999"]);
    assert_eq!(code(&o), 5);
    unchanged(&s);

    // A malformed body straight at the API is a 400 problem, not a crash.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/incidents", s.api))
        .bearer_auth(&s.admin)
        .header("content-type", "application/json")
        .body("{\"rescue_code\": 100301")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = r.json().await.unwrap();
    assert_eq!(problem["status"], 400);
    assert!(problem["detail"].as_str().unwrap().contains("request body"));
    let all = s
        .client()
        .all_incidents(&Default::default(), 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "no half-written incident");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_server_exits_3_with_a_hint() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let o = bin()
        .args([
            "--api",
            &format!("http://{addr}"),
            "--token",
            "x",
            "incident",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot reach the server"));
    assert!(stderr(&o).contains("hint:"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_dispatchers_racing_on_one_version_give_one_winner_and_one_conflict() {
    let s = TestServer::start().await;
    let c = s.client();
    let new = call();
    let i = c.create_incident(&new).await.unwrap();
    let to_a = Transition::Dispatch {
        team: Some("T0120".into()),
    };
    let to_b = Transition::Dispatch {
        team: Some("T0121".into()),
    };
    let a = c.step(i.id, &to_a, Some(i.version));
    let b = c.step(i.id, &to_b, Some(i.version));
    let (a, b) = tokio::join!(a, b);
    let oks = [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count();
    assert_eq!(oks, 1, "exactly one wins: {a:?} {b:?}");
    let loser = a.err().or(b.err()).expect("one of them lost");
    assert!(
        matches!(loser, safedesk::client::ClientError::Conflict { .. }),
        "{loser:?}"
    );
    let now = c.incident(i.id).await.unwrap();
    assert_eq!(now.status, IncidentStatus::Dispatched);
    assert_eq!(now.version, 2);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_team_cannot_be_sent_twice() {
    let s = TestServer::start().await;
    let c = s.client();
    let new = call();
    let first = c.create_incident(&new).await.unwrap();
    let second = c.create_incident(&new).await.unwrap();
    c.step(
        first.id,
        &Transition::Dispatch {
            team: Some("T0120".into()),
        },
        None,
    )
    .await
    .unwrap();
    let o = s.run(&[
        "incident",
        "dispatch",
        &second.id.to_string(),
        "--team",
        "T0120",
    ]);
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    assert!(stderr(&o).contains("T0120"), "{}", stderr(&o));
    // Without --team, the next suggestion is taken instead.
    let o = s.run(&[
        "--format",
        "json",
        "incident",
        "dispatch",
        &second.id.to_string(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_ne!(json(&o)["team"], "T0120");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_method_is_405_with_allow_not_a_server_error() {
    let s = TestServer::start().await;
    let r = reqwest::Client::new()
        .delete(format!("{}/api/v1/incidents", s.api))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/incidents/1/dispatch", s.api))
        .bearer_auth(&s.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn freed_cannot_exceed_trapped_and_notes_have_a_limit() {
    let s = TestServer::start().await;
    let id = new_incident(&s)["id"].as_i64().unwrap().to_string();
    for step in ["dispatch", "arrive"] {
        assert_eq!(code(&s.run(&["incident", step, &id])), 0);
    }
    let o = s.run(&["incident", "release", &id, "--freed", "5000"]);
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    assert!(stderr(&o).contains("has 2 trapped"), "{}", stderr(&o));
    let long = "长".repeat(2001);
    assert_eq!(code(&s.run(&["incident", "note", &id, &long])), 7);
    let shown = json(&s.run(&["--format", "json", "incident", "show", &id]));
    assert_eq!(shown["status"], "on_scene", "nothing changed");
    assert_eq!(shown["version"], 3);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn escape_sequences_in_notes_never_reach_the_terminal() {
    let s = TestServer::start().await;
    let id = new_incident(&s)["id"].as_i64().unwrap().to_string();
    let o = s.run(&["incident", "note", &id, "\x1b[31mRED\x1b]0;pwned\x07"]);
    assert_eq!(code(&o), 0);
    // The note is in the timeline, which the table shows.
    let o = s.run(&["incident", "show", &id]);
    assert!(!stdout(&o).contains('\x1b'), "{:?}", stdout(&o));
    assert!(stdout(&o).contains("\u{fffd}[31mRED"), "{}", stdout(&o));
    // A caller's remark with an escape, in CSV.
    let o = s.run(&[
        "--format",
        "csv",
        "incident",
        "new",
        "--rescue-code",
        CODE,
        "--note",
        "a\x1bb",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !stdout(&o).contains('\x1b') && stdout(&o).contains("a\u{fffd}b"),
        "{}",
        stdout(&o)
    );
    s.finish().await;
}

#[test]
fn a_token_with_a_line_break_is_not_authorised_not_unreachable() {
    let o = bin()
        .args([
            "--api",
            "http://127.0.0.1:9",
            "--token",
            "sd_abc\nx",
            "incident",
            "list",
        ])
        .output()
        .unwrap();
    assert_eq!(code(&o), 4, "{}", stderr(&o));
}

#[test]
fn the_demo_refuses_a_directory_it_did_not_make() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("safedesk.db"), b"a real server's data").unwrap();
    let o = bin()
        .args([
            "demo",
            "--no-board",
            "--duration",
            "1",
            "--listen",
            "127.0.0.1:0",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_ne!(code(&o), 0);
    assert!(
        stderr(&o).contains("holds data the demo did not make"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(dir.path().join("safedesk.db")).unwrap(),
        b"a real server's data"
    );
}
