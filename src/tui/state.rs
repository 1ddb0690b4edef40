//! Everything the board knows, in one struct.
//!
//! The panes draw from [`Board`] only; [`super::action::apply`] is the one
//! function that changes it. "Now" is a field, set by the clock tick, so a
//! test can build a board at a fixed time and get the same frame every run.

use crate::model::Suggestion;
use crate::model::incident::{ARRIVAL_LIMIT_SECS, ARRIVAL_WARN_SECS};
use crate::model::time::operator_zone;
use crate::model::{Incident, Team, TeamStatus, TimelineEntry, Transition, city};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

/// The state of the live event stream, shown in the header.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// Not greeted by the server yet.
    Connecting,
    /// Connected; changes arrive as they happen.
    Live,
    /// The connection dropped; the stream retries on its own.
    Reconnecting {
        /// Why it dropped.
        reason: String,
        /// When it tries again.
        retry_in: Duration,
    },
    /// The server refused the stream (a bad token); it will not retry.
    Failed(String),
}

/// How a message in the status line reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Something went as asked.
    Info,
    /// Someone else changed the record first; it was refreshed.
    Conflict,
    /// Something failed.
    Error,
}

/// A message in the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// How it reads.
    pub kind: NoticeKind,
    /// The sentence.
    pub text: String,
    /// When it was shown, so it can fade after a while.
    pub at: DateTime<Utc>,
}

/// What a line of typed text is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    /// `n`, first question: the rescue code read out by the caller.
    RescueCode,
    /// `n`, second question: how many are trapped (default 1).
    Trapped {
        /// The rescue code already given.
        rescue_code: String,
    },
    /// `r`: how many were freed (default: the number trapped).
    Freed {
        /// The incident.
        id: i64,
        /// Its version when the dispatcher pressed the key.
        version: i64,
        /// The default answer.
        trapped: i64,
    },
    /// `x`: why the incident is called off.
    CancelReason {
        /// The incident.
        id: i64,
        /// Its version when the dispatcher pressed the key.
        version: i64,
    },
    /// `e`: why it goes to 119.
    EscalateReason {
        /// The incident.
        id: i64,
        /// Its version when the dispatcher pressed the key.
        version: i64,
    },
    /// `/`: the filter, applied as it is typed.
    Filter,
}

/// A question answered with a line of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    /// What the answer is for.
    pub purpose: Purpose,
    /// What has been typed so far.
    pub input: String,
    /// Why the last answer was refused, if it was.
    pub error: Option<String>,
}

/// A destructive step waiting for `y` or `n`.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// The incident.
    pub id: i64,
    /// Its version when the dispatcher started.
    pub version: i64,
    /// The step to take on `y`.
    pub step: Transition,
}

/// The team chooser of `d`: suggested teams first, or a typed team code.
#[derive(Debug, Clone)]
pub struct Chooser {
    /// The incident.
    pub id: i64,
    /// Its version when the dispatcher pressed `d`.
    pub version: i64,
    /// The suggestions, once they arrived.
    pub suggestions: Vec<Suggestion>,
    /// Whether the suggestions are still on their way.
    pub loading: bool,
    /// The highlighted suggestion.
    pub cursor: usize,
    /// A team code typed instead; wins over the highlighted one.
    pub typed: String,
}

/// What the keys do right now.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    /// Moving through incidents and taking steps.
    #[default]
    Normal,
    /// The help overlay; any key closes it.
    Help,
    /// Typing an answer.
    Prompt(Prompt),
    /// Answering y or n.
    Confirm(Confirm),
    /// Choosing a team to dispatch.
    Choose(Chooser),
}

/// How close an incident is to the 30-minute arrival limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Under 20 minutes, or the team is there.
    Normal,
    /// 20 minutes or more on the arrival clock.
    Warn,
    /// Past 30 minutes: shown red and with a text mark.
    Overdue,
}

/// The figures of the summary line, from what the board holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Open incidents.
    pub open: usize,
    /// Incidents reported today (operator's day).
    pub today: usize,
    /// Mean arrival time of today's arrivals, in minutes.
    pub avg_arrival_min: Option<f64>,
    /// Share of today's arrivals within 30 minutes, 0–100.
    pub within_limit_pct: Option<f64>,
    /// Teams available.
    pub teams_free: usize,
}

/// The whole state of the board.
#[derive(Debug)]
pub struct Board {
    /// The time the clocks show; moved on by the tick.
    pub now: DateTime<Utc>,
    /// The API address shown in the header.
    pub api_label: String,
    /// The event stream's state.
    pub link: Link,
    /// Whether the first snapshot has arrived.
    pub loaded: bool,
    /// Incidents by id: every open one, and today's closed ones for the figures.
    pub incidents: BTreeMap<i64, Incident>,
    /// Teams by code.
    pub teams: BTreeMap<String, Team>,
    /// Timelines fetched per incident, with the version they belong to.
    pub timelines: HashMap<i64, (i64, Vec<TimelineEntry>)>,
    /// Incidents whose full record is being fetched.
    pub fetching: HashSet<i64>,
    /// The selected incident.
    pub selected: Option<i64>,
    /// Where the selection was, to land near it when its incident leaves.
    pub selected_row: usize,
    /// Text or city that incidents and teams must match.
    pub filter: String,
    /// The detail pane fills the body.
    pub zoom: bool,
    /// What the keys do.
    pub mode: Mode,
    /// The status line.
    pub notice: Option<Notice>,
    /// Set to leave the board.
    pub quit: bool,
}

impl Board {
    /// An empty board at `now`, waiting for the stream.
    pub fn new(api_label: impl Into<String>, now: DateTime<Utc>) -> Board {
        Board {
            now,
            api_label: api_label.into(),
            link: Link::Connecting,
            loaded: false,
            incidents: BTreeMap::new(),
            teams: BTreeMap::new(),
            timelines: HashMap::new(),
            fetching: HashSet::new(),
            selected: None,
            selected_row: 0,
            filter: String::new(),
            zoom: false,
            mode: Mode::Normal,
            notice: None,
            quit: false,
        }
    }

    /// The operator's date at `now`.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&operator_zone()).date_naive()
    }

    /// Takes a record unless the board already holds a newer version
    /// (events and snapshots may cross). Returns whether it was taken.
    pub fn upsert_incident(&mut self, incident: Incident) -> bool {
        if self
            .incidents
            .get(&incident.id)
            .is_some_and(|held| held.version > incident.version)
        {
            return false;
        }
        if !incident.timeline.is_empty() {
            let entry = (incident.version, incident.timeline.clone());
            self.timelines.insert(incident.id, entry);
        }
        let mut incident = incident;
        incident.timeline.clear();
        self.incidents.insert(incident.id, incident);
        true
    }

    /// Takes a team record unless a newer one is held.
    pub fn upsert_team(&mut self, team: Team) -> bool {
        if self
            .teams
            .get(&team.code)
            .is_some_and(|held| held.version > team.version)
        {
            return false;
        }
        self.teams.insert(team.code.clone(), team);
        true
    }

    /// Whether `incident` matches the filter (city, district, address,
    /// rescue code, team, status or number).
    pub fn matches(&self, incident: &Incident) -> bool {
        let f = self.filter.trim();
        if f.is_empty() {
            return true;
        }
        let f = f.to_lowercase();
        let fields = [
            incident.city.as_str(),
            incident.district.as_str(),
            incident.address.as_str(),
            incident.rescue_code.as_str(),
            incident.status.as_str(),
            incident.team.as_deref().unwrap_or(""),
            incident.team_name.as_deref().unwrap_or(""),
        ];
        fields.iter().any(|v| v.to_lowercase().contains(&f)) || incident.id.to_string() == f
    }

    /// Whether `team` matches the filter (city, district, name or code).
    pub fn team_matches(&self, team: &Team) -> bool {
        let f = self.filter.trim().to_lowercase();
        f.is_empty()
            || [&team.city, &team.district, &team.name, &team.code]
                .iter()
                .any(|v| v.to_lowercase().contains(&f))
    }

    /// The incidents table: open incidents that match the filter, most
    /// urgent first — people still trapped, longest waiting first, then
    /// the released ones waiting to be closed.
    pub fn rows(&self) -> Vec<&Incident> {
        let mut rows: Vec<&Incident> = self
            .incidents
            .values()
            .filter(|i| i.status.is_open() && self.matches(i))
            .collect();
        rows.sort_by_key(|i| (!i.status.is_trapped(), i.reported_at, i.id));
        rows
    }

    /// The teams pane: matching teams, those at work first, then free ones.
    pub fn team_rows(&self) -> Vec<&Team> {
        let order = |s: TeamStatus| match s {
            TeamStatus::OnScene => 0,
            TeamStatus::Dispatched => 1,
            TeamStatus::Available => 2,
            TeamStatus::OffDuty => 3,
        };
        let mut rows: Vec<&Team> = self
            .teams
            .values()
            .filter(|t| self.team_matches(t))
            .collect();
        rows.sort_by(|a, b| {
            (order(a.status), city::short_name(&a.city), &a.code).cmp(&(
                order(b.status),
                city::short_name(&b.city),
                &b.code,
            ))
        });
        rows
    }

    /// The selected incident, if the board holds it.
    pub fn selected_incident(&self) -> Option<&Incident> {
        self.selected.and_then(|id| self.incidents.get(&id))
    }

    /// Keeps the selection on a visible row: the same incident if it is
    /// still there, else the row where it was. Returns the newly selected
    /// incident when the selection moved to another one.
    pub fn fix_selection(&mut self) -> Option<i64> {
        let rows: Vec<i64> = self.rows().iter().map(|i| i.id).collect();
        let before = self.selected;
        match self
            .selected
            .and_then(|id| rows.iter().position(|r| *r == id))
        {
            Some(at) => self.selected_row = at,
            None => {
                self.selected_row = self.selected_row.min(rows.len().saturating_sub(1));
                self.selected = rows.get(self.selected_row).copied();
            }
        }
        if self.selected != before {
            self.selected
        } else {
            None
        }
    }

    /// Moves the selection by `delta` rows, stopping at the ends.
    pub fn move_selection(&mut self, delta: isize) -> Option<i64> {
        let rows: Vec<i64> = self.rows().iter().map(|i| i.id).collect();
        if rows.is_empty() {
            self.selected = None;
            return None;
        }
        let at = self
            .selected
            .and_then(|id| rows.iter().position(|r| *r == id))
            .unwrap_or(0);
        let to = at.saturating_add_signed(delta).min(rows.len() - 1);
        let before = self.selected;
        self.selected = Some(rows[to]);
        self.selected_row = to;
        if self.selected != before {
            self.selected
        } else {
            None
        }
    }

    /// Seconds shown in the ELAPSED column: how long people have been
    /// trapped; for a released incident, how long it took to free them.
    pub fn elapsed(&self, incident: &Incident) -> i64 {
        let end = match incident.released_at {
            Some(at) if !incident.status.is_trapped() => at,
            _ => self.now,
        };
        (end - incident.reported_at).num_seconds().max(0)
    }

    /// Where the incident stands against the arrival limit: the clock runs
    /// until the team is on scene and then stops at the arrival time.
    pub fn urgency(&self, incident: &Incident) -> Urgency {
        match incident.arrival_clock(self.now) {
            Some(s) if s > ARRIVAL_LIMIT_SECS => Urgency::Overdue,
            Some(s) if s >= ARRIVAL_WARN_SECS => Urgency::Warn,
            _ => Urgency::Normal,
        }
    }

    /// Whether the timeline held for `id` is missing or older than the record.
    pub fn needs_timeline(&self, id: i64) -> bool {
        let Some(incident) = self.incidents.get(&id) else {
            return false;
        };
        match self.timelines.get(&id) {
            Some((version, _)) => *version < incident.version,
            None => true,
        }
    }

    /// The figures of the summary line.
    pub fn summary(&self) -> Summary {
        let today = self.today();
        let zone = operator_zone();
        let todays: Vec<&Incident> = self
            .incidents
            .values()
            .filter(|i| i.reported_at.with_timezone(&zone).date_naive() == today)
            .collect();
        let arrivals: Vec<i64> = todays.iter().filter_map(|i| i.arrival_secs).collect();
        let within = arrivals
            .iter()
            .filter(|s| **s <= ARRIVAL_LIMIT_SECS)
            .count();
        let n = arrivals.len() as f64;
        Summary {
            open: self
                .incidents
                .values()
                .filter(|i| i.status.is_open())
                .count(),
            today: todays.len(),
            avg_arrival_min: (n > 0.0).then(|| arrivals.iter().sum::<i64>() as f64 / n / 60.0),
            within_limit_pct: (n > 0.0).then(|| within as f64 * 100.0 / n),
            teams_free: self
                .teams
                .values()
                .filter(|t| t.status == TeamStatus::Available)
                .count(),
        }
    }

    /// Shows a message in the status line.
    pub fn notify(&mut self, kind: NoticeKind, text: impl Into<String>) {
        self.notice = Some(Notice {
            kind,
            text: text.into(),
            at: self.now,
        });
    }

    /// Drops closed and cancelled incidents from before today: they no
    /// longer count in the figures, and a board left running for days
    /// would otherwise keep them all.
    pub fn prune(&mut self) {
        let today = self.today();
        let zone = operator_zone();
        self.incidents.retain(|_, i| {
            i.status.is_open() || i.reported_at.with_timezone(&zone).date_naive() == today
        });
        let held = &self.incidents;
        self.timelines.retain(|id, _| held.contains_key(id));
    }
}
