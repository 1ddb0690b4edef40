//! The board's third level: the whole binary in a real terminal (tmux),
//! driven by keys, against a real server.

mod common;

use common::TestServer;
use safedesk::model::{IncidentStatus, NewIncident};
use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(args: &[&str]) -> String {
    let o = Command::new("tmux")
        .args(args)
        .output()
        .expect("tmux is needed for this test; .ci/run installs it");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn wait_for(session: &str, what: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let screen = tmux(&["capture-pane", "-p", "-t", session]);
        if screen.contains(what) {
            return screen;
        }
        assert!(
            Instant::now() < deadline,
            "`{what}` never showed:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dispatcher_takes_a_live_call_from_the_keyboard() {
    let s = TestServer::start().await;
    let session = format!("safedesk-test-{}", std::process::id());
    let command = format!(
        "SAFEDESK_API={} SAFEDESK_TOKEN={} NO_COLOR=1 {} board --log {}",
        s.api,
        s.admin,
        env!("CARGO_BIN_EXE_safedesk"),
        s.path().join("board.log").display()
    );
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    wait_for(&session, "live ●");

    let c = s.client();
    let new = NewIncident {
        rescue_code: "100301".into(),
        trapped: 2,
        ..Default::default()
    };
    let i = c.create_incident(&new).await.unwrap();
    wait_for(&session, "曲塘镇");

    tmux(&["send-keys", "-t", &session, "d"]);
    std::thread::sleep(Duration::from_millis(500));
    tmux(&["send-keys", "-t", &session, "Enter"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = c.incident(i.id).await.unwrap();
        if now.status == IncidentStatus::Dispatched {
            assert_eq!(now.team.as_deref(), Some("T0120"), "the first suggestion");
            break;
        }
        assert!(Instant::now() < deadline, "the board did not dispatch");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    wait_for(&session, "dispatched");

    tmux(&["send-keys", "-t", &session, "q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux(&["list-sessions"]).contains(&session) {
        assert!(Instant::now() < deadline, "q did not end the board");
        std::thread::sleep(Duration::from_millis(100));
    }
    s.finish().await;
}
