//! Highway passages, tracks, screening, live alerts and notices (issue 5),
//! against a real server, through the real client and the real binary.

mod common;

use common::{TestServer, code, json, stderr, stdout};
use safedesk::client::{ClientError, EventStream, StreamItem};
use safedesk::model::Role;
use safedesk::model::audit::Actor;
use safedesk::model::passage::{NewPassage, PassageCounts};
use std::time::Duration;

/// 仙林 (南京) and 句容 (镇江) on G42, up; 句容 comes first going up.
const XIANLIN_UP: &str = "G00423200810";
const JURONG_UP: &str = "G00423200710";
const DANYANG_UP: &str = "G00423200610";

fn passage(gantry: &str, at: &str, plate: &str) -> NewPassage {
    NewPassage::from_fields(gantry, at, plate, "yellow", "coach", None).unwrap()
}

async fn next_item(stream: &mut EventStream) -> StreamItem {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("the stream answers within 10 s")
        .expect("the stream is still running")
}

async fn connected(stream: &mut EventStream) {
    loop {
        match next_item(stream).await {
            StreamItem::Connected => return,
            StreamItem::Failed(why) => panic!("stream failed: {why}"),
            _ => {}
        }
    }
}

async fn next_alert(stream: &mut EventStream) -> safedesk::model::Event {
    loop {
        if let StreamItem::Event(e) = next_item(stream).await {
            return e;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn passages_are_stored_once_and_a_track_is_in_time_order() {
    let s = TestServer::start().await;
    let c = s.client();
    let rows = vec![
        passage(XIANLIN_UP, "2026-11-20 09:40:00", "苏A12345"),
        passage(DANYANG_UP, "2026-11-20 08:10:00", "苏 a·12345"),
        passage(JURONG_UP, "2026-11-20 09:05:00", "苏A12345"),
        // The same passage twice in one request counts once.
        passage(JURONG_UP, "2026-11-20 09:05:00", "苏A12345"),
    ];
    let first = c.store_passages(&rows).await.unwrap();
    assert_eq!(
        first,
        PassageCounts {
            inserted: 3,
            duplicate: 1,
            alerts: 0
        }
    );
    let audit_rows = s.store.verify_audit().await.unwrap().rows;
    let again = c.store_passages(&rows).await.unwrap();
    assert_eq!((again.inserted, again.duplicate), (0, 4));
    assert_eq!(
        s.store.verify_audit().await.unwrap().rows,
        audit_rows,
        "a replay changes nothing, not even the audit log"
    );

    let track = c.track("苏A12345", None, 100).await.unwrap();
    let gantries: Vec<&str> = track.iter().map(|p| p.gantry.as_str()).collect();
    assert_eq!(gantries, [DANYANG_UP, JURONG_UP, XIANLIN_UP]);
    assert_eq!(track[2].gantry_name.as_deref(), Some("仙林门架 上行"));
    assert_eq!(track[2].city.as_deref(), Some("南京市"));

    let out = s.run(&["track", "苏A12345", "--since", "2026-11-20 09:00"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("TIME"), "{text}");
    assert!(lines[1].starts_with("2026-11-20 09:05:00  G00423200710  句容门架 上行"));
    assert!(
        lines[2].contains("仙林门架 上行  G42 沪蓉高速  南京市"),
        "{text}"
    );

    // Paged from `since`, the pages join up in order.
    let paged = c.track("苏A12345", Some(track[0].at), 100).await.unwrap();
    assert_eq!(paged, track);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_row_or_an_unknown_gantry_refuses_the_whole_request() {
    let s = TestServer::start().await;
    let c = s.client();
    let rows = vec![
        passage(XIANLIN_UP, "2026-11-20 09:40:00", "苏A12345"),
        passage("G99999999999", "2026-11-20 09:41:00", "苏A12345"),
    ];
    match c.store_passages(&rows).await {
        Err(ClientError::Invalid(d)) => {
            assert!(
                d.contains("row 2: gantry `G99999999999` is not on the register"),
                "{d}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(c.track("苏A12345", None, 10).await.unwrap().is_empty());

    let out = s.run(&[
        "passage",
        "add",
        "苏A12345",
        "--gantry",
        XIANLIN_UP,
        "--at",
        "2026-11-20 09:40",
        "--colour",
        "yellow",
        "--class",
        "boat",
    ]);
    assert_eq!(code(&out), 7);
    assert!(stderr(&out).contains("unknown vehicle class `boat`"));
    let out = s.run(&["track", "XYZ"]);
    assert_eq!(code(&out), 7);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn screening_adds_the_planted_buses_and_leaves_the_licensed_ones() {
    let s = TestServer::start().await;
    let c = s.client();
    let rows = safedesk::fixtures::passages().unwrap();
    let counts = c.store_passages(&rows).await.unwrap();
    assert_eq!(counts.inserted as usize, rows.len());
    assert!(
        counts.alerts >= 7,
        "the grey and black buses passed: {counts:?}"
    );

    let args = [
        "screen",
        "run",
        "--from",
        "2026-11-01",
        "--days",
        "28",
        "--min-days",
        "12",
    ];
    let out = s.run(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let outcome = |plate: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["plate"] == plate)
            .map(|f| f["outcome"].as_str().unwrap().to_string())
    };
    for planted in [
        "苏A7K301",
        "苏N7K302",
        "皖K7K303",
        "鲁Q7K304",
        "浙E7K305",
        "苏F7K306",
    ] {
        assert_eq!(outcome(planted).as_deref(), Some("added"), "{planted}");
    }
    for licensed in ["苏A6L401", "苏C6L402", "苏G6L403", "沪D6L404"] {
        assert_eq!(outcome(licensed).as_deref(), Some("licensed"), "{licensed}");
    }
    assert_eq!(outcome("苏E80004").as_deref(), Some("excluded"));
    assert_eq!(outcome("苏A80001").as_deref(), Some("listed"));
    for never in ["苏C5N501", "豫A5N502"] {
        assert_eq!(outcome(never), None, "{never} runs too seldom");
    }
    assert_eq!(report["findings"].as_array().unwrap().len(), 12);

    // The suspect carries the evidence: route, days seen, first and last.
    let added = c.blacklist_entry("苏A7K301").await.unwrap();
    assert_eq!(added.stage.as_str(), "suspect");
    let evidence = added.history[0].evidence.clone().unwrap();
    assert!(
        evidence.contains("仙林门架 下行 → 苏州新区门架 下行"),
        "{evidence}"
    );
    assert!(evidence.contains("seen on 20 days in 28"), "{evidence}");
    assert!(evidence.contains("first 2026-11-"), "{evidence}");

    // A second run adds nobody: they are listed now.
    let out = s.run(&args);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains("0 added"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("7 already listed"),
        "{}",
        stderr(&out)
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rule_is_shown_set_checked_and_audited() {
    let s = TestServer::start().await;
    let out = s.run(&["screen", "rule", "--format", "json"]);
    assert_eq!(json(&out)["days"], 30);
    assert_eq!(json(&out)["min_days"], 12);
    let out = s.run(&["screen", "rule", "set", "--days", "28", "--min-days", "30"]);
    assert_eq!(code(&out), 7);
    assert!(
        stderr(&out).contains("--min-days is 30"),
        "{}",
        stderr(&out)
    );
    let out = s.run(&["screen", "rule", "set", "--days", "28", "--min-days", "10"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rule = s.client().screen_rule().await.unwrap();
    assert_eq!((rule.days, rule.min_days), (28, 10));
    assert_eq!(rule.updated_by.as_deref(), Some("admin"));
    let out = s.run(&[
        "audit",
        "list",
        "--entity",
        "screen_rule",
        "--format",
        "json",
    ]);
    assert_eq!(json(&out).as_array().unwrap().len(), 1, "{}", stdout(&out));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_survive_a_dropped_connection_without_gaps_or_repeats() {
    let mut s = TestServer::start().await;
    let (patrol, _) = s.client_as(Role::Patrol).await;
    let mut stream = patrol.alert_stream(None);
    connected(&mut stream).await;
    let c = s.client();
    // A grey bus passes; an unlisted one does not alert.
    c.store_passages(&[
        passage(JURONG_UP, "2026-11-21 09:00:00", "苏B80002"),
        passage(JURONG_UP, "2026-11-21 09:01:00", "苏A12345"),
    ])
    .await
    .unwrap();
    let first = next_alert(&mut stream).await;
    assert_eq!(first.kind, "alert.passage");
    assert_eq!(first.data["plate"], "苏B80002");
    assert_eq!(first.data["stage"], "grey");
    assert_eq!(first.data["gantry_name"], "句容门架 上行");

    s.stop().await;
    // Alerts raised while the client is cut off (straight into the store).
    let mut missed = Vec::new();
    for minute in 0..3 {
        let at = format!("2026-11-21 10:0{minute}:00");
        let (_, events) = s
            .store
            .insert_passages(
                &[passage(XIANLIN_UP, &at, "皖K80003")],
                Actor::system("test"),
            )
            .await
            .unwrap();
        missed.extend(events.iter().map(|e| e.id));
    }
    loop {
        if let StreamItem::Reconnecting { .. } = next_item(&mut stream).await {
            break;
        }
    }
    s.restart().await;
    let c = s.client();
    // A list step is an event, but not an alert: the alert stream skips it.
    let step = safedesk::model::blacklist::Step {
        plate: "苏A55555".into(),
        action: safedesk::model::blacklist::Action::Add,
        to: None,
        reason: "seen".into(),
        evidence: None,
    };
    c.blacklist_step(&step).await.unwrap();
    c.store_passages(&[passage(XIANLIN_UP, "2026-11-21 11:00:00", "苏B80002")])
        .await
        .unwrap();
    let mut after = Vec::new();
    while after.len() < missed.len() + 1 {
        let e = next_alert(&mut stream).await;
        assert_eq!(e.kind, "alert.passage", "{e:?}");
        after.push(e.id);
    }
    assert_eq!(
        &after[..missed.len()],
        &missed[..],
        "the missed alerts, in order"
    );
    let mut seen = vec![first.id];
    seen.extend(&after);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "strictly increasing, no repeats");

    // The binary prints them as JSON lines, resuming after an id.
    let out = s.run_as(
        &s.admin,
        &[
            "alerts",
            "--follow",
            "--after",
            &first.id.to_string(),
            "--count",
            "4",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let ids: Vec<i64> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ids, after);
    // Without --follow, the latest alerts in order.
    let out = s.run(&["alerts", "--limit", "2"]);
    let text = stdout(&out);
    assert!(
        text.lines().nth(2).unwrap().contains("苏B80002  grey"),
        "{text}"
    );
    assert!(
        text.lines().nth(1).unwrap().contains("皖K80003  black"),
        "{text}"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn notices_go_pending_sent_acknowledged_and_refuse_a_skipped_step() {
    let s = TestServer::start().await;
    // The fixtures' 皖K80003 went grey, then black: two notices to 安徽省.
    let out = s.run(&["notices", "list", "--province", "皖", "--format", "json"]);
    let list = json(&out);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(
        (list[0]["stage"].as_str(), list[1]["stage"].as_str()),
        (Some("grey"), Some("black"))
    );
    let id = list[1]["id"].as_i64().unwrap().to_string();

    let out = s.run(&["notices", "mark", &id, "--acknowledged"]);
    assert_eq!(code(&out), 7);
    assert!(stderr(&out).contains("is pending, and it cannot be marked acknowledged"));
    assert!(
        stderr(&out).contains("allowed now: --sent"),
        "{}",
        stderr(&out)
    );
    assert_eq!(code(&s.run(&["notices", "mark", &id, "--sent"])), 0);
    assert_eq!(code(&s.run(&["notices", "mark", &id, "--sent"])), 7);
    assert_eq!(code(&s.run(&["notices", "mark", &id, "--acknowledged"])), 0);
    assert_eq!(code(&s.run(&["notices", "mark", "999", "--sent"])), 5);

    // A new grey vehicle from 浙江 makes a notice; one from 江苏 does not.
    for plate in ["浙B12345", "苏B12345"] {
        let add = [
            "blacklist",
            "add",
            plate,
            "--stage",
            "grey",
            "--reason",
            "fares",
        ];
        assert_eq!(code(&s.run(&add)), 0);
    }
    let out = s.run(&["notices", "export", "--province", "浙江"]);
    assert_eq!(code(&out), 0);
    let csv = stdout(&out);
    assert!(
        csv.starts_with("ID,PROVINCE,PLATE,STAGE,LISTED,STATE"),
        "{csv}"
    );
    assert!(csv.contains(",浙江省,浙B12345,grey,"), "{csv}");
    assert!(!csv.contains("苏B12345"));
    let out = s.run(&[
        "notices",
        "list",
        "--state",
        "acknowledged",
        "--format",
        "json",
    ]);
    assert_eq!(json(&out).as_array().unwrap().len(), 1);
    let out = s.run(&["notices", "list", "--state", "lost"]);
    assert_eq!(code(&out), 7);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_decide_who_tracks_follows_stores_screens_and_marks() {
    let s = TestServer::start().await;
    let (_, viewer) = s.client_as(Role::Viewer).await;
    let (_, patrol) = s.client_as(Role::Patrol).await;
    let (_, transport) = s.client_as(Role::Transport).await;
    let add = [
        "passage",
        "add",
        "苏B80002",
        "--gantry",
        JURONG_UP,
        "--at",
        "2026-11-22 08:00",
        "--colour",
        "1",
        "--class",
        "3",
    ];
    assert_eq!(code(&s.run_as(&viewer, &add)), 4);
    assert_eq!(code(&s.run_as(&patrol, &add)), 4);
    let out = s.run_as(&transport, &add);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("alert raised"), "{}", stderr(&out));

    for who in [&patrol, &transport] {
        assert_eq!(code(&s.run_as(who, &["track", "苏B80002"])), 0);
        assert_eq!(code(&s.run_as(who, &["alerts"])), 0);
    }
    assert_eq!(code(&s.run_as(&viewer, &["track", "苏B80002"])), 4);
    let out = s.run_as(&viewer, &["alerts", "--follow"]);
    assert_eq!(code(&out), 4);
    assert!(
        stderr(&out).contains("patrol, transport or admin"),
        "{}",
        stderr(&out)
    );

    let run = [
        "screen",
        "run",
        "--from",
        "2026-11-01",
        "--days",
        "28",
        "--dry-run",
    ];
    assert_eq!(code(&s.run_as(&patrol, &run)), 4);
    assert_eq!(code(&s.run_as(&transport, &run)), 0);
    assert_eq!(code(&s.run_as(&viewer, &["screen", "rule"])), 0);
    let set = ["screen", "rule", "set", "--days", "30", "--min-days", "10"];
    assert_eq!(code(&s.run_as(&patrol, &set)), 4);
    assert_eq!(code(&s.run_as(&viewer, &["notices", "list"])), 0);
    assert_eq!(
        code(&s.run_as(&patrol, &["notices", "mark", "1", "--sent"])),
        4
    );
    assert_eq!(
        code(&s.run_as(&transport, &["notices", "mark", "1", "--sent"])),
        0
    );

    // A viewer's event stream leaves the alerts out.
    let viewer_client = safedesk::client::Client::new(&s.api, Some(viewer.clone())).unwrap();
    let mut stream = viewer_client.events(Some(0));
    connected(&mut stream).await;
    let mut kinds = Vec::new();
    while let Ok(Some(StreamItem::Event(e))) =
        tokio::time::timeout(Duration::from_millis(500), stream.next()).await
    {
        kinds.push(e.kind);
    }
    assert!(kinds.contains(&"blacklist".to_string()), "{kinds:?}");
    assert!(!kinds.iter().any(|k| k.starts_with("alert.")), "{kinds:?}");
    s.finish().await;
}
