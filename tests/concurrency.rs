//! Field case 12: several writers at once on SQLite. No request fails with
//! "database is locked", and every accepted write is there.

mod common;

use common::TestServer;
use safedesk::model::{NewIncident, Transition};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_land() {
    let s = TestServer::start().await;
    let codes: Vec<String> = safedesk::fixtures::elevators()
        .unwrap()
        .into_iter()
        .map(|e| e.rescue_code)
        .take(400)
        .collect();
    // Two bulk writers, each a stream of creations and steps.
    let mut tasks = Vec::new();
    for w in 0..2 {
        let c = s.client();
        let codes = codes.clone();
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            for code in codes.iter().skip(w).step_by(2).take(150) {
                let new = NewIncident {
                    rescue_code: code.clone(),
                    trapped: 1,
                    ..Default::default()
                };
                let i = c.create_incident(&new).await.expect("create under load");
                c.step(
                    i.id,
                    &Transition::Note {
                        text: format!("writer {w}"),
                    },
                    None,
                )
                .await
                .expect("note under load");
                made.push(i.id);
            }
            made
        }));
    }
    // And a board creating an incident every 100 ms meanwhile.
    let c = s.client();
    let board = tokio::spawn(async move {
        let mut made = Vec::new();
        for _ in 0..20 {
            let new = NewIncident {
                rescue_code: "100301".into(),
                trapped: 2,
                ..Default::default()
            };
            made.push(c.create_incident(&new).await.expect("board create").id);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        made
    });
    let mut accepted = board.await.unwrap();
    for t in tasks {
        accepted.extend(t.await.unwrap());
    }
    let all = s
        .client()
        .all_incidents(&Default::default(), 10_000)
        .await
        .unwrap();
    assert_eq!(all.len(), accepted.len());
    let mut ids: Vec<i64> = all.iter().map(|i| i.id).collect();
    ids.sort();
    accepted.sort();
    assert_eq!(ids, accepted, "every accepted write is there, once");
    assert!(
        all.iter()
            .filter(|i| i.trapped == 1)
            .all(|i| i.version == 2)
    );
    s.finish().await;
}
