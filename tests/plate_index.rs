//! Plate checks answer from each server's in-memory index of the lists:
//! a change is seen at once by a check on the server that made it, and
//! within moments by a check on another replica; token revocations reach
//! the token cache the same way. SQLite always, PostgreSQL with
//! `SAFEDESK_TEST_PG`.

mod common;

use common::TestServer;
use safedesk::client::Client;
use safedesk::model::Role;
use safedesk::model::blacklist::{Action, Stage, Step};
use safedesk::model::muck::{NewViolation, ViolationKind};
use std::time::{Duration, Instant};

fn step(plate: &str, action: Action, to: Option<Stage>) -> Step {
    Step {
        plate: plate.into(),
        action,
        to,
        reason: "test".into(),
        evidence: None,
    }
}

/// The lists and stages a check on `client` gives for `plate`.
async fn hits(client: &Client, plate: &str) -> Vec<(String, String)> {
    let answers = client.check_plates(&[plate.to_string()]).await.unwrap();
    answers[0]
        .hits
        .iter()
        .map(|h| (h.list.clone(), h.stage.clone()))
        .collect()
}

/// Waits up to 5 s for a check on `client` to give `want` for `plate`.
async fn eventually(client: &Client, plate: &str, want: &[(&str, &str)]) -> Duration {
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(l, s)| (l.to_string(), s.to_string()))
        .collect();
    let start = Instant::now();
    loop {
        let got = hits(client, plate).await;
        if got == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{plate}: still {got:?}, want {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_right_after_a_change_on_the_same_server_sees_it() {
    let s = TestServer::start().await;
    let c = s.client();
    assert!(hits(&c, "苏A11111").await.is_empty());
    c.blacklist_step(&step("苏A11111", Action::Add, Some(Stage::Suspect)))
        .await
        .unwrap();
    assert_eq!(
        hits(&c, "苏a·11111").await,
        [("illegal-operation".to_string(), "suspect".to_string())]
    );
    c.blacklist_step(&step("苏A11111", Action::Promote, Some(Stage::Grey)))
        .await
        .unwrap();
    assert_eq!(
        hits(&c, "苏A11111").await,
        [("illegal-operation".to_string(), "grey".to_string())]
    );
    c.blacklist_step(&step("苏A11111", Action::Lift, None))
        .await
        .unwrap();
    assert!(hits(&c, "苏A11111").await.is_empty());
    let at = chrono::Utc::now() - chrono::Duration::days(1);
    c.add_violation(&NewViolation {
        plate: "苏B22222".into(),
        kind: ViolationKind::Overload,
        at,
    })
    .await
    .unwrap();
    let answers = c.check_plates(&["苏B22222".to_string()]).await.unwrap();
    let hit = &answers[0].hits;
    assert_eq!(hit.len(), 1, "{hit:?}");
    assert_eq!(hit[0].list, "muck-pass");
    assert_eq!(hit[0].why, "overload violation");
    assert_eq!(
        hit[0].until.map(|t| t.timestamp_millis()),
        Some((at + chrono::Duration::days(30)).timestamp_millis())
    );
    // A violation older than the suspension suspends nothing.
    c.add_violation(&NewViolation {
        plate: "苏B33333".into(),
        kind: ViolationKind::Speeding,
        at: chrono::Utc::now() - chrono::Duration::days(31),
    })
    .await
    .unwrap();
    assert!(hits(&c, "苏B33333").await.is_empty());
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_through_one_replica_is_seen_by_checks_on_another() {
    let s = TestServer::start().await;
    let mut b = s.replica().await;
    let on_a = s.client();
    let on_b = b.client(&s.admin);
    // Through B, seen on A.
    on_b.blacklist_step(&step("苏C33333", Action::Add, Some(Stage::Grey)))
        .await
        .unwrap();
    eventually(&on_a, "苏C33333", &[("illegal-operation", "grey")]).await;
    // Through A, seen on B.
    on_a.blacklist_step(&step("苏C33333", Action::Promote, Some(Stage::Black)))
        .await
        .unwrap();
    eventually(&on_b, "苏C33333", &[("illegal-operation", "black")]).await;
    on_b.add_violation(&NewViolation {
        plate: "苏C33333".into(),
        kind: ViolationKind::RedLight,
        at: chrono::Utc::now() - chrono::Duration::hours(1),
    })
    .await
    .unwrap();
    eventually(
        &on_a,
        "苏C33333",
        &[("illegal-operation", "black"), ("muck-pass", "suspended")],
    )
    .await;
    on_a.blacklist_step(&step("苏C33333", Action::Lift, None))
        .await
        .unwrap();
    eventually(&on_b, "苏C33333", &[("muck-pass", "suspended")]).await;
    b.stop().await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_started_later_loads_the_lists() {
    let s = TestServer::start().await;
    let c = s.client();
    c.blacklist_step(&step("苏D44444", Action::Add, Some(Stage::Suspect)))
        .await
        .unwrap();
    let mut b = s.replica().await;
    assert_eq!(
        hits(&b.client(&s.admin), "苏D44444").await,
        [("illegal-operation".to_string(), "suspect".to_string())]
    );
    b.stop().await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_revoked_on_another_replica_stops_working_within_the_cache_life() {
    let s = TestServer::start().await;
    let mut b = s.replica().await;
    let (patrol, token) = s.client_as(Role::Patrol).await;
    // Cached on A now.
    assert!(hits(&patrol, "苏E55555").await.is_empty());
    let id = s
        .client()
        .tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "patrol-user")
        .unwrap()
        .id;
    b.client(&s.admin).revoke_token(id).await.unwrap();
    // Revoked through B: refused on B at once, on A within 2 s (+ slack).
    assert!(
        b.client(&token)
            .check_plates(&["苏E55555".into()])
            .await
            .is_err()
    );
    let start = Instant::now();
    while patrol.check_plates(&["苏E55555".into()]).await.is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "still accepted on A"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.stop().await;
    s.finish().await;
}
