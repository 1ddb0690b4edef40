//! 96333 incidents: the record, its state machine and its clocks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The arrival limit: a team should be on scene within 30 minutes.
pub const ARRIVAL_LIMIT_SECS: i64 = 30 * 60;
/// The board turns amber from 20 minutes.
pub const ARRIVAL_WARN_SECS: i64 = 20 * 60;

/// Where an incident is: `reported → dispatched → on_scene → released →
/// closed`, or `cancelled` from any state before `released`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// The call came in; no team yet.
    Reported,
    /// A team is on its way.
    Dispatched,
    /// The team is at the elevator.
    OnScene,
    /// Everyone trapped is out.
    Released,
    /// The dispatcher closed the case.
    Closed,
    /// Called off before anyone was freed (false alarm, got out alone).
    Cancelled,
}

impl IncidentStatus {
    /// Every status, in the order of the flow.
    pub const ALL: [IncidentStatus; 6] = [
        IncidentStatus::Reported,
        IncidentStatus::Dispatched,
        IncidentStatus::OnScene,
        IncidentStatus::Released,
        IncidentStatus::Closed,
        IncidentStatus::Cancelled,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Reported => "reported",
            IncidentStatus::Dispatched => "dispatched",
            IncidentStatus::OnScene => "on_scene",
            IncidentStatus::Released => "released",
            IncidentStatus::Closed => "closed",
            IncidentStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the incident still needs someone's attention.
    pub fn is_open(self) -> bool {
        !matches!(self, IncidentStatus::Closed | IncidentStatus::Cancelled)
    }

    /// Whether people are still trapped, so the arrival clock matters.
    pub fn is_trapped(self) -> bool {
        matches!(
            self,
            IncidentStatus::Reported | IncidentStatus::Dispatched | IncidentStatus::OnScene
        )
    }

    /// Parses a comma-separated filter; `open` stands for every open status.
    pub fn parse_filter(s: &str) -> Result<Vec<IncidentStatus>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part == "open" {
                out.extend(Self::ALL.into_iter().filter(|s| s.is_open()));
            } else {
                out.push(part.parse()?);
            }
        }
        Ok(out)
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IncidentStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IncidentStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown status `{s}`; expected open, reported, dispatched, on_scene, \
                     released, closed or cancelled"
                )
            })
    }
}

/// The longest note, reason or caller remark accepted, in characters.
pub const MAX_TEXT: usize = 2000;

/// A vulnerable person among the trapped; any of them raises the priority.
pub const VULNERABLE: [&str; 4] = ["elderly", "child", "pregnant", "ill"];

/// Checks a list of vulnerable-person kinds.
pub fn validate_vulnerable(kinds: &[String]) -> Result<(), String> {
    match kinds.iter().find(|k| !VULNERABLE.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "unknown vulnerable person `{k}`; expected elderly, child, pregnant or ill"
        )),
        None => Ok(()),
    }
}

/// What a dispatcher reports when a call comes in.
#[derive(Debug, Clone, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct NewIncident {
    /// The 6-digit rescue code read out by the caller.
    pub rescue_code: String,
    /// How many people are trapped.
    #[serde(default = "one")]
    pub trapped: i64,
    /// elderly, child, pregnant, ill.
    #[serde(default)]
    pub vulnerable: Vec<String>,
    /// The caller's phone.
    #[serde(default)]
    pub caller: Option<String>,
    /// Anything the caller said that the team should know.
    #[serde(default)]
    pub note: Option<String>,
}

fn one() -> i64 {
    1
}

/// A step of an incident: every change of state, and every note.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Transition {
    /// Send a team (by code); without one, the first suggestion.
    Dispatch {
        /// Team code.
        #[serde(default)]
        team: Option<String>,
    },
    /// The team is on scene.
    Arrive,
    /// Everyone is out.
    Release {
        /// How many were freed; defaults to the number trapped.
        #[serde(default)]
        freed: Option<i64>,
    },
    /// Close the case.
    Close,
    /// Call it off.
    Cancel {
        /// Why.
        reason: String,
    },
    /// Hand it to 119, the fire service.
    Escalate {
        /// Why.
        reason: String,
    },
    /// Add a note to the timeline.
    Note {
        /// The note.
        text: String,
    },
}

impl Transition {
    /// The verb, as in the URL and the timeline.
    pub fn name(&self) -> &'static str {
        match self {
            Transition::Dispatch { .. } => "dispatch",
            Transition::Arrive => "arrive",
            Transition::Release { .. } => "release",
            Transition::Close => "close",
            Transition::Cancel { .. } => "cancel",
            Transition::Escalate { .. } => "escalate",
            Transition::Note { .. } => "note",
        }
    }

    /// The statuses this step may start from.
    pub fn allowed_from(&self) -> &'static [IncidentStatus] {
        use IncidentStatus::*;
        match self {
            Transition::Dispatch { .. } => &[Reported, Dispatched],
            Transition::Arrive => &[Dispatched],
            Transition::Release { .. } => &[OnScene],
            Transition::Close => &[Released],
            Transition::Cancel { .. } | Transition::Escalate { .. } => {
                &[Reported, Dispatched, OnScene]
            }
            Transition::Note { .. } => {
                &[Reported, Dispatched, OnScene, Released, Closed, Cancelled]
            }
        }
    }

    /// The status after this step; notes and escalation keep the status.
    pub fn target(&self, from: IncidentStatus) -> IncidentStatus {
        match self {
            Transition::Dispatch { .. } => IncidentStatus::Dispatched,
            Transition::Arrive => IncidentStatus::OnScene,
            Transition::Release { .. } => IncidentStatus::Released,
            Transition::Close => IncidentStatus::Closed,
            Transition::Cancel { .. } => IncidentStatus::Cancelled,
            Transition::Escalate { .. } | Transition::Note { .. } => from,
        }
    }

    /// Checks that this step may be taken from `from`, and that its text
    /// fields are filled. The error names the steps that are allowed.
    pub fn check(&self, id: i64, from: IncidentStatus) -> Result<(), String> {
        match self {
            Transition::Cancel { reason } | Transition::Escalate { reason }
                if reason.trim().is_empty() =>
            {
                return Err(format!("`{}` needs a reason", self.name()));
            }
            Transition::Note { text } if text.trim().is_empty() => {
                return Err("a note needs some text".to_string());
            }
            Transition::Cancel { reason: t }
            | Transition::Escalate { reason: t }
            | Transition::Note { text: t }
                if t.chars().count() > MAX_TEXT =>
            {
                return Err(format!(
                    "the text is {} characters; keep it under {MAX_TEXT}",
                    t.chars().count()
                ));
            }
            Transition::Release { freed: Some(n) } if *n < 0 => {
                return Err(format!("`--freed {n}` cannot be negative"));
            }
            _ => {}
        }
        if self.allowed_from().contains(&from) {
            return Ok(());
        }
        let allowed: Vec<&str> = ALL_STEPS
            .iter()
            .filter(|step| step.allowed_from().contains(&from))
            .map(|step| step.name())
            .collect();
        Err(format!(
            "incident {id} is {from}, and `{}` cannot be done from {from}; \
             allowed now: {}",
            self.name(),
            allowed.join(", ")
        ))
    }
}

/// One instance of each step, for listing what is allowed.
const ALL_STEPS: [Transition; 7] = [
    Transition::Dispatch { team: None },
    Transition::Arrive,
    Transition::Release { freed: None },
    Transition::Close,
    Transition::Cancel {
        reason: String::new(),
    },
    Transition::Escalate {
        reason: String::new(),
    },
    Transition::Note {
        text: String::new(),
    },
];

/// One line of an incident's timeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it (the token's name).
    pub actor: String,
    /// `reported`, `dispatch`, `arrive`, …, `note`.
    pub action: String,
    /// Team, reason or note text.
    #[serde(default)]
    pub detail: String,
}

/// An elevator-entrapment incident, as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Incident {
    /// The incident number.
    pub id: i64,
    /// Where it is in the flow.
    pub status: IncidentStatus,
    /// Bumped on every change; send it back in `If-Match`.
    pub version: i64,
    /// 1 is most urgent, 3 least.
    pub priority: i64,
    /// The elevator's rescue code.
    pub rescue_code: String,
    /// Full city name.
    pub city: String,
    /// District or county.
    pub district: String,
    /// Building and car.
    pub address: String,
    /// What kind of place.
    pub place_type: super::PlaceType,
    /// People trapped.
    pub trapped: i64,
    /// People freed, once released.
    #[serde(default)]
    pub freed: Option<i64>,
    /// elderly, child, pregnant, ill.
    #[serde(default)]
    pub vulnerable: Vec<String>,
    /// The caller's phone, masked.
    #[serde(default)]
    pub caller: Option<String>,
    /// What the caller said.
    #[serde(default)]
    pub note: Option<String>,
    /// The team sent, by code.
    #[serde(default)]
    pub team: Option<String>,
    /// The team's name.
    #[serde(default)]
    pub team_name: Option<String>,
    /// When the call came in.
    pub reported_at: DateTime<Utc>,
    /// When a team was sent.
    #[serde(default)]
    pub dispatched_at: Option<DateTime<Utc>>,
    /// When the team arrived.
    #[serde(default)]
    pub on_scene_at: Option<DateTime<Utc>>,
    /// When everyone was out.
    #[serde(default)]
    pub released_at: Option<DateTime<Utc>>,
    /// When the case was closed.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// When it was called off.
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why it was called off.
    #[serde(default)]
    pub cancel_reason: Option<String>,
    /// When it was handed to 119.
    #[serde(default)]
    pub escalated_at: Option<DateTime<Utc>>,
    /// Why it was handed to 119.
    #[serde(default)]
    pub escalation_reason: Option<String>,
    /// Arrival time in seconds (`on_scene − reported`), once known.
    #[serde(default)]
    pub arrival_secs: Option<i64>,
    /// Rescue time in seconds (`released − on_scene`), once known.
    #[serde(default)]
    pub rescue_secs: Option<i64>,
    /// Every step so far; present on `show`, empty in lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
}

impl Incident {
    /// Seconds on the arrival clock at `now`: running until a team is on
    /// scene, stopped from then on; `None` once cancelled before arrival.
    pub fn arrival_clock(&self, now: DateTime<Utc>) -> Option<i64> {
        if let Some(at) = self.on_scene_at {
            return Some((at - self.reported_at).num_seconds());
        }
        if self.status.is_trapped() {
            Some((now - self.reported_at).num_seconds())
        } else {
            None
        }
    }
}

/// The priority given at report: 1 with vulnerable people, three or more
/// trapped, or a hospital; 2 otherwise.
pub fn initial_priority(trapped: i64, vulnerable: &[String], place: super::PlaceType) -> i64 {
    if !vulnerable.is_empty() || trapped >= 3 || place == super::PlaceType::Hospital {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IncidentStatus::*;

    #[test]
    fn the_flow_runs_from_reported_to_closed() {
        let steps = [
            Transition::Dispatch { team: None },
            Transition::Arrive,
            Transition::Release { freed: None },
            Transition::Close,
        ];
        let mut status = Reported;
        for step in steps {
            step.check(1, status).unwrap();
            status = step.target(status);
        }
        assert_eq!(status, Closed);
    }

    #[test]
    fn a_forbidden_step_names_the_allowed_ones() {
        let err = Transition::Close.check(7, OnScene).unwrap_err();
        assert!(err.contains("incident 7 is on_scene"), "{err}");
        assert!(
            err.contains("allowed now: release, cancel, escalate, note"),
            "{err}"
        );
    }

    #[test]
    fn cancel_is_refused_once_released() {
        let cancel = Transition::Cancel {
            reason: "false alarm".into(),
        };
        assert!(cancel.check(1, OnScene).is_ok());
        assert!(cancel.check(1, Released).is_err());
    }

    #[test]
    fn reasons_must_be_given() {
        let err = Transition::Escalate { reason: " ".into() }
            .check(1, Reported)
            .unwrap_err();
        assert!(err.contains("needs a reason"));
    }

    #[test]
    fn open_filter_expands() {
        let s = IncidentStatus::parse_filter("open").unwrap();
        assert_eq!(s, vec![Reported, Dispatched, OnScene, Released]);
        assert!(IncidentStatus::parse_filter("bogus").is_err());
    }
}
