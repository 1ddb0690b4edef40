//! The panes, drawn from the [`Board`] alone.
//!
//! Panes share their borders (ratatui's border merging draws the `├ ┬ ┴ ┤`
//! joints). Every cell of text is cut and padded in display cells by
//! [`super::wrap`], so Chinese text lines up and no row is wider than its
//! pane.

use super::state::{Board, Chooser, Confirm, Link, Mode, NoticeKind, Prompt, Purpose, Urgency};
use super::theme::{Theme, Tone};
use super::wrap::{fit, fit_right, truncate, width, wrap, wrap_after};
use crate::model::time::{clock, elapsed};
use crate::model::{Incident, Team, TeamStatus, city};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::symbols::merge::MergeStrategy;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// The smallest terminal the board draws into; below it, a message.
pub const MIN_WIDTH: u16 = 60;
/// See [`MIN_WIDTH`].
pub const MIN_HEIGHT: u16 = 16;
/// From this width the teams pane is shown.
pub const TEAMS_FROM_WIDTH: u16 = 100;
/// The text mark of an incident past the arrival limit, after its clock.
pub const OVERDUE_MARK: &str = "!";

/// Where each pane goes. Neighbouring panes overlap by one cell: the
/// border they share.
#[derive(Debug, Clone, Copy)]
struct Areas {
    header: Rect,
    incidents: Option<Rect>,
    teams: Option<Rect>,
    detail: Rect,
    timeline: Rect,
    footer: Rect,
}

fn areas(area: Rect, zoom: bool) -> Areas {
    let (x, y, w, h) = (area.x, area.y, area.width, area.height);
    let header = Rect::new(x, y, w, 3);
    let footer = Rect::new(x, y + h - 4, w, 4);
    // Body and detail stand between the header's bottom border (row 2) and
    // the footer's top border (row h - 4), sharing one border row.
    let shared = h - 4;
    let detail_h = if zoom {
        shared - 1
    } else {
        (shared * 2 / 5).clamp(6, 14)
    };
    let body_h = shared - detail_h;
    let (incidents, teams) = if zoom {
        (None, None)
    } else if w >= TEAMS_FROM_WIDTH {
        let tw = if w >= 120 { 38 } else { 34 };
        (
            Some(Rect::new(x, y + 2, w - tw + 1, body_h)),
            Some(Rect::new(x + w - tw, y + 2, tw, body_h)),
        )
    } else {
        (Some(Rect::new(x, y + 2, w, body_h)), None)
    };
    let detail_y = y + 2 + if zoom { 0 } else { body_h - 1 };
    let split = w / 2;
    Areas {
        header,
        incidents,
        teams,
        detail: Rect::new(x, detail_y, split + 1, detail_h),
        timeline: Rect::new(x + split, detail_y, w - split, detail_h),
        footer,
    }
}

fn pane<'a>(title: impl Into<Line<'a>>) -> Block<'a> {
    Block::bordered()
        .title(title)
        .merge_borders(MergeStrategy::Exact)
}

/// Draws the whole board into `frame`.
pub fn draw(frame: &mut Frame, board: &Board, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "the board needs at least {MIN_WIDTH}×{MIN_HEIGHT} (80×24 is best); \
             this terminal is {}×{}",
            area.width, area.height
        );
        let lines: Vec<Line> = wrap(&text, area.width as usize)
            .into_iter()
            .map(Line::from)
            .collect();
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }

    let a = areas(area, board.zoom);
    header(frame, a.header, board, theme);
    if let Some(r) = a.incidents {
        incidents(frame, r, board, theme);
    }
    if let Some(r) = a.teams {
        teams(frame, r, board, theme);
    }
    detail(frame, a.detail, board, theme);
    timeline(frame, a.timeline, board, theme);
    footer(frame, a.footer, board, theme);
    match &board.mode {
        Mode::Help => help(frame, area, theme),
        Mode::Choose(c) => chooser(frame, area, c, board, theme),
        _ => {}
    }
}

fn link_span(link: &Link, theme: &Theme) -> Span<'static> {
    match link {
        Link::Connecting => Span::styled("connecting ○", theme.style(Tone::Dim)),
        Link::Live => Span::styled("live ●", theme.style(Tone::Live)),
        Link::Reconnecting { .. } => Span::styled("reconnecting ○", theme.style(Tone::Down)),
        Link::Failed(_) => Span::styled("offline ✕", theme.style(Tone::Down)),
    }
}

fn header(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme) {
    // The scheme says nothing to a dispatcher unless it is https.
    let api = board.api_label.trim_start_matches("http://");
    let api = truncate(api, (area.width as usize).saturating_sub(50).max(8));
    let title = Line::from(vec![
        Span::styled(" 96333 dispatch", theme.style(Tone::Heading)),
        Span::raw(format!(" ─ api {api} ─ ")),
        link_span(&board.link, theme),
        Span::raw(format!(" ─ {} ", clock(board.now))),
    ]);
    let block = pane(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let s = board.summary();
    let dash = || "–".to_string();
    let figures = [
        ("open", s.open.to_string()),
        ("today", s.today.to_string()),
        (
            "avg arrival",
            s.avg_arrival_min
                .map_or_else(dash, |m| format!("{m:.1} min")),
        ),
        (
            "within 30 min",
            s.within_limit_pct.map_or_else(dash, |p| format!("{p:.0}%")),
        ),
        ("teams free", s.teams_free.to_string()),
    ];
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (label, value) in figures {
        let piece = width(label) + 1 + width(&value) + 2;
        if used + piece > inner.width as usize {
            break;
        }
        used += piece;
        spans.push(Span::raw(format!("{label} ")));
        spans.push(Span::styled(value, theme.style(Tone::Heading)));
        spans.push(Span::raw("  "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), inner);
}

/// Column widths of the incidents table; PLACE takes what is left.
const MARK_W: usize = 2;
const ELAPSED_W: usize = 8;
const STATE_W: usize = 10;
const P_W: usize = 1;
const CITY_W: usize = 6;
const TRAP_W: usize = 4;
const FIXED_W: usize = MARK_W + ELAPSED_W + STATE_W + P_W + CITY_W + TRAP_W + 5;

fn place_text(i: &Incident) -> String {
    let escalated = if i.escalated_at.is_some() { "119 " } else { "" };
    format!(
        "{escalated}{} {} {}",
        i.place_type.label(),
        i.district,
        i.address
    )
}

/// The ELAPSED cell: a clock, with the text mark when overdue, so the row
/// reads without colour.
pub fn elapsed_cell(board: &Board, i: &Incident) -> String {
    let mark = match board.urgency(i) {
        Urgency::Overdue => OVERDUE_MARK,
        _ => "",
    };
    format!("{}{mark}", elapsed(board.elapsed(i)))
}

fn incident_line(board: &Board, i: &Incident, cells: usize, theme: &Theme) -> Line<'static> {
    let selected = board.selected == Some(i.id);
    let urgency = board.urgency(i);
    let row_tone = match urgency {
        Urgency::Overdue => Tone::Overdue,
        _ if !i.status.is_trapped() => Tone::Dim,
        _ => Tone::Plain,
    };
    let clock_tone = match urgency {
        Urgency::Warn => Tone::Warn,
        _ => row_tone,
    };
    let place_w = cells.saturating_sub(FIXED_W);
    let spans = vec![
        Span::raw(if selected { "▶ " } else { "  " }),
        Span::styled(
            fit(&elapsed_cell(board, i), ELAPSED_W),
            theme.style(clock_tone),
        ),
        Span::raw(format!(
            " {} {} {} {} {}",
            fit(i.status.as_str(), STATE_W),
            fit(&i.priority.to_string(), P_W),
            fit(city::short_name(&i.city), CITY_W),
            fit(&place_text(i), place_w),
            fit_right(&i.trapped.to_string(), TRAP_W),
        )),
    ];
    let mut style = theme.style(row_tone);
    if selected {
        style = style.patch(theme.style(Tone::Selected));
    }
    Line::from(spans).style(style)
}

fn incidents(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme) {
    let rows = board.rows();
    let total = board
        .incidents
        .values()
        .filter(|i| i.status.is_open())
        .count();
    let title = if board.filter.is_empty() {
        format!(" incidents {total} ")
    } else {
        let f = truncate(&board.filter, 16);
        format!(" incidents {} of {total} · filter {f} ", rows.len())
    };
    let block = pane(Span::styled(title, theme.style(Tone::Heading)));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let cells = inner.width as usize;
    let heading = format!(
        "{}{} {} {} {} {} {}",
        " ".repeat(MARK_W),
        fit("ELAPSED", ELAPSED_W),
        fit("STATE", STATE_W),
        fit("P", P_W),
        fit("CITY", CITY_W),
        fit("PLACE", cells.saturating_sub(FIXED_W)),
        fit_right("TRAP", TRAP_W),
    );
    let mut lines = vec![Line::styled(
        fit(&heading, cells),
        theme.style(Tone::Heading),
    )];

    let visible = (inner.height as usize).saturating_sub(1);
    if rows.is_empty() {
        let text = match (&board.link, board.loaded) {
            (Link::Connecting, false) => "connecting to the server…".to_string(),
            (_, false) => "loading incidents…".to_string(),
            _ if !board.filter.is_empty() => format!("no open incident matches `{}`", board.filter),
            _ => "no open incidents".to_string(),
        };
        lines.push(Line::styled(
            fit(&format!("  {text}"), cells),
            theme.style(Tone::Dim),
        ));
    }
    let at = board
        .selected
        .and_then(|id| rows.iter().position(|i| i.id == id))
        .unwrap_or(0);
    let offset = (at + 1).saturating_sub(visible);
    for i in rows.iter().skip(offset).take(visible) {
        lines.push(incident_line(board, i, cells, theme));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn team_label(t: &Team) -> String {
    match t.incident {
        Some(id) if t.status != TeamStatus::Available => format!("{} #{id}", t.status.label()),
        _ => t.status.label().to_string(),
    }
}

fn teams(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme) {
    let block = pane(Span::styled(" teams ", theme.style(Tone::Heading)));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let rows = board.team_rows();
    let cells = inner.width as usize;
    let height = inner.height as usize;
    let shown = if rows.len() > height {
        height.saturating_sub(1)
    } else {
        rows.len()
    };
    let mut lines: Vec<Line> = rows
        .iter()
        .take(shown)
        .map(|t| {
            let tone = match t.status {
                TeamStatus::Available => Tone::Live,
                TeamStatus::OffDuty => Tone::Dim,
                _ => Tone::Plain,
            };
            // The status sits at the right edge; the name gives way to it.
            let label = team_label(t);
            let name_w = cells.saturating_sub(CITY_W + width(&label) + 4);
            let text = format!(
                " {} {} {label} ",
                fit(city::short_name(&t.city), CITY_W),
                fit(&t.name, name_w),
            );
            Line::styled(fit(&text, cells), theme.style(tone))
        })
        .collect();
    if rows.len() > shown {
        let more = format!(" … {} more", rows.len() - shown);
        lines.push(Line::styled(fit(&more, cells), theme.style(Tone::Dim)));
    }
    if rows.is_empty() && board.loaded {
        lines.push(Line::styled(
            fit(" no team matches", cells),
            theme.style(Tone::Dim),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The fields of the selected incident, wrapped to `cells`.
fn detail_lines(board: &Board, i: &Incident, cells: usize) -> Vec<(String, Tone)> {
    let mut out: Vec<(String, Tone)> = Vec::new();
    let mut add = |text: String, tone: Tone| {
        for line in wrap(&text, cells) {
            out.push((line, tone));
        }
    };
    let tone = match board.urgency(i) {
        Urgency::Overdue => Tone::Overdue,
        Urgency::Warn => Tone::Warn,
        Urgency::Normal => Tone::Heading,
    };
    add(
        format!(
            "#{} {} · P{} · {}",
            i.id,
            i.status,
            i.priority,
            elapsed_cell(board, i)
        ),
        tone,
    );
    add(
        format!(
            "{} {} · {} · 救援码 {}",
            city::short_name(&i.city),
            i.district,
            i.place_type.label(),
            i.rescue_code
        ),
        Tone::Plain,
    );
    add(i.address.clone(), Tone::Plain);
    let mut people = format!("trapped {}", i.trapped);
    if !i.vulnerable.is_empty() {
        people.push_str(&format!(" ({})", i.vulnerable.join(", ")));
    }
    if let Some(n) = i.freed {
        people.push_str(&format!(" · freed {n}"));
    }
    add(people, Tone::Plain);
    if let Some(team) = &i.team {
        let name = i.team_name.as_deref().unwrap_or("");
        add(format!("team {team} {name}"), Tone::Plain);
    }
    let mut clocks = Vec::new();
    if let Some(s) = i.arrival_secs {
        clocks.push(format!("arrival {}", elapsed(s)));
    }
    if let Some(s) = i.rescue_secs {
        clocks.push(format!("rescue {}", elapsed(s)));
    }
    if !clocks.is_empty() {
        add(clocks.join(" · "), Tone::Plain);
    }
    if let Some(c) = &i.caller {
        add(format!("caller {c}"), Tone::Plain);
    }
    if let Some(note) = i.note.as_deref().filter(|n| !n.trim().is_empty()) {
        out.extend(
            wrap_after("note ", note, cells)
                .into_iter()
                .map(|l| (l, Tone::Plain)),
        );
    }
    if let Some(at) = i.escalated_at {
        let why = i.escalation_reason.as_deref().unwrap_or("");
        let lead = format!("119 {} ", clock(at));
        out.extend(
            wrap_after(&lead, why, cells)
                .into_iter()
                .map(|l| (l, Tone::Warn)),
        );
    }
    out
}

fn styled_lines(lines: Vec<(String, Tone)>, cells: usize, theme: &Theme) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|(text, tone)| Line::styled(fit(&text, cells), theme.style(tone)))
        .collect()
}

fn detail(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme) {
    let title = match (board.zoom, board.selected) {
        (true, Some(id)) => format!(" incident {id} · Esc back "),
        _ => " detail ".to_string(),
    };
    let block = pane(Span::styled(title, theme.style(Tone::Heading)));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // A cell of margin on each side.
    let cells = inner.width.saturating_sub(2) as usize;
    let lines = match board.selected_incident() {
        Some(i) => detail_lines(board, i, cells),
        None => vec![("no incident selected".to_string(), Tone::Dim)],
    };
    let lines: Vec<(String, Tone)> = lines
        .into_iter()
        .map(|(text, tone)| (format!(" {text}"), tone))
        .collect();
    frame.render_widget(
        Paragraph::new(styled_lines(lines, inner.width as usize, theme)),
        inner,
    );
}

fn timeline(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme) {
    let block = pane(Span::styled(" timeline ", theme.style(Tone::Heading)));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    // A cell of margin on each side.
    let cells = inner.width.saturating_sub(2) as usize;
    let mut lines: Vec<(String, Tone)> = Vec::new();
    match board.selected.map(|id| (id, board.timelines.get(&id))) {
        Some((_, Some((_, entries)))) => {
            for e in entries {
                let lead = format!("{} ", clock(e.at));
                let mut text = e.action.clone();
                if !e.detail.is_empty() {
                    text.push(' ');
                    text.push_str(&e.detail);
                }
                text.push_str(&format!(" · {}", e.actor));
                for line in wrap_after(&lead, &text, cells) {
                    lines.push((line, Tone::Plain));
                }
            }
        }
        Some((id, None)) if board.fetching.contains(&id) => {
            lines.push(("loading…".to_string(), Tone::Dim));
        }
        Some(_) => lines.push(("Enter shows the timeline".to_string(), Tone::Dim)),
        None => {}
    }
    // The newest entries are the ones that matter: keep the last that fit.
    let skip = lines.len().saturating_sub(inner.height as usize);
    let lines: Vec<(String, Tone)> = lines
        .into_iter()
        .skip(skip)
        .map(|(text, tone)| (format!(" {text}"), tone))
        .collect();
    frame.render_widget(
        Paragraph::new(styled_lines(lines, inner.width as usize, theme)),
        inner,
    );
}

fn question(prompt: &Prompt) -> String {
    match &prompt.purpose {
        Purpose::RescueCode => "new incident · rescue code (6 digits): ".to_string(),
        Purpose::Trapped { rescue_code } => {
            format!("rescue code {rescue_code} · persons trapped [1]: ")
        }
        Purpose::Freed { id, trapped, .. } => {
            format!("incident {id} released · persons freed [{trapped}]: ")
        }
        Purpose::CancelReason { id, .. } => format!("cancel incident {id} · reason: "),
        Purpose::EscalateReason { id, .. } => format!("hand incident {id} to 119 · reason: "),
        Purpose::Filter => "filter (city or text): ".to_string(),
    }
}

fn confirm_question(c: &Confirm) -> String {
    use crate::model::Transition;
    match &c.step {
        Transition::Cancel { reason } => format!("cancel incident {} ({reason})? y/n", c.id),
        Transition::Escalate { reason } => {
            format!("hand incident {} to 119 ({reason})? y/n", c.id)
        }
        other => format!("{} incident {}? y/n", other.name(), c.id),
    }
}

/// Key hints for the mode, as (key, meaning).
fn hints(board: &Board) -> Vec<(&'static str, &'static str)> {
    match &board.mode {
        Mode::Normal if board.zoom => vec![
            ("Esc", "back"),
            ("d", "dispatch"),
            ("o", "on scene"),
            ("r", "released"),
            ("c", "close"),
            ("x", "cancel"),
            ("e", "119"),
            ("?", "help"),
        ],
        Mode::Normal => vec![
            ("d", "dispatch"),
            ("o", "on scene"),
            ("r", "released"),
            ("c", "close"),
            ("x", "cancel"),
            ("e", "119"),
            ("n", "new"),
            ("/", "filter"),
            ("⏎", "detail"),
            ("q", "quit"),
            ("?", "help"),
        ],
        Mode::Help => vec![("any key", "close")],
        Mode::Prompt(p) if p.purpose == Purpose::Filter => vec![("⏎", "keep"), ("Esc", "clear")],
        Mode::Prompt(_) => vec![("⏎", "ok"), ("Esc", "cancel")],
        Mode::Confirm(_) => vec![("y", "yes"), ("n", "no")],
        Mode::Choose(_) => vec![
            ("↑↓", "choose"),
            ("⏎", "send"),
            ("T0001", "type a code"),
            ("Esc", "back"),
        ],
    }
}

/// The hints that fit in `cells`; `? help` is always kept when it fits.
fn hint_line(board: &Board, cells: usize, theme: &Theme) -> Line<'static> {
    let all = hints(board);
    let cost = |(k, m): &(&str, &str)| width(k) + 1 + width(m) + 2;
    let reserved = all.iter().filter(|h| h.0 == "?").map(cost).sum::<usize>();
    let mut used = 1 + reserved;
    let mut spans = vec![Span::raw(" ")];
    for h in &all {
        if h.0 != "?" {
            if used + cost(h) > cells {
                continue;
            }
            used += cost(h);
        } else if used > cells {
            continue;
        }
        spans.push(Span::styled(h.0, theme.style(Tone::Key)));
        spans.push(Span::raw(format!(" {}  ", h.1)));
    }
    Line::from(spans)
}

fn footer(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme) {
    let block = pane("");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cells = inner.width as usize;
    let status_area = Rect::new(inner.x, inner.y, inner.width, 1);
    let hint_area = Rect::new(inner.x, inner.y + 1, inner.width, 1);

    let status = match &board.mode {
        Mode::Prompt(p) => {
            let q = question(p);
            let mut spans = vec![
                Span::styled(format!(" {q}"), theme.style(Tone::Heading)),
                Span::raw(p.input.clone()),
            ];
            let x = inner.x as usize + 1 + width(&q) + width(&p.input);
            if x < inner.right() as usize {
                frame.set_cursor_position(Position::new(x as u16, inner.y));
            }
            if let Some(e) = &p.error {
                spans.push(Span::styled(format!("  {e}"), theme.style(Tone::Error)));
            }
            Line::from(spans)
        }
        Mode::Confirm(c) => Line::styled(
            format!(
                " {}",
                truncate(&confirm_question(c), cells.saturating_sub(1))
            ),
            theme.style(Tone::Conflict),
        ),
        _ => status_line(board, cells, theme),
    };
    frame.render_widget(Paragraph::new(status), status_area);
    frame.render_widget(Paragraph::new(hint_line(board, cells, theme)), hint_area);
}

fn status_line(board: &Board, cells: usize, theme: &Theme) -> Line<'static> {
    let (text, tone) = match (&board.notice, &board.link) {
        (Some(n), _) => {
            let tone = match n.kind {
                NoticeKind::Info => Tone::Plain,
                NoticeKind::Conflict => Tone::Conflict,
                NoticeKind::Error => Tone::Error,
            };
            (n.text.clone(), tone)
        }
        (None, Link::Reconnecting { reason, retry_in }) => (
            format!(
                "live updates lost ({reason}); retrying in {}s",
                retry_in.as_secs().max(1)
            ),
            Tone::Down,
        ),
        (None, Link::Failed(reason)) => (format!("live updates refused: {reason}"), Tone::Down),
        (None, _) => (String::new(), Tone::Plain),
    };
    Line::styled(
        format!(" {}", truncate(&text, cells.saturating_sub(1))),
        theme.style(tone),
    )
}

/// A box of `w`×`h` cells in the middle of `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Blanks a wide character just left of `area` whose right half lies under
/// it. Left there, the terminal would draw it over the popup's border:
/// ratatui sends no cell behind a wide character.
fn cut_straddlers(frame: &mut Frame, area: Rect) {
    let Some(x) = area.x.checked_sub(1) else {
        return;
    };
    let buf = frame.buffer_mut();
    for y in area.top()..area.bottom() {
        let cell = &mut buf[(x, y)];
        if width(cell.symbol()) > 1 {
            cell.set_symbol(" ");
        }
    }
}

fn popup(frame: &mut Frame, area: Rect, title: String, lines: Vec<Line<'static>>, theme: &Theme) {
    cut_straddlers(frame, area);
    frame.render_widget(Clear, area);
    let block = Block::bordered().title(Span::styled(title, theme.style(Tone::Heading)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(lines), inner);
}

const HELP: [(&str, &str); 16] = [
    ("↑ ↓  j k", "move through incidents (g first, G last)"),
    ("Enter", "detail and timeline of the incident, full size"),
    ("n", "new incident from a rescue code"),
    ("d", "dispatch a team: suggestions first, or type a code"),
    ("o", "the team is on scene"),
    ("r", "released: everyone is out"),
    ("c", "close the case"),
    ("x", "cancel: asks a reason, then y/n"),
    ("e", "hand to 119: asks a reason, then y/n"),
    ("/", "filter by city or text; Esc clears"),
    ("q  Ctrl-C", "quit"),
    ("", ""),
    ("ELAPSED", "time since the call; amber from 20 min"),
    (
        "12:34!",
        "arrival past 30 min: red (reversed without colour)",
    ),
    ("P", "priority, 1 most urgent"),
    ("TRAP", "persons trapped"),
];

fn help(frame: &mut Frame, area: Rect, theme: &Theme) {
    let w = 64.min(area.width.saturating_sub(4));
    let cells = w.saturating_sub(2) as usize;
    let lines: Vec<Line<'static>> = HELP
        .iter()
        .map(|(k, m)| {
            Line::from(vec![
                Span::styled(fit(&format!(" {k}"), 12), theme.style(Tone::Key)),
                Span::raw(fit(m, cells.saturating_sub(12))),
            ])
        })
        .collect();
    let h = lines.len() as u16 + 2;
    popup(
        frame,
        centered(area, w, h),
        " help · any key closes ".into(),
        lines,
        theme,
    );
}

fn chooser(frame: &mut Frame, area: Rect, c: &Chooser, board: &Board, theme: &Theme) {
    let w = 72.min(area.width.saturating_sub(4));
    let cells = w.saturating_sub(2) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    if c.loading {
        lines.push(Line::styled(
            fit(" asking for free teams…", cells),
            theme.style(Tone::Dim),
        ));
    } else if c.suggestions.is_empty() {
        let text = " no free team suggested; type a team code";
        lines.push(Line::styled(fit(text, cells), theme.style(Tone::Dim)));
    }
    let reason_w = 12;
    let name_w = cells.saturating_sub(2 + 5 + 1 + 1 + 4 + 1 + reason_w + 1);
    let room = (area.height as usize).saturating_sub(10).max(3);
    let offset = (c.cursor + 1).saturating_sub(room);
    for (n, s) in c.suggestions.iter().enumerate().skip(offset).take(room) {
        let chosen = n == c.cursor && c.typed.is_empty();
        let text = format!(
            "{}{} {} {} {}",
            if chosen { "▶ " } else { "  " },
            fit(&s.team.code, 5),
            fit(&s.team.name, name_w),
            fit(s.team.status.label(), 4),
            fit(&s.reason, reason_w),
        );
        let style = if chosen {
            theme.style(Tone::Selected)
        } else {
            Style::new()
        };
        lines.push(Line::styled(fit(&text, cells), style));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(" team code: ", theme.style(Tone::Heading)),
        Span::raw(c.typed.clone()),
    ]));
    let h = lines.len() as u16 + 2;
    let at = centered(area, w, h);
    let place = board
        .incidents
        .get(&c.id)
        .map(|i| format!(" · {}", city::short_name(&i.city)))
        .unwrap_or_default();
    let title = format!(" dispatch incident {}{place} · choose a team ", c.id);
    popup(frame, at, title, lines, theme);
    let x = at.x + 1 + 12 + width(&c.typed) as u16;
    if x < at.right().saturating_sub(1) {
        frame.set_cursor_position(Position::new(x, at.bottom().saturating_sub(2)));
    }
}
