//! Muck-truck passes (DESIGN §4.3): a red-light, speeding, overloading or
//! fatal-crash violation suspends the truck's pass for 30 days from the
//! violation; after that the pass comes back by itself.
//!
//! The rule takes "now" as a parameter, so it is tested with times passed
//! in rather than waited for.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How long a violation suspends the pass.
pub const SUSPENSION_DAYS: i64 = 30;

/// A violation that suspends a muck truck's pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// Ran a red light.
    RedLight,
    /// Over the speed limit.
    Speeding,
    /// Over the permitted load.
    Overload,
    /// In a crash in which someone died.
    FatalCrash,
}

impl ViolationKind {
    /// Every kind.
    pub const ALL: [ViolationKind; 4] = [
        ViolationKind::RedLight,
        ViolationKind::Speeding,
        ViolationKind::Overload,
        ViolationKind::FatalCrash,
    ];

    /// The name on the wire and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::RedLight => "red-light",
            ViolationKind::Speeding => "speeding",
            ViolationKind::Overload => "overload",
            ViolationKind::FatalCrash => "fatal-crash",
        }
    }
}

impl fmt::Display for ViolationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ViolationKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ViolationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown violation `{s}`; expected red-light, speeding, overload or fatal-crash"
                )
            })
    }
}

/// What `POST /api/v1/muck/violations` takes.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewViolation {
    /// The truck's plate as typed.
    pub plate: String,
    /// What it did.
    pub kind: ViolationKind,
    /// When it did it.
    pub at: DateTime<Utc>,
}

/// A recorded violation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Violation {
    /// Its number.
    pub id: i64,
    /// The normalised plate.
    pub plate: String,
    /// What the truck did.
    pub kind: ViolationKind,
    /// When it did it.
    pub at: DateTime<Utc>,
    /// Who recorded it.
    pub actor: String,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// A muck truck's pass at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pass {
    /// The normalised plate.
    pub plate: String,
    /// `valid` or `suspended`.
    pub status: String,
    /// The instant the answer is for.
    pub at: DateTime<Utc>,
    /// The violation that suspends it (the latest one), if suspended.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// When the suspension ends by itself.
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// The kind of that violation.
    #[serde(default)]
    pub kind: Option<ViolationKind>,
}

impl Pass {
    /// Whether the pass is suspended.
    pub fn is_suspended(&self) -> bool {
        self.status == "suspended"
    }
}

/// The pass of `plate` at `now`, given its violations: suspended until 30
/// days after the latest violation at or before `now`.
pub fn pass_at(plate: &str, violations: &[Violation], now: DateTime<Utc>) -> Pass {
    let latest = violations
        .iter()
        .filter(|v| v.at <= now)
        .max_by_key(|v| v.at);
    let suspending = latest.filter(|v| now < v.at + Duration::days(SUSPENSION_DAYS));
    Pass {
        plate: plate.to_string(),
        status: if suspending.is_some() {
            "suspended"
        } else {
            "valid"
        }
        .to_string(),
        at: now,
        since: suspending.map(|v| v.at),
        until: suspending.map(|v| v.at + Duration::days(SUSPENSION_DAYS)),
        kind: suspending.map(|v| v.kind),
    }
}

/// Reads a time given on the command line: RFC 3339, or `YYYY-MM-DD HH:MM`
/// / `YYYY-MM-DD` in the operator's zone (UTC+8).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone};
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let zone = super::time::operator_zone();
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        });
    local
        .and_then(|t| zone.from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            format!("`{text}` is not a time; write 2026-11-20 08:30 (UTC+8) or RFC 3339")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        parse_time(s).unwrap()
    }

    fn violation(kind: ViolationKind, when: &str) -> Violation {
        Violation {
            id: 1,
            plate: "苏A12345".into(),
            kind,
            at: at(when),
            actor: "t".into(),
            recorded_at: at(when),
        }
    }

    #[test]
    fn a_violation_suspends_for_30_days_then_lifts_by_itself() {
        let v = [violation(ViolationKind::RedLight, "2026-11-01 10:00")];
        let during = pass_at("苏A12345", &v, at("2026-12-01 09:59"));
        assert!(during.is_suspended());
        assert_eq!(during.until, Some(at("2026-12-01 10:00")));
        let after = pass_at("苏A12345", &v, at("2026-12-01 10:00"));
        assert!(!after.is_suspended());
        assert_eq!(after.until, None);
    }

    #[test]
    fn the_latest_violation_counts() {
        let v = [
            violation(ViolationKind::Overload, "2026-11-20 10:00"),
            violation(ViolationKind::Speeding, "2026-10-01 10:00"),
        ];
        let p = pass_at("苏A12345", &v, at("2026-12-10 00:00"));
        assert_eq!(p.kind, Some(ViolationKind::Overload));
        assert_eq!(p.until, Some(at("2026-12-20 10:00")));
    }

    #[test]
    fn a_violation_after_now_does_not_count_yet() {
        let v = [violation(ViolationKind::FatalCrash, "2026-11-20 10:00")];
        assert!(!pass_at("苏A12345", &v, at("2026-11-19 00:00")).is_suspended());
    }

    #[test]
    fn times_read_as_utc8_or_rfc3339() {
        assert_eq!(at("2026-11-20 08:00"), at("2026-11-20T00:00:00Z"));
        assert_eq!(at("2026-11-20"), at("2026-11-19T16:00:00Z"));
        assert!(parse_time("yesterday").is_err());
    }
}
