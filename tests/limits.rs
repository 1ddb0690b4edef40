//! What a caller may ask of the server: body sizes per route (413 as
//! problem JSON, nothing stored), a request rate per token (429 with
//! Retry-After, which the client waits out), and time limits on slow
//! clients that leave the event stream open. On SQLite, and on PostgreSQL
//! with `SAFEDESK_TEST_PG`.

mod common;

use common::{TestServer, code, stderr};
use safedesk::client::IncidentQuery;
use safedesk::model::{NewIncident, NewVessel, Role};
use safedesk::server::limits::{RateLimit, Timeouts};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const TEN_MB: usize = 10 * 1024 * 1024;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// How many audit rows there are (the newest one's id).
async fn audit_head(s: &TestServer) -> i64 {
    let page = s
        .client()
        .audit_page(&safedesk::client::AuditQuery {
            limit: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    page.items.first().map_or(0, |r| r.id)
}

async fn incident_count(s: &TestServer) -> usize {
    s.client()
        .all_incidents(&IncidentQuery::default(), 1_000_000)
        .await
        .unwrap()
        .len()
}

/// A problem answer's status, `detail` and headers.
async fn problem(r: reqwest::Response) -> (u16, String, reqwest::header::HeaderMap) {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let kind = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    assert_eq!(
        kind, "application/problem+json",
        "a {status} answer is problem JSON: {body}"
    );
    (
        status,
        body["detail"].as_str().unwrap_or("").to_string(),
        headers,
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_10_mb_body_is_refused_with_413_and_nothing_is_stored() {
    let s = TestServer::start().await;
    let incidents = incident_count(&s).await;

    // A well-formed incident whose note is 10 MB.
    let body = serde_json::to_vec(&serde_json::json!({
        "rescue_code": "100301",
        "trapped": 1,
        "note": "x".repeat(TEN_MB),
    }))
    .unwrap();
    let url = format!("{}/api/v1/incidents", s.api);
    let r = http()
        .post(&url)
        .bearer_auth(&s.admin)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let (status, detail, _) = problem(r).await;
    assert_eq!(status, 413, "{detail}");
    assert!(detail.contains("1 MB"), "names the limit: {detail}");
    assert!(detail.contains("POST /api/v1/incidents"), "{detail}");

    // The same without a Content-Length: refused once 1 MB has come.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let r = http()
        .post(&url)
        .bearer_auth(&s.admin)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    match r {
        Ok(r) => {
            let (status, detail, _) = problem(r).await;
            assert_eq!(status, 413, "{detail}");
            assert!(detail.contains("1 MB"), "{detail}");
        }
        // The server may close the connection before the upload ends.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }

    // A photo over 10 MB, to the route that takes 10 MB.
    let (maritime, _) = s.client_as(Role::Maritime).await;
    let vessel = maritime
        .create_vessel(&NewVessel {
            fields: safedesk::model::VesselFields {
                waterway: Some("长江".into()),
                city: Some("镇江市".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    let audit = audit_head(&s).await;
    let mut photo = vec![0xFF, 0xD8, 0xFF, 0xE0];
    photo.resize(TEN_MB + 1, 0);
    let r = http()
        .post(format!("{}/api/v1/vessels/{}/photos", s.api, vessel.id))
        .bearer_auth(&s.admin)
        .header("content-type", "image/jpeg")
        .body(photo)
        .send()
        .await
        .unwrap();
    let (status, detail, _) = problem(r).await;
    assert_eq!(status, 413, "{detail}");
    assert!(detail.contains("10 MB"), "{detail}");
    assert!(s.client().photos(vessel.id).await.unwrap().is_empty());

    // Nothing was stored, nor audited.
    assert_eq!(incident_count(&s).await, incidents);
    assert_eq!(audit_head(&s).await, audit);

    // The command says so in a sentence, exit 7.
    let big = s.path().join("big.jpg");
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.resize(TEN_MB + 1, 0);
    std::fs::write(&big, jpeg).unwrap();
    let out = s.run(&[
        "vessel",
        "photo",
        "add",
        &vessel.id.to_string(),
        big.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    assert!(stderr(&out).contains("10 MB"), "{}", stderr(&out));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_over_its_rate_gets_429_and_the_client_waits_and_retries() {
    let rate = RateLimit {
        per_sec: 1.0,
        burst: 3.0,
    };
    let s = TestServer::start_limited(Some(rate), Timeouts::default()).await;
    let (_, token) = s.client_as(Role::Viewer).await;
    let url = format!("{}/api/v1/teams/T0001", s.api);
    let h = http();
    for _ in 0..3 {
        let r = h.get(&url).bearer_auth(&token).send().await.unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = h.get(&url).bearer_auth(&token).send().await.unwrap();
    let (status, detail, headers) = problem(r).await;
    assert_eq!(status, 429, "{detail}");
    let after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&after), "Retry-After: {after}");
    assert!(detail.contains("Retry-After"), "{detail}");

    // Another token has a bucket of its own; health and the event stream
    // are not counted.
    let r = h.get(&url).bearer_auth(&s.admin).send().await.unwrap();
    assert_eq!(r.status(), 200);
    for _ in 0..10 {
        let r = h
            .get(format!("{}/api/v1/health", s.api))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let r = h
        .get(format!("{}/api/v1/events", s.api))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(r);

    // The client waits Retry-After and sends again: a POST too, since a
    // 429 was not processed.
    let (dispatcher, dtoken) = s.client_as(Role::Dispatcher).await;
    for _ in 0..3 {
        h.get(&url).bearer_auth(&dtoken).send().await.unwrap();
    }
    let started = Instant::now();
    let incident = dispatcher
        .create_incident(&NewIncident {
            rescue_code: "100301".into(),
            trapped: 1,
            ..Default::default()
        })
        .await
        .expect("sent again after the wait");
    assert!(started.elapsed() >= Duration::from_millis(900));
    let all = s
        .client()
        .all_incidents(&IncidentQuery::default(), 100)
        .await
        .unwrap();
    assert_eq!(
        all.iter().filter(|i| i.id == incident.id).count(),
        1,
        "made once"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_says_on_stderr_when_it_waits_more_than_a_second() {
    let rate = RateLimit {
        per_sec: 0.4,
        burst: 1.0,
    };
    let s = TestServer::start_limited(Some(rate), Timeouts::default()).await;
    let (_, token) = s.client_as(Role::Viewer).await;
    // Empty the bucket, then ask through the binary.
    http()
        .get(format!("{}/api/v1/teams/T0001", s.api))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let started = Instant::now();
    let out = tokio::task::spawn_blocking({
        let (api, token) = (s.api.clone(), token.clone());
        move || {
            common::bin()
                .args(["--api", &api, "--token", &token, "team", "show", "T0001"])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(started.elapsed() >= Duration::from_secs(2));
    let err = stderr(&out);
    assert!(
        err.contains("HTTP 429") && err.contains("waiting") && err.contains("sending again"),
        "{err}"
    );
    assert!(common::stdout(&out).contains("T0001"));
    s.finish().await;
}

#[test]
fn serve_refuses_a_rate_it_cannot_read() {
    let out = common::bin()
        .args(["serve", "--rate-limit", "fast"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("N/s"), "{}", stderr(&out));
}

/// Reads what the server sends until it closes the connection; the bytes,
/// and whether it closed within `within`.
fn read_until_closed(stream: &mut std::net::TcpStream, within: Duration) -> (String, bool) {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&got).into_owned(), true);
            }
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_clients_are_cut_off_and_the_event_stream_is_not() {
    let timeouts = Timeouts {
        header: Duration::from_secs(1),
        request: Duration::from_secs(2),
    };
    let s = TestServer::start_limited(None, timeouts).await;
    let addr = s.addr;
    let admin = s.admin.clone();

    // Half a request head, then nothing: closed after the header timeout.
    let half = tokio::task::spawn_blocking(move || {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.write_all(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .unwrap();
        let started = Instant::now();
        let (_, closed) = read_until_closed(&mut c, Duration::from_secs(10));
        (closed, started.elapsed())
    });
    // A whole head, then a body that never comes: 408 after the request
    // timeout.
    let body = tokio::task::spawn_blocking(move || {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        let head = format!(
            "POST /api/v1/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \
             {admin}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"rescue"
        );
        c.write_all(head.as_bytes()).unwrap();
        let started = Instant::now();
        let (answer, _) = read_until_closed(&mut c, Duration::from_secs(10));
        (answer, started.elapsed())
    });

    // Meanwhile an event stream, open longer than either timeout, still
    // brings a change made after them.
    let events = http()
        .get(format!("{}/api/v1/events", s.api))
        .bearer_auth(&s.admin)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);

    let (closed, took) = half.await.unwrap();
    assert!(closed, "a half-sent request head is not held open");
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    let (answer, took) = body.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("within 2 s"), "{answer}");
    assert!(took < Duration::from_secs(5), "{took:?}");

    tokio::time::sleep(Duration::from_millis(500)).await;
    let made = s
        .client()
        .create_incident(&NewIncident {
            rescue_code: "100301".into(),
            trapped: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let mut events = events;
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains(&format!("\"key\":\"{}\"", made.id)) {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, events.chunk())
            .await
            .expect("the stream brings the new incident")
            .expect("the stream is still open")
            .expect("the stream has not ended");
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("incident"), "{seen}");
    s.finish().await;
}
