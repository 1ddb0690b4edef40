//! Several servers on one database, as behind a load balancer: live events
//! cross between them, a client can resume on another replica, a race is
//! won once, and replicas starting together on an empty database agree.
//! Run on SQLite always and on PostgreSQL with `SAFEDESK_TEST_PG`.

mod common;

use common::TestServer;
use safedesk::client::{ClientError, EventStream, StreamItem};
use safedesk::model::{Event, NewIncident, Transition};
use safedesk::store::Store;
use std::time::Duration;

fn call() -> NewIncident {
    NewIncident {
        rescue_code: "100301".into(),
        trapped: 1,
        ..Default::default()
    }
}

async fn connected(stream: &mut EventStream) {
    loop {
        let item = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
        match item.expect("connects within 10 s").expect("stream running") {
            StreamItem::Connected => return,
            StreamItem::Failed(why) => panic!("{why}"),
            _ => {}
        }
    }
}

/// The next event, waiting at most `within`.
async fn event_within(stream: &mut EventStream, within: Duration) -> Event {
    tokio::time::timeout(within, async {
        loop {
            if let Some(StreamItem::Event(e)) = stream.next().await {
                return e;
            }
        }
    })
    .await
    .expect("the event arrives in time")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incident_made_on_one_replica_is_live_on_another_within_a_second() {
    let s = TestServer::start().await;
    let b = s.replica().await;
    let mut on_b = b.client(&s.admin).events(None);
    connected(&mut on_b).await;
    let made = s.client().create_incident(&call()).await.unwrap();
    let seen = event_within(&mut on_b, Duration::from_secs(1)).await;
    assert_eq!(seen.kind, "incident");
    assert_eq!(seen.key, made.id.to_string());
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_moving_from_one_replica_to_another_misses_nothing() {
    let s = TestServer::start().await;
    let mut b = s.replica().await;
    let mut on_b = b.client(&s.admin).events(None);
    connected(&mut on_b).await;
    s.client().create_incident(&call()).await.unwrap();
    let last = event_within(&mut on_b, Duration::from_secs(5)).await.id;

    // B goes away; the changes go on through A.
    drop(on_b);
    b.stop().await;
    let a = s.client();
    let mut made = Vec::new();
    for _ in 0..3 {
        let i = a.create_incident(&call()).await.unwrap();
        a.step(i.id, &Transition::Dispatch { team: None }, Some(i.version))
            .await
            .unwrap();
        made.push(i.id);
    }
    // The client resumes on A from the last id B gave it.
    let mut on_a = a.events(Some(last));
    connected(&mut on_a).await;
    let mut ids = Vec::new();
    let mut incidents = Vec::new();
    while incidents.len() < 6 {
        let e = event_within(&mut on_a, Duration::from_secs(5)).await;
        ids.push(e.id);
        if e.kind == "incident" {
            incidents.push(e.key.parse::<i64>().unwrap());
        }
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in order, once each: {ids:?}"
    );
    assert!(ids[0] > last, "nothing before the resume point again");
    let mut wanted: Vec<i64> = made.iter().flat_map(|id| [*id, *id]).collect();
    wanted.sort();
    incidents.sort();
    assert_eq!(incidents, wanted, "each made and each dispatched, once");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dispatches_racing_through_two_replicas_have_one_winner() {
    let s = TestServer::start().await;
    let b = s.replica().await;
    let i = s.client().create_incident(&call()).await.unwrap();
    let to_a = Transition::Dispatch {
        team: Some("T0120".into()),
    };
    let to_b = Transition::Dispatch {
        team: Some("T0119".into()),
    };
    let (ca, cb) = (s.client(), b.client(&s.admin));
    let (ra, rb) = tokio::join!(
        ca.step(i.id, &to_a, Some(i.version)),
        cb.step(i.id, &to_b, Some(i.version))
    );
    assert_eq!(ra.is_ok() as u8 + rb.is_ok() as u8, 1, "{ra:?} {rb:?}");
    let lost = ra.err().or(rb.err()).unwrap();
    assert!(matches!(lost, ClientError::Conflict { .. }), "{lost:?}");
    let now = s.client().incident(i.id).await.unwrap();
    assert_eq!(now.version, 2);
    // Only the winner's team is out.
    let teams = [
        s.client().team("T0120").await.unwrap(),
        s.client().team("T0119").await.unwrap(),
    ];
    let out = teams
        .iter()
        .filter(|t| t.status.as_str() == "dispatched")
        .count();
    assert_eq!(out, 1);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replicas_starting_together_on_an_empty_database_make_one_admin() {
    let dir = tempfile::tempdir().unwrap();
    let (url, name) = common::fresh_database(dir.path()).await;
    let starts = (0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move {
            let store = Store::connect(&url)
                .await
                .expect("migrates without failing");
            let made = store.ensure_admin_token().await.expect("first start");
            store.close().await;
            made.is_some()
        })
    });
    let mut admins = 0;
    for s in starts {
        admins += s.await.unwrap() as usize;
    }
    assert_eq!(admins, 1, "exactly one replica made the admin token");
    let store = Store::connect(&url).await.unwrap();
    let tokens = store.list_tokens().await.unwrap();
    assert_eq!(tokens.len(), 1);
    store.close().await;
    common::drop_database(name).await;
}
