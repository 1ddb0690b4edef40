//! Screening (DESIGN §4.3): buses that run one route on many days are
//! suspected of operating without a licence.
//!
//! The rule is data: a window of `days` days, and `min_days`, the number
//! of distinct local days on which a bus must run one route within it.
//! A route is either the same ordered pair of gantries that start and end
//! a trip (passages no more than three hours apart), or the same set of
//! gantries passed on one day; the one seen on more days is reported, the
//! pair when they tie.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Passages further apart than this belong to two trips.
pub const TRIP_GAP_HOURS: i64 = 3;

/// The longest window screening takes, in days.
pub const MAX_WINDOW: i64 = 366;

/// The thresholds of the suspect rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rule {
    /// How many days of passages are looked at.
    pub days: i64,
    /// On how many distinct days a bus must run one route to be a suspect.
    pub min_days: i64,
    /// When the thresholds were last set; absent for the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Who set them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
}

impl Rule {
    /// Checks the thresholds; the error says which is wrong.
    pub fn check(days: i64, min_days: i64) -> Result<(), String> {
        if !(1..=MAX_WINDOW).contains(&days) {
            return Err(format!(
                "--days is {days}; give a window of 1 to {MAX_WINDOW} days"
            ));
        }
        if min_days < 2 || min_days > days {
            return Err(format!(
                "--min-days is {min_days}; give 2 to {days} (the window's length)"
            ));
        }
        Ok(())
    }
}

/// What `PUT /api/v1/screen/rule` takes.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleChange {
    /// The window, in days.
    pub days: i64,
    /// Distinct days on one route.
    pub min_days: i64,
}

/// What `POST /api/v1/screen/runs` takes; thresholds left out are the
/// stored rule's.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunRequest {
    /// The window, in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<i64>,
    /// Distinct days on one route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_days: Option<i64>,
    /// The window's first local day; it ends today when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Only report; add nobody to the list.
    #[serde(default)]
    pub dry_run: bool,
}

/// A bus on the register of licensed operators: screening leaves it alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Licence {
    /// The normalised plate.
    pub plate: String,
    /// The operating company.
    pub operator: String,
    /// The road passenger transport licence number.
    pub licence: String,
    /// The route it is licensed for, in words.
    pub route: String,
}

/// One passage, as far as screening needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    /// The normalised plate.
    pub plate: String,
    /// The gantry's id.
    pub gantry: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// How a route is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    /// The same two gantries in the same order on one day.
    Pair,
    /// The same set of gantries on one day.
    Set,
}

/// What became of a bus that matched the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Added to the illegal-operation list as a suspect.
    Added,
    /// Would be added (a dry run).
    WouldAdd,
    /// Already suspect, grey or black.
    Listed,
    /// On the list as excluded: left alone.
    Excluded,
    /// On the register of licensed operators: left alone.
    Licensed,
}

impl Outcome {
    /// The name in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Added => "added",
            Outcome::WouldAdd => "would-add",
            Outcome::Listed => "listed",
            Outcome::Excluded => "excluded",
            Outcome::Licensed => "licensed",
        }
    }
}

/// A bus that ran one route on at least `min_days` days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    /// The normalised plate.
    pub plate: String,
    /// Pair or set.
    pub kind: RouteKind,
    /// The gantry ids of the route: the pair in order, or the set sorted.
    pub route: Vec<String>,
    /// The route in words (gantry names), filled in by the server.
    #[serde(default)]
    pub route_names: Vec<String>,
    /// Distinct local days on which it ran the route.
    pub days: i64,
    /// The first passage on the route in the window.
    pub first: DateTime<Utc>,
    /// The last.
    pub last: DateTime<Utc>,
    /// What was done about it.
    pub outcome: Outcome,
}

impl Finding {
    /// The evidence recorded with the list step.
    pub fn evidence(&self, window_days: i64) -> String {
        let names = if self.route_names.is_empty() {
            &self.route
        } else {
            &self.route_names
        };
        let joint = match self.kind {
            RouteKind::Pair => " → ",
            RouteKind::Set => " + ",
        };
        format!(
            "route {} ({}); seen on {} days in {window_days}; first {}, last {}",
            names.join(joint),
            self.route.join(joint),
            self.days,
            super::time::local_minute(self.first),
            super::time::local_minute(self.last),
        )
    }
}

/// What a screening run found and did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    /// The window's start.
    pub from: DateTime<Utc>,
    /// The window's end (exclusive).
    pub to: DateTime<Utc>,
    /// The window, in days.
    pub days: i64,
    /// The threshold used.
    pub min_days: i64,
    /// Buses looked at.
    pub buses: i64,
    /// Every bus that matched, with what became of it.
    pub findings: Vec<Finding>,
}

/// A route seen on some days: the days, and the first and last passage.
#[derive(Debug, Default)]
struct Seen {
    days: BTreeSet<NaiveDate>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
}

impl Seen {
    fn add(&mut self, day: NaiveDate, first: DateTime<Utc>, last: DateTime<Utc>) {
        self.days.insert(day);
        self.first = Some(self.first.map_or(first, |f| f.min(first)));
        self.last = Some(self.last.map_or(last, |l| l.max(last)));
    }
}

/// Every plate in `sightings` that ran one route on at least `min_days`
/// distinct local days, with its best route, in plate order. The outcome
/// is left as [`Outcome::WouldAdd`] for the caller to settle.
pub fn find(sightings: &[Sighting], min_days: i64) -> Vec<Finding> {
    let mut by_plate: BTreeMap<&str, Vec<&Sighting>> = BTreeMap::new();
    for s in sightings {
        by_plate.entry(&s.plate).or_default().push(s);
    }
    by_plate
        .into_iter()
        .filter_map(|(plate, mut seen)| {
            seen.sort_by(|a, b| a.at.cmp(&b.at).then(a.gantry.cmp(&b.gantry)));
            best_route(plate, &seen).filter(|f| f.days >= min_days)
        })
        .collect()
}

/// The route one plate ran on the most days.
fn best_route(plate: &str, seen: &[&Sighting]) -> Option<Finding> {
    let zone = super::time::operator_zone();
    let mut by_day: BTreeMap<NaiveDate, Vec<&Sighting>> = BTreeMap::new();
    for s in seen {
        by_day
            .entry(s.at.with_timezone(&zone).date_naive())
            .or_default()
            .push(s);
    }
    let mut pairs: HashMap<(String, String), Seen> = HashMap::new();
    let mut sets: HashMap<Vec<String>, Seen> = HashMap::new();
    for (day, day_seen) in &by_day {
        for trip in trips(day_seen) {
            let (a, b) = (trip[0], trip[trip.len() - 1]);
            if a.gantry != b.gantry {
                let key = (a.gantry.clone(), b.gantry.clone());
                pairs.entry(key).or_default().add(*day, a.at, b.at);
            }
        }
        let set: BTreeSet<&str> = day_seen.iter().map(|s| s.gantry.as_str()).collect();
        if set.len() >= 2 {
            let (first, last) = (day_seen[0].at, day_seen[day_seen.len() - 1].at);
            let key: Vec<String> = set.into_iter().map(str::to_string).collect();
            sets.entry(key).or_default().add(*day, first, last);
        }
    }
    let finding = |kind, route: Vec<String>, s: &Seen| Finding {
        plate: plate.to_string(),
        kind,
        route,
        route_names: Vec::new(),
        days: s.days.len() as i64,
        first: s.first.unwrap_or_default(),
        last: s.last.unwrap_or_default(),
        outcome: Outcome::WouldAdd,
    };
    // Most days first; ties go to the earlier first passage, then the route.
    let pair = pairs
        .iter()
        .map(|((a, b), s)| finding(RouteKind::Pair, vec![a.clone(), b.clone()], s))
        .min_by(rank);
    let set = sets
        .iter()
        .map(|(k, s)| finding(RouteKind::Set, k.clone(), s))
        .min_by(rank);
    match (pair, set) {
        (Some(p), Some(s)) if s.days > p.days => Some(s),
        (Some(p), _) => Some(p),
        (None, s) => s,
    }
}

/// One day's passages cut into trips where the vehicle was not seen for
/// [`TRIP_GAP_HOURS`].
fn trips<'a>(day_seen: &[&'a Sighting]) -> Vec<Vec<&'a Sighting>> {
    let mut out: Vec<Vec<&Sighting>> = Vec::new();
    for s in day_seen {
        let gap = out
            .last()
            .and_then(|t| t.last())
            .is_none_or(|prev| s.at - prev.at > chrono::Duration::hours(TRIP_GAP_HOURS));
        if gap {
            out.push(Vec::new());
        }
        if let Some(t) = out.last_mut() {
            t.push(s);
        }
    }
    out
}

fn rank(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.days
        .cmp(&a.days)
        .then(a.first.cmp(&b.first))
        .then(a.route.cmp(&b.route))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        super::super::time::operator_zone()
            .with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn s(plate: &str, gantry: &str, t: DateTime<Utc>) -> Sighting {
        Sighting {
            plate: plate.into(),
            gantry: gantry.into(),
            at: t,
        }
    }

    #[test]
    fn a_bus_on_one_route_most_days_is_found_with_its_pair() {
        let mut seen = Vec::new();
        for day in 1..=14 {
            seen.push(s("苏A11111", "NJ", at(day, 7)));
            seen.push(s("苏A11111", "ZJ", at(day, 8)));
        }
        // A bus seen on a few days only is not.
        for day in 1..=3 {
            seen.push(s("苏A22222", "NJ", at(day, 7)));
            seen.push(s("苏A22222", "ZJ", at(day, 8)));
        }
        let found = find(&seen, 10);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(
            (f.plate.as_str(), f.kind, f.days),
            ("苏A11111", RouteKind::Pair, 14)
        );
        assert_eq!(f.route, ["NJ", "ZJ"]);
        assert_eq!((f.first, f.last), (at(1, 7), at(14, 8)));
        assert!(f.evidence(30).contains("seen on 14 days in 30"));
    }

    #[test]
    fn a_route_run_both_ways_counts_as_one_set() {
        let mut seen = Vec::new();
        for day in 1..=12 {
            let (a, b) = if day % 2 == 0 { ("A", "B") } else { ("B", "A") };
            seen.push(s("皖K11111", a, at(day, 7)));
            seen.push(s("皖K11111", b, at(day, 8)));
        }
        let f = &find(&seen, 10)[0];
        assert_eq!((f.kind, f.days), (RouteKind::Set, 12));
        assert_eq!(f.route, ["A", "B"]);
    }

    #[test]
    fn days_are_local_days_and_one_gantry_is_no_route() {
        // 23:30 and 00:30 local fall on two days: no day holds two gantries.
        let t = at(1, 23) + Duration::minutes(30);
        let mut seen = vec![
            s("苏B33333", "X", t),
            s("苏B33333", "Y", t + Duration::minutes(60)),
        ];
        for day in 1..=5 {
            seen.push(s("苏B44444", "X", at(day, 9)));
        }
        assert!(find(&seen, 1).is_empty());
    }

    #[test]
    fn thresholds_are_checked() {
        assert!(Rule::check(30, 12).is_ok());
        assert!(Rule::check(0, 1).unwrap_err().contains("--days"));
        assert!(Rule::check(30, 31).unwrap_err().contains("--min-days"));
        assert!(Rule::check(30, 1).unwrap_err().contains("--min-days"));
    }
}
