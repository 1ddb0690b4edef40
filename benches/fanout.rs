//! One event to 1,000 live subscribers: how long from the write's start
//! until each subscriber's client hands the event on. Goal: p99 ≤ 250 ms.
//!
//! `cargo bench --bench fanout [-- SUBSCRIBERS EVENTS]`; with
//! `SAFEDESK_BENCH_PG=postgres://…` on that database instead of SQLite.

use safedesk::client::{Client, StreamItem};
use safedesk::model::audit::Actor;
use safedesk::model::{NewIncident, Role};
use safedesk::server::{self, App};
use safedesk::store::Store;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let subscribers = args.first().copied().unwrap_or(1000);
    let events = args.get(1).copied().unwrap_or(20);

    let dir = tempfile::tempdir()?;
    let store = match std::env::var("SAFEDESK_BENCH_PG") {
        Ok(url) => Store::connect(&url).await?,
        Err(_) => Store::open_sqlite(&dir.path().join("bench.db")).await?,
    };
    let db = store.backend().as_str();
    store.upsert_teams(&safedesk::fixtures::teams()?).await?;
    store
        .upsert_elevators(&safedesk::fixtures::elevators()?)
        .await?;
    let (token, _) = store
        .create_token("bench", Role::Admin, None, Actor::system("bench"))
        .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api = format!("http://{}", listener.local_addr()?);
    tokio::spawn(server::serve(
        listener,
        App::new(store),
        std::future::pending(),
    ));

    let (tx, mut rx) = mpsc::unbounded_channel::<(i64, Instant)>();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<()>();
    for _ in 0..subscribers {
        let client = Client::new(&api, Some(token.clone()))?;
        let tx = tx.clone();
        let ready = ready_tx.clone();
        tokio::spawn(async move {
            let mut stream = client.events(None);
            while let Some(item) = stream.next().await {
                match item {
                    StreamItem::Connected => {
                        let _ = ready.send(());
                    }
                    StreamItem::Event(e) => {
                        let _ = tx.send((e.id, Instant::now()));
                    }
                    _ => {}
                }
            }
        });
    }
    for _ in 0..subscribers {
        ready_rx.recv().await;
    }
    let writer = Client::new(&api, Some(token))?;
    let mut latencies = Vec::with_capacity(subscribers * events);
    for n in 0..events {
        let new = NewIncident {
            rescue_code: "100301".into(),
            trapped: 1 + n as i64 % 3,
            ..Default::default()
        };
        let start = Instant::now();
        writer.create_incident(&new).await?;
        for _ in 0..subscribers {
            let (_, at) = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await?
                .ok_or_else(|| anyhow::anyhow!("a subscriber went away"))?;
            latencies.push(at - start);
        }
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "fanout ({db}): {subscribers} subscribers x {events} events: p50 {:.1} ms, p99 {:.1} ms, \
         max {:.1} ms (goal p99 <= 250 ms: {})",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        pct(1.0).as_secs_f64() * 1e3,
        if pct(0.99) <= Duration::from_millis(250) {
            "met"
        } else {
            "MISSED"
        }
    );
    Ok(())
}
