//! The statistics answer with the published figures the fixtures carry.

mod common;

use common::{TestServer, code, json, stderr};

#[tokio::test(flavor = "multi_thread")]
async fn the_history_month_matches_the_published_figures() {
    let s = TestServer::start_with_history().await;
    let o = s.run(&[
        "--format",
        "json",
        "stats",
        "incidents",
        "--month",
        "2026-11",
        "--by",
        "city",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = json(&o);
    let rows = rows.as_array().unwrap();
    let suzhou = rows.iter().find(|r| r["group"] == "苏州市").unwrap();
    assert_eq!(suzhou["count"], 418);
    assert_eq!(suzhou["freed"], 665);
    assert_eq!(
        suzhou["avg_arrival_secs"].as_f64().unwrap().round(),
        767.0,
        "12 min 47 s"
    );
    assert_eq!(
        suzhou["avg_rescue_secs"].as_f64().unwrap().round(),
        173.0,
        "2 min 53 s"
    );
    let total = rows.last().unwrap();
    assert_eq!(total["group"], "total");
    assert_eq!(total["count"], 2460);
    let arrival_min = total["avg_arrival_secs"].as_f64().unwrap() / 60.0;
    let rescue_min = total["avg_rescue_secs"].as_f64().unwrap() / 60.0;
    assert!((arrival_min - 13.6).abs() < 0.05, "{arrival_min}");
    assert!((rescue_min - 5.0).abs() < 0.05, "{rescue_min}");

    // One day, by city, as CSV with a header.
    let o = s.run(&[
        "--format",
        "csv",
        "stats",
        "incidents",
        "--day",
        "2026-11-05",
        "--by",
        "city",
    ]);
    assert_eq!(code(&o), 0);
    let text = common::stdout(&o);
    assert!(text.starts_with("GROUP,COUNT,OPEN,FREED,"), "{text}");
    assert!(text.lines().last().unwrap().starts_with("total,"));

    // A month that is not one is a usage error.
    assert_eq!(
        code(&s.run(&["stats", "incidents", "--month", "2026-13"])),
        2
    );
    s.finish().await;
}
