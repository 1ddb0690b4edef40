//! Named actions and the one function that applies them to the board.
//!
//! [`apply`] is pure: it changes the [`Board`] and returns the network work
//! to start, which the main loop hands to [`super::net`]. Keys, clock ticks
//! and network results all come through here, so a test can drive the
//! board exactly as a dispatcher and the server would.

use super::net::{Command, NetMsg};
use super::state::{Board, Chooser, Confirm, Link, Mode, NoticeKind, Prompt, Purpose};
use crate::client::StreamItem;
use crate::model::team::validate_rescue_code;
use crate::model::{Incident, NewIncident, Team, Transition};
use chrono::{DateTime, Utc};

/// How long a message stays in the status line, in seconds.
const NOTICE_SECS: i64 = 10;
/// How long an error or conflict stays.
const ALERT_SECS: i64 = 30;

/// Everything that can happen to the board.
#[derive(Debug, Clone)]
#[expect(
    clippy::large_enum_variant,
    reason = "an action is built, applied once and dropped; never stored in bulk"
)]
pub enum Action {
    /// Selection (or chooser cursor) up one row.
    Up,
    /// Selection (or chooser cursor) down one row.
    Down,
    /// Selection to the first row.
    Top,
    /// Selection to the last row.
    Bottom,
    /// `Enter`: show the selected incident's detail and timeline in full.
    Detail,
    /// `n`: report a new incident.
    New,
    /// `d`: dispatch a team.
    Dispatch,
    /// `o`: the team is on scene.
    Arrive,
    /// `r`: everyone is out.
    Release,
    /// `c`: close the case.
    Close,
    /// `x`: call it off (asks a reason, then confirms).
    Cancel,
    /// `e`: hand it to 119 (asks a reason, then confirms).
    Escalate,
    /// `/`: filter incidents and teams.
    Filter,
    /// `?`: the help overlay.
    Help,
    /// `Esc`: leave the prompt, overlay or detail; clear the filter.
    Back,
    /// A typed character.
    Input(char),
    /// Delete the last typed character.
    Backspace,
    /// `Enter` in a prompt or the team chooser.
    Submit,
    /// `y` or `n` to a confirmation.
    Answer(bool),
    /// Leave the board.
    Quit,
    /// The clock moved on.
    Tick(DateTime<Utc>),
    /// The terminal changed size; the next frame is drawn to fit.
    Resize,
    /// The network reported back.
    Net(NetMsg),
}

/// Applies `action` to `board`; returns the network work to start.
pub fn apply(board: &mut Board, action: Action) -> Vec<Command> {
    match action {
        Action::Tick(now) => tick(board, now),
        Action::Resize => Vec::new(),
        Action::Quit => {
            board.quit = true;
            Vec::new()
        }
        Action::Net(msg) => net(board, msg),
        key => match std::mem::take(&mut board.mode) {
            Mode::Normal => normal(board, key),
            Mode::Help => Vec::new(),
            Mode::Prompt(prompt) => prompt_key(board, prompt, key),
            Mode::Confirm(confirm) => confirm_key(board, confirm, key),
            Mode::Choose(chooser) => choose_key(board, chooser, key),
        },
    }
}

fn tick(board: &mut Board, now: DateTime<Utc>) -> Vec<Command> {
    let day_before = board.today();
    board.now = now;
    if board.today() != day_before {
        board.prune();
    }
    if let Some(n) = &board.notice {
        let keep = match n.kind {
            NoticeKind::Info => NOTICE_SECS,
            NoticeKind::Conflict | NoticeKind::Error => ALERT_SECS,
        };
        if (now - n.at).num_seconds() >= keep {
            board.notice = None;
        }
    }
    Vec::new()
}

/// The command that fetches `id`'s timeline, unless it is held or on its way.
fn fetch_timeline(board: &mut Board, id: i64) -> Vec<Command> {
    if board.needs_timeline(id) && board.fetching.insert(id) {
        vec![Command::FetchIncident(id)]
    } else {
        Vec::new()
    }
}

fn selection_moved(board: &mut Board, moved: Option<i64>) -> Vec<Command> {
    match moved {
        Some(id) => fetch_timeline(board, id),
        None => Vec::new(),
    }
}

fn open_prompt(board: &mut Board, purpose: Purpose) {
    board.mode = Mode::Prompt(Prompt {
        purpose,
        input: String::new(),
        error: None,
    });
}

/// The selected incident, if `step` may be taken from where it is;
/// otherwise says why not in the status line.
fn target(board: &mut Board, step: &Transition) -> Option<Incident> {
    let Some(incident) = board.selected_incident().cloned() else {
        board.notify(NoticeKind::Error, "no incident selected");
        return None;
    };
    match step.check(incident.id, incident.status) {
        Ok(()) => Some(incident),
        Err(why) => {
            board.notify(NoticeKind::Error, why);
            None
        }
    }
}

fn step_now(board: &mut Board, step: Transition) -> Vec<Command> {
    let Some(incident) = target(board, &step) else {
        return Vec::new();
    };
    board.notify(
        NoticeKind::Info,
        format!("incident {}: {} sent", incident.id, step.name()),
    );
    vec![Command::Step {
        id: incident.id,
        step,
        version: incident.version,
    }]
}

fn normal(board: &mut Board, key: Action) -> Vec<Command> {
    // Only the state is checked before the reason is asked; any
    // non-empty text passes the reason check.
    let reason = || String::from("-");
    match key {
        Action::Up => {
            let moved = board.move_selection(-1);
            selection_moved(board, moved)
        }
        Action::Down => {
            let moved = board.move_selection(1);
            selection_moved(board, moved)
        }
        Action::Top => {
            let moved = board.move_selection(isize::MIN);
            selection_moved(board, moved)
        }
        Action::Bottom => {
            let moved = board.move_selection(isize::MAX);
            selection_moved(board, moved)
        }
        Action::Detail => match board.selected {
            Some(id) => {
                board.zoom = !board.zoom;
                fetch_timeline(board, id)
            }
            None => Vec::new(),
        },
        Action::New => {
            open_prompt(board, Purpose::RescueCode);
            Vec::new()
        }
        Action::Dispatch => {
            let Some(incident) = target(board, &Transition::Dispatch { team: None }) else {
                return Vec::new();
            };
            board.mode = Mode::Choose(Chooser {
                id: incident.id,
                version: incident.version,
                suggestions: Vec::new(),
                loading: true,
                cursor: 0,
                typed: String::new(),
            });
            vec![Command::FetchSuggestions(incident.id)]
        }
        Action::Arrive => step_now(board, Transition::Arrive),
        Action::Close => step_now(board, Transition::Close),
        Action::Release => {
            if let Some(i) = target(board, &Transition::Release { freed: None }) {
                let (id, version, trapped) = (i.id, i.version, i.trapped);
                open_prompt(
                    board,
                    Purpose::Freed {
                        id,
                        version,
                        trapped,
                    },
                );
            }
            Vec::new()
        }
        Action::Cancel => {
            if let Some(i) = target(board, &Transition::Cancel { reason: reason() }) {
                let (id, version) = (i.id, i.version);
                open_prompt(board, Purpose::CancelReason { id, version });
            }
            Vec::new()
        }
        Action::Escalate => {
            if let Some(i) = target(board, &Transition::Escalate { reason: reason() }) {
                let (id, version) = (i.id, i.version);
                open_prompt(board, Purpose::EscalateReason { id, version });
            }
            Vec::new()
        }
        Action::Filter => {
            board.mode = Mode::Prompt(Prompt {
                purpose: Purpose::Filter,
                input: board.filter.clone(),
                error: None,
            });
            Vec::new()
        }
        Action::Help => {
            board.mode = Mode::Help;
            Vec::new()
        }
        Action::Back => {
            if board.zoom {
                board.zoom = false;
                return Vec::new();
            }
            board.filter.clear();
            let moved = board.fix_selection();
            selection_moved(board, moved)
        }
        _ => Vec::new(),
    }
}

fn prompt_key(board: &mut Board, mut prompt: Prompt, key: Action) -> Vec<Command> {
    match key {
        Action::Back => {
            if prompt.purpose == Purpose::Filter {
                board.filter.clear();
                let moved = board.fix_selection();
                return selection_moved(board, moved);
            }
            Vec::new()
        }
        Action::Input(c) => {
            prompt.input.push(c);
            prompt.error = None;
            keep_typing(board, prompt)
        }
        Action::Backspace => {
            prompt.input.pop();
            prompt.error = None;
            keep_typing(board, prompt)
        }
        Action::Submit => submit(board, prompt),
        _ => {
            board.mode = Mode::Prompt(prompt);
            Vec::new()
        }
    }
}

/// Stays in the prompt; a filter applies as it is typed.
fn keep_typing(board: &mut Board, prompt: Prompt) -> Vec<Command> {
    let mut out = Vec::new();
    if prompt.purpose == Purpose::Filter {
        board.filter = prompt.input.clone();
        let moved = board.fix_selection();
        out = selection_moved(board, moved);
    }
    board.mode = Mode::Prompt(prompt);
    out
}

/// Refuses the answer: the prompt stays open with the reason.
fn refuse(board: &mut Board, mut prompt: Prompt, why: impl Into<String>) -> Vec<Command> {
    prompt.error = Some(why.into());
    board.mode = Mode::Prompt(prompt);
    Vec::new()
}

/// A count typed in a prompt; empty means the default.
fn count(input: &str, default: i64) -> Result<i64, String> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(default);
    }
    match t.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err(format!("`{t}` is not a number of people")),
    }
}

fn submit(board: &mut Board, prompt: Prompt) -> Vec<Command> {
    let input = prompt.input.trim().to_string();
    match prompt.purpose.clone() {
        Purpose::Filter => Vec::new(),
        Purpose::RescueCode => match validate_rescue_code(&input) {
            Ok(()) => {
                open_prompt(board, Purpose::Trapped { rescue_code: input });
                Vec::new()
            }
            Err(why) => refuse(board, prompt, why),
        },
        Purpose::Trapped { rescue_code } => match count(&input, 1) {
            Ok(0) => refuse(board, prompt, "at least one person must be trapped"),
            Ok(trapped) => {
                board.notify(
                    NoticeKind::Info,
                    format!("reporting rescue code {rescue_code}"),
                );
                vec![Command::Create(NewIncident {
                    rescue_code,
                    trapped,
                    ..NewIncident::default()
                })]
            }
            Err(why) => refuse(board, prompt, why),
        },
        Purpose::Freed {
            id,
            version,
            trapped,
        } => match count(&input, trapped) {
            Ok(n) => {
                let freed = if input.is_empty() { None } else { Some(n) };
                board.notify(NoticeKind::Info, format!("incident {id}: release sent"));
                let step = Transition::Release { freed };
                vec![Command::Step { id, step, version }]
            }
            Err(why) => refuse(board, prompt, why),
        },
        Purpose::CancelReason { .. } | Purpose::EscalateReason { .. } if input.is_empty() => {
            refuse(board, prompt, "a reason is needed")
        }
        Purpose::CancelReason { id, version } => {
            let step = Transition::Cancel { reason: input };
            board.mode = Mode::Confirm(Confirm { id, version, step });
            Vec::new()
        }
        Purpose::EscalateReason { id, version } => {
            let step = Transition::Escalate { reason: input };
            board.mode = Mode::Confirm(Confirm { id, version, step });
            Vec::new()
        }
    }
}

fn confirm_key(board: &mut Board, confirm: Confirm, key: Action) -> Vec<Command> {
    match key {
        Action::Answer(true) => {
            let Confirm { id, version, step } = confirm;
            board.notify(
                NoticeKind::Info,
                format!("incident {id}: {} sent", step.name()),
            );
            vec![Command::Step { id, step, version }]
        }
        Action::Answer(false) | Action::Back => {
            board.notify(
                NoticeKind::Info,
                format!("incident {}: nothing done", confirm.id),
            );
            Vec::new()
        }
        _ => {
            board.mode = Mode::Confirm(confirm);
            Vec::new()
        }
    }
}

fn choose_key(board: &mut Board, mut chooser: Chooser, key: Action) -> Vec<Command> {
    match key {
        Action::Back => return Vec::new(),
        Action::Up => chooser.cursor = chooser.cursor.saturating_sub(1),
        Action::Down => {
            let last = chooser.suggestions.len().saturating_sub(1);
            chooser.cursor = (chooser.cursor + 1).min(last);
        }
        Action::Input(c) if c.is_ascii_alphanumeric() => chooser.typed.push(c.to_ascii_uppercase()),
        Action::Backspace => {
            chooser.typed.pop();
        }
        Action::Submit => {
            let team = if chooser.typed.is_empty() {
                chooser
                    .suggestions
                    .get(chooser.cursor)
                    .map(|s| s.team.code.clone())
            } else {
                Some(chooser.typed.clone())
            };
            let Some(team) = team else {
                board.mode = Mode::Choose(chooser);
                return Vec::new();
            };
            let id = chooser.id;
            board.notify(
                NoticeKind::Info,
                format!("incident {id}: dispatching {team}"),
            );
            let step = Transition::Dispatch { team: Some(team) };
            return vec![Command::Step {
                id,
                step,
                version: chooser.version,
            }];
        }
        _ => {}
    }
    board.mode = Mode::Choose(chooser);
    Vec::new()
}

fn net(board: &mut Board, msg: NetMsg) -> Vec<Command> {
    let mut out = match msg {
        NetMsg::Stream(item) => stream(board, item),
        NetMsg::Snapshot { incidents, teams } => {
            for i in incidents {
                board.upsert_incident(i);
            }
            for t in teams {
                board.upsert_team(t);
            }
            board.loaded = true;
            Vec::new()
        }
        NetMsg::Detail(incident) => {
            board.fetching.remove(&incident.id);
            board.upsert_incident(incident);
            Vec::new()
        }
        NetMsg::Suggestions { id, teams } => {
            if let Mode::Choose(c) = &mut board.mode
                && c.id == id
            {
                c.suggestions = teams;
                c.loading = false;
                c.cursor = 0;
            }
            Vec::new()
        }
        NetMsg::Stepped { step, incident } => {
            let id = incident.id;
            let text = match step {
                "escalate" => format!("incident {id} handed to 119"),
                _ => format!("incident {id}: {step} done, now {}", incident.status),
            };
            board.notify(NoticeKind::Info, text);
            board.upsert_incident(incident);
            fetch_timeline(board, id)
        }
        NetMsg::Created(incident) => {
            let id = incident.id;
            board.notify(
                NoticeKind::Info,
                format!(
                    "incident {id} reported: {} {}",
                    incident.city, incident.address
                ),
            );
            board.upsert_incident(incident);
            board.selected = Some(id);
            fetch_timeline(board, id)
        }
        NetMsg::Conflict {
            id,
            sent_version,
            detail,
            current,
        } => conflict(board, id, sent_version, detail, current),
        NetMsg::Failed { id, what, error } => {
            if let Some(id) = id {
                board.fetching.remove(&id);
            }
            if let Mode::Choose(c) = &mut board.mode
                && Some(c.id) == id
            {
                c.loading = false;
            }
            board.notify(NoticeKind::Error, format!("could not {what}: {error}"));
            Vec::new()
        }
    };
    if let Some(id) = board.fix_selection() {
        out.extend(fetch_timeline(board, id));
    }
    out
}

fn stream(board: &mut Board, item: StreamItem) -> Vec<Command> {
    match item {
        StreamItem::Connected => {
            board.link = Link::Live;
            // Loaded after the greeting, so no change falls between the
            // snapshot and the stream; versions sort out the overlap.
            vec![Command::LoadSnapshot]
        }
        StreamItem::Reconnecting { reason, retry_in } => {
            // The client's hints (--api, SAFEDESK_API) follow on later lines;
            // they are for the command line, and the header has one line.
            let reason = reason.lines().next().unwrap_or_default().to_string();
            board.link = Link::Reconnecting { reason, retry_in };
            Vec::new()
        }
        StreamItem::Failed(reason) => {
            board.notify(NoticeKind::Error, format!("live updates refused: {reason}"));
            board.link = Link::Failed(reason);
            Vec::new()
        }
        StreamItem::Event(event) => match event.kind.as_str() {
            "incident" => match serde_json::from_value::<Incident>(event.data) {
                Ok(incident) => {
                    let id = incident.id;
                    if board.upsert_incident(incident) && board.selected == Some(id) {
                        fetch_timeline(board, id)
                    } else {
                        Vec::new()
                    }
                }
                Err(_) => Vec::new(),
            },
            "team" => {
                if let Ok(team) = serde_json::from_value::<Team>(event.data) {
                    board.upsert_team(team);
                }
                Vec::new()
            }
            _ => Vec::new(),
        },
    }
}

/// A 409 on a step. A newer incident means someone else acted first: the
/// board takes it and says so. The same version means the server refused
/// for another reason (no team free, the team is busy): its sentence is shown.
fn conflict(
    board: &mut Board,
    id: i64,
    sent_version: i64,
    detail: String,
    current: Option<serde_json::Value>,
) -> Vec<Command> {
    if let Mode::Choose(c) = &board.mode
        && c.id == id
    {
        board.mode = Mode::Normal;
    }
    let incident = current
        .clone()
        .and_then(|v| serde_json::from_value::<Incident>(v).ok())
        .filter(|i| i.id == id);
    let team = current.and_then(|v| serde_json::from_value::<Team>(v).ok());
    let changed = match &incident {
        Some(i) => i.version != sent_version,
        None => team.is_none(),
    };
    if let Some(i) = incident {
        board.upsert_incident(i);
    }
    if let Some(t) = team {
        board.upsert_team(t);
    }
    let text = if changed {
        format!("incident {id} changed by someone else — refreshed")
    } else {
        format!("incident {id}: {detail}")
    };
    board.notify(NoticeKind::Conflict, text);
    board.fetching.remove(&id);
    board.timelines.remove(&id);
    fetch_timeline(board, id)
}
