//! The live event stream: replay from `Last-Event-ID`, and a client that
//! loses the server and finds it again misses nothing and sees nothing twice.

mod common;

use common::TestServer;
use safedesk::client::{EventStream, StreamItem};
use safedesk::model::audit::Actor;
use safedesk::model::{Event, NewIncident, Transition};
use std::time::Duration;

fn call() -> NewIncident {
    NewIncident {
        rescue_code: "100301".into(),
        trapped: 1,
        ..Default::default()
    }
}

async fn next_item(stream: &mut EventStream) -> StreamItem {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("the stream answers within 10 s")
        .expect("the stream is still running")
}

async fn next_event(stream: &mut EventStream) -> Event {
    loop {
        if let StreamItem::Event(e) = next_item(stream).await {
            return e;
        }
    }
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

#[tokio::test(flavor = "multi_thread")]
async fn live_events_arrive_in_order_with_the_record() {
    let s = TestServer::start().await;
    let c = s.client();
    let mut stream = c.events(None);
    connected(&mut stream).await;
    let created = c.create_incident(&call()).await.unwrap();
    let e = next_event(&mut stream).await;
    assert_eq!(e.kind, "incident");
    assert_eq!(e.key, created.id.to_string());
    assert_eq!(e.data["status"], "reported");
    c.step(created.id, &Transition::Dispatch { team: None }, Some(1))
        .await
        .unwrap();
    let a = next_event(&mut stream).await;
    let b = next_event(&mut stream).await;
    assert_eq!((a.kind.as_str(), b.kind.as_str()), ("incident", "team"));
    assert!(a.id < b.id && e.id < a.id);
    assert_eq!(a.data["status"], "dispatched");
    assert_eq!(b.data["status"], "dispatched");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_late_client_replays_from_last_event_id() {
    let s = TestServer::start().await;
    let c = s.client();
    // The fixtures may have left events of their own; count from there.
    let base = s.store.last_event_id().await.unwrap();
    for _ in 0..5 {
        c.create_incident(&call()).await.unwrap();
    }
    let mut stream = c.events(Some(base + 2));
    connected(&mut stream).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(next_event(&mut stream).await.id);
    }
    assert_eq!(ids, [base + 3, base + 4, base + 5]);
    // A raw request with the header gets the same, as SSE text.
    let mut body = reqwest::Client::new()
        .get(format!("{}/api/v1/events", s.api))
        .bearer_auth(&s.admin)
        .header("Last-Event-ID", (base + 4).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(body.headers()["content-type"], "text/event-stream");
    let mut text = String::new();
    let fifth = format!("id: {}\n", base + 5);
    while !text.contains(&fifth) {
        let chunk = tokio::time::timeout(Duration::from_secs(5), body.chunk())
            .await
            .expect("a chunk within 5 s")
            .unwrap()
            .expect("the stream stays open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.contains("event: ready"), "{text}");
    assert!(text.contains("event: incident"), "{text}");
    let fourth = format!("\"id\":{},", base + 4);
    assert!(!text.contains(&fourth), "event 4 is not sent again: {text}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_loses_the_server_resumes_without_gaps_or_repeats() {
    let mut s = TestServer::start().await;
    let c = s.client();
    let mut stream = c.events(None);
    connected(&mut stream).await;
    let first = c.create_incident(&call()).await.unwrap();
    let mut seen = vec![next_event(&mut stream).await.id];

    s.stop().await;
    // Changes made while the client is cut off (straight into the store).
    let mut missed = Vec::new();
    for _ in 0..3 {
        let (_, events) = s
            .store
            .create_incident(&call(), Actor::system("test"))
            .await
            .unwrap();
        missed.extend(events.iter().map(|e| e.id));
    }
    // The client notices and keeps trying.
    loop {
        if let StreamItem::Reconnecting { .. } = next_item(&mut stream).await {
            break;
        }
    }
    s.restart().await;
    let c = s.client();
    c.step(
        first.id,
        &Transition::Note {
            text: "back".into(),
        },
        None,
    )
    .await
    .unwrap();
    let want = missed.len() + 1;
    let mut after = Vec::new();
    while after.len() < want {
        after.push(next_event(&mut stream).await.id);
    }
    seen.extend(&after);
    assert_eq!(
        &after[..missed.len()],
        &missed[..],
        "the missed events, in order"
    );
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen, "strictly increasing, no repeats: {seen:?}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_token_stops_the_stream_with_a_reason() {
    let s = TestServer::start().await;
    let c = safedesk::client::Client::new(&s.api, Some("sd_bogus".into())).unwrap();
    let mut stream = c.events(None);
    match next_item(&mut stream).await {
        StreamItem::Failed(why) => assert!(why.contains("unknown, revoked or expired"), "{why}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    s.finish().await;
}
