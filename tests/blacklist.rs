//! The illegal-operation list through the real binary and server: the five
//! steps, steps out of order, filters, history, and who may change it.

mod common;

use common::{TestServer, code, json, stderr, stdout};
use safedesk::model::Role;

#[tokio::test(flavor = "multi_thread")]
async fn a_vehicle_goes_through_all_five_steps_with_who_when_why_and_evidence() {
    let s = TestServer::start().await;
    let plate = "苏Ａ·１２３４５";
    let steps: [&[&str]; 5] = [
        &[
            "add",
            plate,
            "--stage",
            "suspect",
            "--reason",
            "seen 9 days in 14",
            "--evidence",
            "gantry G1/G42",
        ],
        &[
            "promote",
            plate,
            "--to",
            "grey",
            "--reason",
            "fares paid on inspection",
        ],
        &[
            "promote",
            plate,
            "--to",
            "black",
            "--reason",
            "ran again after notice",
        ],
        &["lift", plate, "--reason", "licensed since"],
        &["exclude", plate, "--reason", "a company's own bus"],
    ];
    let stages = ["suspect", "grey", "black", "lifted", "excluded"];
    for (args, stage) in steps.iter().zip(stages) {
        let mut full = vec!["--format", "json", "blacklist"];
        full.extend_from_slice(args);
        let o = s.run(&full);
        assert_eq!(code(&o), 0, "{args:?}: {}", stderr(&o));
        assert_eq!(json(&o)["stage"], stage);
        assert_eq!(json(&o)["plate"], "苏A12345");
    }

    let o = s.run(&["--format", "json", "blacklist", "history", "苏A12345"]);
    let entry = json(&o);
    let history = entry["history"].as_array().unwrap();
    assert_eq!(history.len(), 5);
    assert_eq!(history[0]["actor"], "admin");
    assert_eq!(history[0]["evidence"], "gantry G1/G42");
    assert_eq!(history[2]["from"], "grey");
    assert_eq!(history[2]["reason"], "ran again after notice");
    assert_eq!(entry["version"], 5);

    let o = s.run(&["blacklist", "history", "苏A12345"]);
    let line = stdout(&o)
        .lines()
        .find(|l| l.contains("ran again"))
        .unwrap_or("")
        .to_string();
    assert!(
        line.contains("promote") && line.contains("black"),
        "{}",
        stdout(&o)
    );
    let events = s.store.events_after(0, 100).await.unwrap();
    let ours = events.iter().filter(|e| e.key == "苏A12345").count();
    assert_eq!(ours, 5);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn steps_out_of_order_exit_7_naming_the_allowed_ones() {
    let s = TestServer::start().await;
    s.run(&["blacklist", "add", "苏A12345", "--reason", "seen"]);
    let o = s.run(&[
        "blacklist",
        "promote",
        "苏A12345",
        "--to",
        "black",
        "--reason",
        "x",
    ]);
    assert_eq!(code(&o), 7);
    assert!(
        stderr(&o).contains(
            "苏A12345 is suspect, and `promote to black` cannot be done from \
                             there; allowed now: promote --to grey, exclude, lift"
        ),
        "{}",
        stderr(&o)
    );
    let o = s.run(&[
        "blacklist",
        "add",
        "苏A12345",
        "--stage",
        "grey",
        "--reason",
        "again",
    ]);
    assert_eq!(code(&o), 7);
    let o = s.run(&["blacklist", "lift", "苏C99999", "--reason", "never listed"]);
    assert_eq!(code(&o), 7);
    assert!(stderr(&o).contains("not on the list"), "{}", stderr(&o));
    let o = s.run(&["blacklist", "add", "苏I12345", "--reason", "x"]);
    assert_eq!(code(&o), 7);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_list_filters_by_stage_and_province() {
    let s = TestServer::start().await;
    let o = s.run(&["--format", "json", "blacklist", "list", "--stage", "black"]);
    let plates: Vec<_> = json(&o)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["plate"].clone())
        .collect();
    assert_eq!(plates, vec!["皖K80003"]);
    let o = s.run(&[
        "--format",
        "json",
        "blacklist",
        "list",
        "--province",
        "江苏",
    ]);
    let plates: Vec<String> = json(&o)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["plate"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(plates, vec!["苏A80001", "苏B80002", "苏E80004"]);
    let o = s.run(&["blacklist", "list", "--stage", "pink"]);
    assert_eq!(code(&o), 7);
    let o = s.run(&["blacklist", "history", "苏C99999"]);
    assert_eq!(code(&o), 5);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_transport_and_admin_change_the_list_and_viewers_read_it() {
    let s = TestServer::start().await;
    let add = ["blacklist", "add", "苏A12345", "--reason", "seen"];
    let (_, patrol) = s.client_as(Role::Patrol).await;
    let o = s.run_as(&patrol, &add);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the transport or admin role"),
        "{}",
        stderr(&o)
    );
    let (_, transport) = s.client_as(Role::Transport).await;
    let o = s.run_as(
        &transport,
        &[
            "--format",
            "json",
            "blacklist",
            "add",
            "苏A12345",
            "--reason",
            "seen",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["actor"], "transport-user");
    let (_, viewer) = s.client_as(Role::Viewer).await;
    let o = s.run_as(&viewer, &["blacklist", "list"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    s.finish().await;
}
