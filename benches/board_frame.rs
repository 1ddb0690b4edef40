//! One frame of the board with 10,000 open incidents and 208 teams, drawn
//! into an off-screen 120×40 buffer. Goal: ≤ 2 ms a frame, RSS ≤ 60 MB.
//! The peer is the same frame with 10 open incidents.
//!
//! `cargo bench --bench board_frame [-- INCIDENTS]`

use chrono::{Duration as Span, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use safedesk::client::StreamItem;
use safedesk::model::{Incident, IncidentStatus};
use safedesk::tui::action::{Action, apply};
use safedesk::tui::net::NetMsg;
use safedesk::tui::state::Board;
use safedesk::tui::theme::Theme;
use safedesk::tui::ui;
use std::time::{Duration, Instant};

fn incidents(n: usize) -> anyhow::Result<Vec<Incident>> {
    let elevators = safedesk::fixtures::elevators()?;
    let now = Utc::now();
    let statuses = [
        IncidentStatus::Reported,
        IncidentStatus::Dispatched,
        IncidentStatus::OnScene,
        IncidentStatus::Released,
    ];
    Ok((0..n)
        .map(|k| {
            let e = &elevators[k % elevators.len()];
            Incident {
                id: k as i64 + 1,
                status: statuses[k % 4],
                version: 1,
                priority: 1 + (k % 2) as i64,
                rescue_code: e.rescue_code.clone(),
                city: e.city.clone(),
                district: e.district.clone(),
                address: e.address.clone(),
                place_type: e.place_type,
                trapped: 1 + (k % 3) as i64,
                freed: None,
                vulnerable: Vec::new(),
                caller: Some("139****0000".into()),
                note: None,
                team: None,
                team_name: None,
                reported_at: now - Span::seconds((k % 2400) as i64),
                dispatched_at: None,
                on_scene_at: None,
                released_at: None,
                closed_at: None,
                cancelled_at: None,
                cancel_reason: None,
                escalated_at: None,
                escalation_reason: None,
                arrival_secs: None,
                rescue_secs: None,
                timeline: Vec::new(),
            }
        })
        .collect())
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The median frame time, and the RSS while the board holds its incidents.
fn frame_time(n: usize) -> anyhow::Result<(Duration, f64)> {
    let mut board = Board::new("127.0.0.1:9633", Utc::now());
    apply(
        &mut board,
        Action::Net(NetMsg::Stream(StreamItem::Connected)),
    );
    let snapshot = NetMsg::Snapshot {
        incidents: incidents(n)?,
        teams: safedesk::fixtures::teams()?,
    };
    apply(&mut board, Action::Net(snapshot));
    let theme = Theme::new(true);
    let mut terminal = Terminal::new(TestBackend::new(120, 40))?;
    let mut times = Vec::new();
    for tick in 0..201 {
        board.now = Utc::now() + Span::seconds(tick);
        let t = Instant::now();
        terminal.draw(|f| ui::draw(f, &board, &theme))?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], rss_mb()))
}

fn main() -> anyhow::Result<()> {
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    let (small, _) = frame_time(10)?;
    let (big, rss) = frame_time(n)?;
    println!(
        "board frame 120x40: {n} open incidents {:.3} ms, 10 open {:.3} ms, ratio {:.1}x; \
         RSS {rss:.1} MB (goal <= 2 ms: {}, <= 60 MB: {})",
        big.as_secs_f64() * 1e3,
        small.as_secs_f64() * 1e3,
        big.as_secs_f64() / small.as_secs_f64(),
        if big <= Duration::from_millis(2) {
            "met"
        } else {
            "MISSED"
        },
        if rss <= 60.0 { "met" } else { "MISSED" },
    );
    Ok(())
}
