//! `plate check` over HTTP against a bare axum hello-world in the same
//! process, under the same load: 64 concurrent clients for 5 s each, one
//! plate per request, half of them listed. Goal: ≥ 0.7× the hello-world's
//! requests/s, p99 ≤ 5 ms. Then a 1,000,000-plate file checked through the
//! client (batched requests), in plates/s.
//!
//! `cargo bench --bench plate_check [-- LISTED]`; `SAFEDESK_BENCH_PG=…`
//! for PostgreSQL (an empty database).

use axum::Router;
use axum::routing::get;
use safedesk::client::Client;
use safedesk::model::Role;
use safedesk::model::audit::Actor;
use safedesk::model::blacklist::{Action, Step};
use safedesk::server::{self, App};
use safedesk::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 64;
const RUN: Duration = Duration::from_secs(5);

fn plate(n: usize) -> String {
    format!("苏A{:05}", n % 100_000)
}

/// Requests/s and p99 of `CLIENTS` loops sending `send` for `RUN`.
async fn load<F, Fut>(send: F) -> (f64, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let send = Arc::new(send);
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let send = send.clone();
            tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut n = c;
                while start.elapsed() < RUN {
                    let t = Instant::now();
                    assert!(send(n).await, "a request failed");
                    lat.push(t.elapsed());
                    n += CLIENTS;
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let p99 = all[(all.len() as f64 * 0.99) as usize];
    (all.len() as f64 / secs, p99)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let listed: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(2_000);
    let dir = tempfile::tempdir()?;
    let store = match std::env::var("SAFEDESK_BENCH_PG") {
        Ok(url) => Store::connect(&url).await?,
        Err(_) => Store::open_sqlite(&dir.path().join("bench.db")).await?,
    };
    let db = store.backend().as_str();
    for n in 0..listed {
        let step = Step {
            plate: plate(n * 2),
            action: Action::Add,
            to: None,
            reason: "bench".into(),
            evidence: None,
        };
        store.blacklist_step(&step, Actor::system("bench")).await?;
    }
    let (token, _) = store
        .create_token("bench", Role::Patrol, None, Actor::system("bench"))
        .await?;
    let ours = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let api = format!("http://{}", ours.local_addr()?);
    tokio::spawn(server::serve(ours, App::new(store), std::future::pending()));
    let hello = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hello_url = format!("http://{}/", hello.local_addr()?);
    let hello_app = Router::new().route("/", get(|| async { "hello" }));
    tokio::spawn(async move { axum::serve(hello, hello_app).await });

    safedesk::client::init_crypto();
    let http = reqwest::Client::new();
    let (hello_rps, hello_p99) = load(move |_| {
        let http = http.clone();
        let url = hello_url.clone();
        async move {
            http.get(&url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    let client = Client::new(&api, Some(token.clone()))?;
    let (check_rps, check_p99) = load(move |n| {
        let client = client.clone();
        // Even numbers are listed: half the checks are hits.
        async move {
            client
                .check_plates(&[plate(n % (listed * 2))])
                .await
                .is_ok()
        }
    })
    .await;
    println!(
        "plate check ({db}, {listed} listed): {check_rps:.0} req/s, p99 {:.2} ms; axum hello-world \
         {hello_rps:.0} req/s, p99 {:.2} ms; ratio {:.2}x (goal >= 0.7x, p99 <= 5 ms)",
        check_p99.as_secs_f64() * 1e3,
        hello_p99.as_secs_f64() * 1e3,
        check_rps / hello_rps
    );

    let client = Client::new(&api, Some(token))?;
    let file: Vec<String> = (0..1_000_000).map(plate).collect();
    let t = Instant::now();
    let answers = client.check_plates(&file).await?;
    let secs = t.elapsed().as_secs_f64();
    let hits = answers.iter().filter(|a| !a.hits.is_empty()).count();
    println!(
        "plate file ({db}): 1,000,000 plates in {secs:.2} s, {:.0} plates/s, {hits} hits",
        1e6 / secs
    );
    Ok(())
}
