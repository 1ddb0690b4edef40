//! `plate check` and muck-truck passes through the real binary and server:
//! exit codes 0/1/7, every list in one answer, files and stdin, roles, and
//! the 30-day suspension with times passed in.

mod common;

use chrono::{DateTime, Utc};
use common::{TestServer, code, json, stderr, stdout};
use safedesk::model::Role;
use safedesk::model::plate::parse;

fn at(s: &str) -> DateTime<Utc> {
    safedesk::model::muck::parse_time(s).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_0_when_none_listed_1_when_any_7_when_not_a_plate() {
    let s = TestServer::start().await;
    let o = s.run(&["plate", "check", "苏a 12345", "苏AD12345"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("苏AD12345  new-energy-small  green"),
        "{}",
        stdout(&o)
    );

    let o = s.run(&["plate", "check", "苏A12345", "皖K80003"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("皖K80003  ordinary  blue/yellow  安徽省"),
        "{}",
        stdout(&o)
    );
    assert!(
        stderr(&o).contains("1 of 2 plates listed"),
        "{}",
        stderr(&o)
    );

    let o = s.run(&["plate", "check", "苏A12345", "京O12345"]);
    assert_eq!(code(&o), 7);
    assert!(
        stderr(&o).contains("argument 2: `京O12345` is not a plate"),
        "{}",
        stderr(&o)
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_answer_covers_every_list_with_stage_since_until_and_why() {
    let s = TestServer::start().await;
    let o = s.run(&[
        "--format",
        "json",
        "plate",
        "check",
        "苏B80002",
        "苏E80004",
        "浙A80005",
    ]);
    assert_eq!(code(&o), 1);
    let answers = json(&o);
    let grey = &answers[0];
    assert_eq!(grey["province"], "江苏省");
    assert_eq!(grey["hits"][0]["list"], "illegal-operation");
    assert_eq!(grey["hits"][0]["stage"], "grey");
    assert_eq!(grey["hits"][0]["since"], "2026-11-10T02:00:00Z");
    assert_eq!(
        grey["hits"][0]["why"],
        "passengers paid the driver on inspection"
    );
    // Excluded and lifted vehicles are not listed.
    assert_eq!(answers[1]["hits"].as_array().unwrap().len(), 0);
    assert_eq!(answers[2]["hits"].as_array().unwrap().len(), 0);

    // A suspended muck pass is a hit too, with the day it ends.
    let plates = [parse("苏A60002").unwrap(), parse("苏A12345").unwrap()];
    let during = s
        .store
        .check_plates(&plates, at("2026-12-20 00:00"))
        .await
        .unwrap();
    assert_eq!(during[0].hits[0].list, "muck-pass");
    assert_eq!(during[0].hits[0].until, Some(at("2026-12-28T02:15:00Z")));
    assert_eq!(during[0].hits[0].why, "overload violation");
    assert!(during[1].hits.is_empty());
    let after = s
        .store
        .check_plates(&plates, at("2026-12-28T02:15:00Z"))
        .await
        .unwrap();
    assert!(after[0].hits.is_empty());
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn plates_come_from_a_file_or_stdin() {
    let s = TestServer::start().await;
    let file = s.path().join("plates.txt");
    std::fs::write(&file, "# from the gantry\n苏A12345\n\n苏A80001\n").unwrap();
    let o = s.run(&["plate", "check", "--file", file.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).contains("苏A80001"), "{}", stdout(&o));

    std::fs::write(&file, "苏A12345\n苏AF1234Z\n").unwrap();
    let o = s.run(&["plate", "check", "--file", file.to_str().unwrap()]);
    assert_eq!(code(&o), 7);
    assert!(stderr(&o).contains("plates.txt line 2"), "{}", stderr(&o));

    let mut child = common::bin()
        .env("SAFEDESK_API", &s.api)
        .env("SAFEDESK_TOKEN", &s.admin)
        .args(["--format", "json", "plate", "check", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("苏A12345\n苏Ｂ８０００２\n".as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(code(&o), 1);
    assert_eq!(json(&o)[1]["plate"], "苏B80002");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn patrol_checks_viewers_do_not() {
    let s = TestServer::start().await;
    let (_, patrol) = s.client_as(Role::Patrol).await;
    assert_eq!(code(&s.run_as(&patrol, &["plate", "check", "苏A12345"])), 0);
    let (_, viewer) = s.client_as(Role::Viewer).await;
    let o = s.run_as(&viewer, &["plate", "check", "苏A12345"]);
    assert_eq!(code(&o), 4);
    assert!(
        stderr(&o).contains("the patrol, transport or admin role"),
        "{}",
        stderr(&o)
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_violation_suspends_the_pass_for_30_days_then_it_returns() {
    let s = TestServer::start().await;
    let o = s.run(&[
        "muck",
        "violation",
        "add",
        "苏C66666",
        "--kind",
        "red-light",
        "--at",
        "2026-11-20 08:30",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let check = |when: &str| {
        s.run(&[
            "--format",
            "json",
            "muck",
            "pass",
            "check",
            "苏C66666",
            "--at",
            when,
        ])
    };
    let o = check("2026-12-20 08:29");
    assert_eq!(code(&o), 1);
    assert_eq!(json(&o)["status"], "suspended");
    assert_eq!(json(&o)["until"], "2026-12-20T00:30:00Z");
    let o = check("2026-12-20 08:30");
    assert_eq!(code(&o), 0);
    assert_eq!(json(&o)["status"], "valid");

    let o = s.run(&[
        "muck",
        "violation",
        "add",
        "苏C66666",
        "--kind",
        "jaywalking",
        "--at",
        "2026-11-20",
    ]);
    assert_eq!(code(&o), 7);
    let o = s.run(&[
        "--format",
        "json",
        "muck",
        "violation",
        "list",
        "--plate",
        "苏C66666",
    ]);
    assert_eq!(json(&o).as_array().unwrap().len(), 1);
    s.finish().await;
}
