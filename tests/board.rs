//! The dispatch board, tested at two of its three levels (DESIGN §9):
//! frames rendered into ratatui's `TestBackend` (insta snapshots), and
//! key → action → state. The third, the whole binary under tmux, is run
//! by hand (see the board's report).

use chrono::{DateTime, Duration, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use safedesk::client::StreamItem;
use safedesk::model::Suggestion;
use safedesk::model::{
    Event, Incident, IncidentStatus, PlaceType, Team, TeamStatus, TimelineEntry, Transition,
};
use safedesk::tui::action::{Action, apply};
use safedesk::tui::keys::action_for;
use safedesk::tui::net::{Command, NetMsg};
use safedesk::tui::state::{Board, Link, Mode, NoticeKind, Prompt, Purpose};
use safedesk::tui::theme::Theme;
use safedesk::tui::ui;
use safedesk::tui::wrap::width;

/// 14:32:08 in Nanjing.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 5, 6, 32, 8).unwrap()
}

fn ago(mins: i64, secs: i64) -> DateTime<Utc> {
    now() - Duration::seconds(mins * 60 + secs)
}

fn incident(
    id: i64,
    status: IncidentStatus,
    city: &str,
    district: &str,
    address: &str,
) -> Incident {
    Incident {
        id,
        status,
        version: 1,
        priority: 2,
        rescue_code: format!("{:06}", 100_000 + id),
        city: city.into(),
        district: district.into(),
        address: address.into(),
        place_type: PlaceType::Residence,
        trapped: 1,
        freed: None,
        vulnerable: vec![],
        caller: Some("139****0012".into()),
        note: None,
        team: None,
        team_name: None,
        reported_at: ago(5, 0),
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
        timeline: vec![],
    }
}

fn team(code: &str, name: &str, city: &str, status: TeamStatus, on: Option<i64>) -> Team {
    Team {
        code: code.into(),
        name: name.into(),
        company: "江苏长宁机电工程有限公司".into(),
        city: city.into(),
        district: "玄武区".into(),
        phone: "15859846246".into(),
        status,
        incident: on,
        version: 1,
    }
}

/// Incident 12 is past the 30-minute limit, 15 is amber, 17 has its team
/// on scene, 18 was just reported and handed to 119, 9 is released, 5 was
/// closed earlier today.
fn incidents() -> Vec<Incident> {
    use IncidentStatus::*;
    let mut i12 = incident(
        12,
        Dispatched,
        "南京市",
        "鼓楼区",
        "中山路321号江苏省人民医院门诊楼东侧 3号梯",
    );
    i12.place_type = PlaceType::Hospital;
    i12.priority = 1;
    i12.trapped = 2;
    i12.vulnerable = vec!["elderly".into()];
    i12.reported_at = ago(31, 5);
    i12.dispatched_at = Some(ago(29, 0));
    i12.team = Some("T0003".into());
    i12.team_name = Some("鼓楼区电梯救援一队".into());
    i12.note = Some("A栋 3号梯困人，乘客两名，维保人员已到场".into());
    i12.version = 3;
    i12.timeline = vec![
        TimelineEntry {
            at: ago(31, 5),
            actor: "王芳".into(),
            action: "reported".into(),
            detail: String::new(),
        },
        TimelineEntry {
            at: ago(29, 0),
            actor: "王芳".into(),
            action: "dispatch".into(),
            detail: "T0003 鼓楼区电梯救援一队".into(),
        },
    ];

    let mut i15 = incident(
        15,
        Reported,
        "连云港市",
        "海州区",
        "新浦街道朝阳东路88号锦华国际大厦B座 2单元1号梯",
    );
    i15.reported_at = ago(22, 10);

    let mut i17 = incident(17, OnScene, "苏州市", "姑苏区", "观前街商业广场 4号梯");
    i17.place_type = PlaceType::Mall;
    i17.reported_at = ago(14, 0);
    i17.dispatched_at = Some(ago(13, 0));
    i17.on_scene_at = Some(ago(5, 0));
    i17.arrival_secs = Some(9 * 60);
    i17.trapped = 3;
    i17.priority = 1;

    let mut i18 = incident(
        18,
        Reported,
        "徐州市",
        "云龙区",
        "潘塘街道丽景名邸8栋 4单元1号梯",
    );
    i18.place_type = PlaceType::School;
    i18.reported_at = ago(2, 30);
    i18.escalated_at = Some(ago(1, 0));
    i18.escalation_reason = Some("轿厢冒烟".into());

    let mut i9 = incident(
        9,
        Released,
        "南通市",
        "海安市",
        "曲塘镇团结路243号丽景写字楼 4号梯",
    );
    i9.place_type = PlaceType::Office;
    i9.reported_at = ago(50, 0);
    i9.on_scene_at = Some(ago(38, 0));
    i9.released_at = Some(ago(30, 0));
    i9.arrival_secs = Some(12 * 60);
    i9.rescue_secs = Some(8 * 60);
    i9.freed = Some(1);

    let mut i5 = incident(5, Closed, "南京市", "玄武区", "珠江路1号 1号梯");
    i5.reported_at = ago(200, 0);
    i5.arrival_secs = Some(16 * 60);

    vec![i12, i15, i17, i18, i9, i5]
}

fn teams() -> Vec<Team> {
    vec![
        team(
            "T0001",
            "玄武区电梯救援一队",
            "南京市",
            TeamStatus::Available,
            None,
        ),
        team(
            "T0003",
            "鼓楼区电梯救援一队",
            "南京市",
            TeamStatus::Dispatched,
            Some(12),
        ),
        team(
            "T0120",
            "海安市电梯救援二队",
            "南通市",
            TeamStatus::OffDuty,
            None,
        ),
        team(
            "T0160",
            "连云港市海州区电梯应急救援队",
            "连云港市",
            TeamStatus::Available,
            None,
        ),
        team(
            "T0171",
            "姑苏区电梯救援一队",
            "苏州市",
            TeamStatus::OnScene,
            Some(17),
        ),
    ]
}

/// A board that has connected and loaded, with incident 12 selected.
fn board() -> Board {
    let mut b = Board::new("127.0.0.1:9633", now());
    apply(&mut b, Action::Net(NetMsg::Stream(StreamItem::Connected)));
    apply(
        &mut b,
        Action::Net(NetMsg::Snapshot {
            incidents: incidents(),
            teams: teams(),
        }),
    );
    b
}

fn render(b: &Board, w: u16, h: u16, theme: Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| ui::draw(f, b, &theme)).unwrap();
    terminal
}

/// The screen as text, one line per row, each wide character once (the
/// backend's own view lists the cells hidden behind wide characters too).
fn screen(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            out.push_str(sym);
            skip = width(sym).saturating_sub(1);
        }
        out.push('\n');
    }
    out
}

fn assert_square(text: &str, w: usize) {
    for (n, line) in text.lines().enumerate() {
        assert_eq!(width(line), w, "row {n} is {} cells: {line:?}", width(line));
    }
}

fn row_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no row contains {needle:?}:\n{text}"))
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Presses keys as a dispatcher would; returns the commands they started.
fn press(b: &mut Board, keys: &[KeyCode]) -> Vec<Command> {
    let mut out = Vec::new();
    for k in keys {
        if let Some(a) = action_for(key(*k), &b.mode) {
            out.extend(apply(b, a));
        }
    }
    out
}

/// The open prompt; fails the test when there is none.
fn prompt(b: &Board) -> &Prompt {
    match &b.mode {
        Mode::Prompt(p) => p,
        other => panic!("no prompt open: {other:?}"),
    }
}

fn type_text(b: &mut Board, text: &str) -> Vec<Command> {
    let keys: Vec<KeyCode> = text.chars().map(KeyCode::Char).collect();
    press(b, &keys)
}

// ---- rendering ----

#[test]
fn frame_80x24() {
    let b = board();
    let t = render(&b, 80, 24, Theme::new(true));
    let text = screen(t.backend().buffer());

    assert_square(&text, 80);
    assert!(text.starts_with("┌ 96333 dispatch ─ api 127.0.0.1:9633 ─ live ● ─ 14:32:08 ─"));
    assert!(!text.contains("┬ teams"), "no teams pane at 80 columns");
    insta::assert_snapshot!("frame_80x24", text);
}

#[test]
fn frame_120x40() {
    let b = board();
    let t = render(&b, 120, 40, Theme::new(true));
    let text = screen(t.backend().buffer());

    assert_square(&text, 120);
    assert!(text.contains("┬ teams"));
    assert!(row_with(&text, "姑苏区电梯救援一队").contains("到场 #17"));
    insta::assert_snapshot!("frame_120x40", text);
}

#[test]
fn the_summary_counts_what_the_board_holds() {
    let s = board().summary();

    // Open: 12, 15, 17, 18, 9. Today: those and the closed 5.
    assert_eq!((s.open, s.today, s.teams_free), (5, 6, 2));
    // Arrivals today: 9, 12 and 16 minutes.
    assert!((s.avg_arrival_min.unwrap() - 37.0 / 3.0).abs() < 1e-9);
    assert_eq!(s.within_limit_pct, Some(100.0));
    let text = screen(
        render(&board(), 80, 24, Theme::new(true))
            .backend()
            .buffer(),
    );
    assert!(
        text.contains("open 5  today 6  avg arrival 12.3 min  within 30 min 100%  teams free 2")
    );
}

#[test]
fn rows_are_most_urgent_first() {
    let order: Vec<i64> = board().rows().iter().map(|i| i.id).collect();
    assert_eq!(order, [12, 15, 17, 18, 9]);
}

#[test]
fn an_overdue_row_carries_a_text_mark_and_red() {
    let b = board();
    let t = render(&b, 80, 24, Theme::new(true));
    let buf = t.backend().buffer();
    let text = screen(buf);

    let overdue = row_with(&text, "31:05");
    assert!(overdue.contains("31:05!"), "{overdue}");
    assert!(
        !row_with(&text, "22:10").contains("22:10!"),
        "amber is not marked"
    );
    let y = text.lines().position(|l| l.contains("31:05!")).unwrap() as u16;
    assert_eq!(buf[(4, y)].fg, Color::Red);
    let amber = text.lines().position(|l| l.contains("22:10")).unwrap() as u16;
    assert_eq!(buf[(4, amber)].fg, Color::Yellow);
}

#[test]
fn without_colour_an_overdue_row_is_reversed_and_nothing_is_coloured() {
    let b = board();
    let t = render(&b, 80, 24, Theme::new(false));
    let buf = t.backend().buffer();
    let text = screen(buf);

    let y = text.lines().position(|l| l.contains("31:05!")).unwrap() as u16;
    let mut hidden = 0;
    for x in 1..79 {
        // A cell behind a wide character is never drawn; the character's
        // own cell carries the style for both columns.
        let cell = &buf[(x, y)];
        if hidden == 0 {
            assert!(
                cell.modifier.contains(Modifier::REVERSED),
                "cell {x} not reversed"
            );
        }
        hidden = if hidden > 0 {
            hidden - 1
        } else {
            width(cell.symbol()).saturating_sub(1)
        };
    }
    for cell in &buf.content {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset));
    }
}

#[test]
fn a_chinese_address_is_cut_cleanly() {
    let text = screen(
        render(&board(), 80, 24, Theme::new(true))
            .backend()
            .buffer(),
    );

    let row = row_with(&text, "海州区");
    assert!(row.contains("…"), "the long address is cut: {row}");
    // Cut on a character boundary, and the TRAP column still lines up.
    let heading = row_with(&text, "ELAPSED");
    let trap = heading.find("TRAP").unwrap();
    assert_eq!(
        width(&heading[..trap + 4]),
        width(&row[..row.rfind('1').unwrap() + 1])
    );
}

#[test]
fn the_detail_pane_wraps_the_note_within_its_width() {
    let b = board();
    let text = screen(render(&b, 80, 40, Theme::new(true)).backend().buffer());
    assert_square(&text, 80);
    let note = row_with(&text, "note ");
    assert!(note.contains("note A栋 3号梯困人"), "{note}");
}

#[test]
fn a_small_terminal_gets_a_message_not_a_broken_board() {
    let text = screen(
        render(&board(), 50, 12, Theme::new(true))
            .backend()
            .buffer(),
    );
    assert!(text.contains("needs at least 60×16"), "{text}");
    assert_square(&text, 50);
}

#[test]
fn reconnecting_shows_in_the_header_and_status_line() {
    let mut b = board();
    let item = StreamItem::Reconnecting {
        reason: "connection refused".into(),
        retry_in: std::time::Duration::from_secs(2),
    };
    apply(&mut b, Action::Net(NetMsg::Stream(item)));
    let text = screen(render(&b, 80, 24, Theme::new(true)).backend().buffer());
    assert!(text.lines().next().unwrap().contains("reconnecting ○"));
    assert!(text.contains("live updates lost (connection refused); retrying in 2s"));
}

#[test]
fn the_chooser_lists_suggestions_over_the_board() {
    let mut b = board();
    press(&mut b, &[KeyCode::Down]); // 15, reported
    let cmds = press(&mut b, &[KeyCode::Char('d')]);
    assert!(
        matches!(cmds[..], [Command::FetchSuggestions(15)]),
        "{cmds:?}"
    );
    let suggestions = vec![
        Suggestion {
            team: team(
                "T0160",
                "连云港市海州区电梯应急救援队",
                "连云港市",
                TeamStatus::Available,
                None,
            ),
            reason: "同区县".into(),
        },
        Suggestion {
            team: team(
                "T0161",
                "连云港市连云区电梯救援一队",
                "连云港市",
                TeamStatus::Available,
                None,
            ),
            reason: "同城市".into(),
        },
    ];
    apply(
        &mut b,
        Action::Net(NetMsg::Suggestions {
            id: 15,
            teams: suggestions,
        }),
    );
    let text = screen(render(&b, 80, 24, Theme::new(true)).backend().buffer());
    assert_square(&text, 80);
    insta::assert_snapshot!("chooser_80x24", text);
}

#[test]
fn the_help_overlay_fits_80x24() {
    let mut b = board();
    press(&mut b, &[KeyCode::Char('?')]);
    let text = screen(render(&b, 80, 24, Theme::new(true)).backend().buffer());
    assert_square(&text, 80);
    assert!(text.contains("12:34!"));
    press(&mut b, &[KeyCode::Char('z')]);
    assert!(matches!(b.mode, Mode::Normal));
}

// ---- keys → actions → state ----

#[test]
fn j_and_k_move_the_selection_and_stop_at_the_ends() {
    let mut b = board();
    assert_eq!(b.selected, Some(12));

    press(&mut b, &[KeyCode::Char('j'), KeyCode::Char('j')]);
    assert_eq!(b.selected, Some(17));
    press(&mut b, &[KeyCode::Char('k')]);
    assert_eq!(b.selected, Some(15));
    press(&mut b, &[KeyCode::Up, KeyCode::Up, KeyCode::Char('k')]);
    assert_eq!(b.selected, Some(12));
    press(&mut b, &[KeyCode::Down; 9]);
    assert_eq!(b.selected, Some(9));
}

#[test]
fn moving_to_an_incident_fetches_its_timeline_once() {
    let mut b = board();
    let cmds = press(&mut b, &[KeyCode::Char('j')]);
    assert!(matches!(cmds[..], [Command::FetchIncident(15)]), "{cmds:?}");
    press(&mut b, &[KeyCode::Char('k')]);
    let cmds = press(&mut b, &[KeyCode::Char('j')]);
    assert!(cmds.is_empty(), "already on its way: {cmds:?}");
}

#[test]
fn x_asks_a_reason_then_confirms_then_cancels_at_the_version_seen() {
    let mut b = board();
    assert!(press(&mut b, &[KeyCode::Char('x')]).is_empty());
    assert_eq!(
        prompt(&b).purpose,
        Purpose::CancelReason { id: 12, version: 3 }
    );

    // An empty reason is refused and the prompt stays.
    assert!(press(&mut b, &[KeyCode::Enter]).is_empty());
    assert!(matches!(&b.mode, Mode::Prompt(p) if p.error.is_some()));

    type_text(&mut b, "误报");
    assert!(press(&mut b, &[KeyCode::Enter]).is_empty());
    assert!(matches!(&b.mode, Mode::Confirm(c) if c.id == 12));
    let text = screen(render(&b, 80, 24, Theme::new(true)).backend().buffer());
    assert!(text.contains("cancel incident 12 (误报)? y/n"));

    let cmds = press(&mut b, &[KeyCode::Char('y')]);
    let expected = Transition::Cancel {
        reason: "误报".into(),
    };
    assert!(
        matches!(&cmds[..], [Command::Step { id: 12, step, version: 3 }] if *step == expected),
        "{cmds:?}"
    );
    assert!(matches!(b.mode, Mode::Normal));
}

#[test]
fn n_at_the_confirmation_does_nothing() {
    let mut b = board();
    press(&mut b, &[KeyCode::Char('e')]);
    type_text(&mut b, "smoke");
    press(&mut b, &[KeyCode::Enter]);
    assert!(press(&mut b, &[KeyCode::Char('n')]).is_empty());
    assert!(matches!(b.mode, Mode::Normal));
}

#[test]
fn esc_cancels_a_prompt_and_sends_nothing() {
    let mut b = board();
    press(&mut b, &[KeyCode::Char('x')]);
    type_text(&mut b, "false alarm");
    let cmds = press(&mut b, &[KeyCode::Esc]);
    assert!(cmds.is_empty());
    assert!(matches!(b.mode, Mode::Normal));
    // Letters are keys again: j moves.
    press(&mut b, &[KeyCode::Char('j')]);
    assert_eq!(b.selected, Some(15));
}

#[test]
fn a_conflict_is_shown_as_a_conflict_and_the_record_refreshed() {
    let mut b = board();
    let cmds = press(&mut b, &[KeyCode::Char('j'), KeyCode::Char('d')]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::FetchSuggestions(15)))
    );
    let cmds = type_text(&mut b, "t0160");
    assert!(cmds.is_empty());
    let cmds = press(&mut b, &[KeyCode::Enter]);
    let Some(Command::Step {
        id: 15,
        version: 1,
        step,
    }) = cmds.first()
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(
        *step,
        Transition::Dispatch {
            team: Some("T0160".into())
        }
    );

    let mut now_15 = incidents().into_iter().find(|i| i.id == 15).unwrap();
    now_15.status = IncidentStatus::Cancelled;
    now_15.version = 2;
    let msg = NetMsg::Conflict {
        id: 15,
        sent_version: 1,
        detail: "incident 15 was changed by someone else".into(),
        current: Some(serde_json::to_value(&now_15).unwrap()),
    };
    let cmds = apply(&mut b, Action::Net(msg));

    let notice = b.notice.clone().unwrap();
    assert_eq!(notice.kind, NoticeKind::Conflict);
    assert_eq!(
        notice.text,
        "incident 15 changed by someone else — refreshed"
    );
    assert_eq!(b.incidents[&15].status, IncidentStatus::Cancelled);
    assert!(
        cmds.iter().any(|c| matches!(c, Command::FetchIncident(15))),
        "{cmds:?}"
    );
    assert!(
        !b.rows().iter().any(|i| i.id == 15),
        "a cancelled incident leaves the table"
    );
}

#[test]
fn a_busy_team_is_a_conflict_with_the_servers_words() {
    let mut b = board();
    let msg = NetMsg::Conflict {
        id: 12,
        sent_version: 3,
        detail: "team T0003 is dispatched and cannot be sent".into(),
        current: Some(
            serde_json::to_value(team(
                "T0003",
                "x",
                "南京市",
                TeamStatus::Dispatched,
                Some(12),
            ))
            .unwrap(),
        ),
    };
    apply(&mut b, Action::Net(msg));
    let notice = b.notice.clone().unwrap();
    assert_eq!(notice.kind, NoticeKind::Conflict);
    assert_eq!(
        notice.text,
        "incident 12: team T0003 is dispatched and cannot be sent"
    );
}

#[test]
fn other_failures_are_errors() {
    let mut b = board();
    let msg = NetMsg::Failed {
        id: Some(12),
        what: "arrive incident 12".into(),
        error: "the server failed (500): boom".into(),
    };
    apply(&mut b, Action::Net(msg));
    assert_eq!(b.notice.as_ref().unwrap().kind, NoticeKind::Error);
}

#[test]
fn a_step_not_allowed_from_the_state_is_refused_without_a_request() {
    let mut b = board();
    press(&mut b, &[KeyCode::Char('j')]); // 15 is reported: no arrival yet
    let cmds = press(&mut b, &[KeyCode::Char('o')]);
    assert!(cmds.is_empty());
    let notice = b.notice.clone().unwrap();
    assert_eq!(notice.kind, NoticeKind::Error);
    assert!(
        notice
            .text
            .contains("allowed now: dispatch, cancel, escalate"),
        "{}",
        notice.text
    );
}

#[test]
fn o_sends_arrive_with_the_version() {
    let mut b = board();
    let cmds = press(&mut b, &[KeyCode::Char('o')]);
    assert!(
        matches!(
            &cmds[..],
            [Command::Step {
                id: 12,
                step: Transition::Arrive,
                version: 3
            }]
        ),
        "{cmds:?}"
    );
}

#[test]
fn r_defaults_to_the_number_trapped() {
    let mut b = board();
    press(&mut b, &[KeyCode::Char('j'), KeyCode::Char('j')]); // 17, on scene
    press(&mut b, &[KeyCode::Char('r')]);
    let cmds = press(&mut b, &[KeyCode::Enter]);
    let expected = Transition::Release { freed: None };
    assert!(matches!(&cmds[..], [Command::Step { id: 17, step, .. }] if *step == expected));

    press(&mut b, &[KeyCode::Char('r')]);
    type_text(&mut b, "2");
    let cmds = press(&mut b, &[KeyCode::Enter]);
    let expected = Transition::Release { freed: Some(2) };
    assert!(matches!(&cmds[..], [Command::Step { id: 17, step, .. }] if *step == expected));
}

#[test]
fn n_asks_the_rescue_code_then_the_number_trapped() {
    let mut b = board();
    press(&mut b, &[KeyCode::Char('n')]);
    type_text(&mut b, "12345");
    press(&mut b, &[KeyCode::Enter]);
    let refused = prompt(&b).error.clone().unwrap_or_default();
    assert!(refused.contains("6 digits"), "{refused}");

    type_text(&mut b, "6");
    press(&mut b, &[KeyCode::Enter]);
    let asked = prompt(&b).purpose.clone();
    assert_eq!(
        asked,
        Purpose::Trapped {
            rescue_code: "123456".into()
        }
    );
    type_text(&mut b, "3");
    let cmds = press(&mut b, &[KeyCode::Enter]);
    assert!(
        matches!(&cmds[..], [Command::Create(n)] if n.rescue_code == "123456" && n.trapped == 3),
        "{cmds:?}"
    );
}

#[test]
fn the_filter_applies_as_typed_and_esc_clears_it() {
    let mut b = board();
    press(&mut b, &[KeyCode::Char('/')]);
    type_text(&mut b, "南京");
    let ids: Vec<i64> = b.rows().iter().map(|i| i.id).collect();
    assert_eq!(ids, [12]);
    assert!(b.team_rows().iter().all(|t| t.city == "南京市"));

    press(&mut b, &[KeyCode::Enter]);
    assert_eq!(b.filter, "南京");
    press(&mut b, &[KeyCode::Esc]);
    assert_eq!(b.filter, "");
    assert_eq!(b.rows().len(), 5);
}

#[test]
fn q_and_ctrl_c_quit_but_q_in_a_prompt_is_text() {
    let mut b = board();
    press(&mut b, &[KeyCode::Char('/')]);
    press(&mut b, &[KeyCode::Char('q')]);
    assert!(!b.quit);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let a = action_for(ctrl_c, &b.mode).unwrap();
    apply(&mut b, a);
    assert!(b.quit);

    let mut b = board();
    press(&mut b, &[KeyCode::Char('q')]);
    assert!(b.quit);
}

// ---- the live stream ----

fn event(id: i64, incident: &Incident) -> NetMsg {
    NetMsg::Stream(StreamItem::Event(Event {
        id,
        kind: "incident".into(),
        key: incident.id.to_string(),
        at: now(),
        data: serde_json::to_value(incident).unwrap(),
    }))
}

#[test]
fn the_snapshot_is_loaded_after_the_greeting() {
    let mut b = Board::new("x", now());
    let cmds = apply(&mut b, Action::Net(NetMsg::Stream(StreamItem::Connected)));
    assert_eq!(b.link, Link::Live);
    assert!(matches!(cmds[..], [Command::LoadSnapshot]));
}

#[test]
fn an_older_record_never_replaces_a_newer_one() {
    let mut b = board();
    let mut newer = b.incidents[&12].clone();
    newer.version = 5;
    newer.status = IncidentStatus::OnScene;
    apply(&mut b, Action::Net(event(100, &newer)));
    assert_eq!(b.incidents[&12].status, IncidentStatus::OnScene);

    // A snapshot read before that event arrives after it.
    apply(
        &mut b,
        Action::Net(NetMsg::Snapshot {
            incidents: incidents(),
            teams: vec![],
        }),
    );
    assert_eq!(b.incidents[&12].version, 5);
    assert_eq!(b.incidents[&12].status, IncidentStatus::OnScene);
}

#[test]
fn a_new_version_of_the_selected_incident_refetches_its_timeline() {
    let mut b = board();
    let mut newer = b.incidents[&12].clone();
    newer.version = 4;
    newer.timeline.clear();
    let cmds = apply(&mut b, Action::Net(event(101, &newer)));
    assert!(matches!(cmds[..], [Command::FetchIncident(12)]), "{cmds:?}");
}

#[test]
fn clocks_tick_from_amber_to_overdue() {
    let mut b = board();
    let i15 = b.incidents[&15].clone();
    assert_eq!(ui::elapsed_cell(&b, &i15), "22:10");
    apply(&mut b, Action::Tick(now() + Duration::seconds(8 * 60)));
    assert_eq!(ui::elapsed_cell(&b, &i15), "30:10!");
    let text = screen(render(&b, 80, 24, Theme::new(true)).backend().buffer());
    assert!(text.lines().next().unwrap().contains("14:40:08"));
}

#[test]
fn enter_shows_the_whole_detail_and_esc_goes_back() {
    let mut b = board();
    press(&mut b, &[KeyCode::Enter]);
    assert!(b.zoom);
    let text = screen(render(&b, 80, 24, Theme::new(true)).backend().buffer());
    assert_square(&text, 80);
    for line in text
        .lines()
        .filter(|l| l.contains("note") || l.contains("caller"))
    {
        assert!(width(line) == 80, "{line}");
    }
    insta::assert_snapshot!("detail_80x24", text);
    press(&mut b, &[KeyCode::Esc]);
    assert!(!b.zoom);
}

#[test]
fn a_popup_border_is_not_hidden_behind_a_wide_character() {
    // At 80×24 the help box starts at column 8, and the detail line
    // `南京 鼓楼区` has 鼓 in columns 7–8. A terminal draws 鼓 over the
    // border unless it is blanked, because ratatui sends no cell behind a
    // wide character (seen under tmux).
    let mut b = board();
    press(&mut b, &[KeyCode::Char('?')]);
    let t = render(&b, 80, 24, Theme::new(true));
    let buf = t.backend().buffer();
    let top = (0..24).find(|y| buf[(8, *y)].symbol() == "┌").unwrap();
    let bottom = (0..24).find(|y| buf[(8, *y)].symbol() == "└").unwrap();
    for y in top..=bottom {
        assert!(
            width(buf[(7, y)].symbol()) <= 1,
            "row {y}: {:?}",
            buf[(7, y)].symbol()
        );
    }
    let text = screen(buf);
    assert!(
        text.contains("南京 "),
        "the detail line is under the box: {text}"
    );
}
