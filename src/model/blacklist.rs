//! The illegal-operation list (DESIGN §4.3): `suspect → grey → black`,
//! `excluded` with a reason (a company's own bus), and `lifted`.
//!
//! Each step names who, when, why and the evidence; a step out of order is
//! refused with the steps that are allowed, as incident steps are.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest reason or evidence text accepted, in characters.
pub const MAX_TEXT: usize = 2000;

/// Where a vehicle stands on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Seen running a fixed route; to be looked into.
    Suspect,
    /// Confirmed illegal operation; watched and notified.
    Grey,
    /// Banned from the provincial highways.
    Black,
    /// Not to be listed (a company's own bus); screening skips it.
    Excluded,
    /// Taken off the list; it may be added again.
    Lifted,
}

impl Stage {
    /// Every stage, in the order of the flow.
    pub const ALL: [Stage; 5] = [
        Stage::Suspect,
        Stage::Grey,
        Stage::Black,
        Stage::Excluded,
        Stage::Lifted,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Suspect => "suspect",
            Stage::Grey => "grey",
            Stage::Black => "black",
            Stage::Excluded => "excluded",
            Stage::Lifted => "lifted",
        }
    }

    /// Whether a plate at this stage counts as listed for a check.
    pub fn is_listed(self) -> bool {
        matches!(self, Stage::Suspect | Stage::Grey | Stage::Black)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!("unknown stage `{s}`; expected suspect, grey, black, excluded or lifted")
            })
    }
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Put a vehicle on the list as `suspect` or `grey`.
    Add,
    /// Move it on: suspect to grey, grey to black.
    Promote,
    /// Mark it as not to be listed.
    Exclude,
    /// Take it off the list.
    Lift,
}

impl Action {
    /// Every action, for naming the allowed ones.
    pub const ALL: [Action; 4] = [Action::Add, Action::Promote, Action::Exclude, Action::Lift];

    /// The verb, as in the URL and the history.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Promote => "promote",
            Action::Exclude => "exclude",
            Action::Lift => "lift",
        }
    }

    /// The stages this action may start from; `None` is "not on the list".
    pub fn allowed_from(self) -> &'static [Option<Stage>] {
        use Stage::*;
        match self {
            Action::Add => &[None, Some(Lifted)],
            Action::Promote => &[Some(Suspect), Some(Grey)],
            Action::Exclude => &[None, Some(Suspect), Some(Grey), Some(Lifted)],
            Action::Lift => &[Some(Suspect), Some(Grey), Some(Black), Some(Excluded)],
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| format!("no step `{s}`; the steps are add, promote, exclude, lift"))
    }
}

/// One step asked for: the action, the stage it leads to (for `add` and
/// `promote`), why, and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The plate as typed; the server normalises it.
    pub plate: String,
    /// What to do.
    pub action: Action,
    /// `suspect` or `grey` for `add`, `grey` or `black` for `promote`.
    #[serde(default)]
    pub to: Option<Stage>,
    /// Why, in a sentence.
    pub reason: String,
    /// What shows it: a report number, photos, a route and days seen.
    #[serde(default)]
    pub evidence: Option<String>,
}

impl Step {
    /// The stage after this step.
    pub fn target(&self) -> Stage {
        match self.action {
            Action::Add => self.to.unwrap_or(Stage::Suspect),
            Action::Promote => self.to.unwrap_or(Stage::Grey),
            Action::Exclude => Stage::Excluded,
            Action::Lift => Stage::Lifted,
        }
    }

    /// Checks that this step may be taken from `from` and that its fields
    /// are filled. The error names the steps that are allowed.
    pub fn check(&self, plate: &str, from: Option<Stage>) -> Result<(), String> {
        if self.reason.trim().is_empty() {
            return Err(format!("`{}` needs a reason", self.action));
        }
        let long = [Some(&self.reason), self.evidence.as_ref()]
            .into_iter()
            .flatten()
            .find(|t| t.chars().count() > MAX_TEXT);
        if let Some(t) = long {
            return Err(format!(
                "the text is {} characters; keep it under {MAX_TEXT}",
                t.chars().count()
            ));
        }
        match (self.action, self.to) {
            (Action::Add, Some(Stage::Suspect | Stage::Grey) | None) => {}
            (Action::Add, Some(s)) => {
                return Err(format!(
                    "a vehicle is added as suspect or grey, not {s}; `promote` it from there"
                ));
            }
            (Action::Promote, Some(Stage::Grey | Stage::Black) | None) => {}
            (Action::Promote, Some(s)) => {
                return Err(format!("`promote` goes to grey or black, not {s}"));
            }
            _ => {}
        }
        let from_ok = self.action.allowed_from().contains(&from);
        let order_ok = match (self.action, from, self.target()) {
            (Action::Promote, Some(Stage::Suspect), Stage::Grey) => true,
            (Action::Promote, Some(Stage::Grey), Stage::Black) => true,
            (Action::Promote, _, _) => false,
            _ => true,
        };
        if from_ok && order_ok {
            return Ok(());
        }
        Err(refusal(plate, from, self))
    }
}

/// The sentence for a step that may not be taken now.
fn refusal(plate: &str, from: Option<Stage>, step: &Step) -> String {
    let now = from.map_or("not on the list".to_string(), |s| format!("{s}"));
    let mut allowed: Vec<String> = Vec::new();
    for action in Action::ALL {
        if !action.allowed_from().contains(&from) {
            continue;
        }
        allowed.push(match (action, from) {
            (Action::Add, _) => "add --stage suspect|grey".to_string(),
            (Action::Promote, Some(Stage::Suspect)) => "promote --to grey".to_string(),
            (Action::Promote, _) => "promote --to black".to_string(),
            (a, _) => a.as_str().to_string(),
        });
    }
    let what = match step.action {
        Action::Add | Action::Promote => format!("{} to {}", step.action, step.target()),
        a => a.to_string(),
    };
    format!(
        "{plate} is {now}, and `{what}` cannot be done from there; allowed now: {}",
        allowed.join(", ")
    )
}

/// One step of a vehicle's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (the token's name).
    pub actor: String,
    /// `add`, `promote`, `exclude`, `lift`.
    pub action: Action,
    /// The stage before; absent when the vehicle was not on the list.
    #[serde(default)]
    pub from: Option<Stage>,
    /// The stage after.
    pub stage: Stage,
    /// Why.
    pub reason: String,
    /// What shows it.
    #[serde(default)]
    pub evidence: Option<String>,
}

/// A vehicle on the illegal-operation list, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Entry {
    /// The normalised plate.
    pub plate: String,
    /// The province that issued the plate.
    pub province: String,
    /// Where it stands.
    pub stage: Stage,
    /// Since when it has stood there.
    pub since: DateTime<Utc>,
    /// Why it got there (the last step's reason).
    pub reason: String,
    /// Who took the last step.
    pub actor: String,
    /// Bumped on every step.
    pub version: i64,
    /// Every step; present on `history`, empty in lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stage::*;

    fn step(action: Action, to: Option<Stage>) -> Step {
        Step {
            plate: "苏A12345".into(),
            action,
            to,
            reason: "seen on the route".into(),
            evidence: None,
        }
    }

    #[test]
    fn the_flow_runs_from_suspect_to_black_and_off() {
        let steps = [
            step(Action::Add, Some(Suspect)),
            step(Action::Promote, Some(Grey)),
            step(Action::Promote, Some(Black)),
            step(Action::Lift, None),
            step(Action::Add, Some(Grey)),
        ];
        let mut stage = None;
        for s in steps {
            s.check("苏A12345", stage).unwrap();
            stage = Some(s.target());
        }
        assert_eq!(stage, Some(Grey));
    }

    #[test]
    fn suspect_cannot_jump_to_black() {
        let err = step(Action::Promote, Some(Black))
            .check("苏A12345", Some(Suspect))
            .unwrap_err();
        assert_eq!(
            err,
            "苏A12345 is suspect, and `promote to black` cannot be done from there; \
             allowed now: promote --to grey, exclude, lift"
        );
    }

    #[test]
    fn black_cannot_be_excluded_without_lifting() {
        let err = step(Action::Exclude, None)
            .check("苏A12345", Some(Black))
            .unwrap_err();
        assert!(err.ends_with("allowed now: lift"), "{err}");
    }

    #[test]
    fn a_step_on_an_unlisted_plate_names_add() {
        let err = step(Action::Lift, None)
            .check("苏A12345", None)
            .unwrap_err();
        assert!(err.contains("is not on the list"), "{err}");
        assert!(
            err.ends_with("allowed now: add --stage suspect|grey, exclude"),
            "{err}"
        );
    }

    #[test]
    fn reasons_must_be_given_and_add_goes_to_suspect_or_grey() {
        let mut s = step(Action::Add, Some(Black));
        assert!(s.check("苏A12345", None).unwrap_err().contains("promote"));
        s.to = Some(Suspect);
        s.reason = " ".into();
        assert!(
            s.check("苏A12345", None)
                .unwrap_err()
                .contains("needs a reason")
        );
    }
}
