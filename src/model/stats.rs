//! Incident statistics: counts, persons freed, and the arrival and rescue
//! clocks against the 30-minute rule.

use super::Incident;
use super::incident::ARRIVAL_LIMIT_SECS;
use serde::{Deserialize, Serialize};

/// The figures for one group of incidents (a day, a city, the province).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct IncidentStats {
    /// What the group is: a city, a day, or `全省` for everything.
    pub group: String,
    /// Incidents reported.
    pub count: i64,
    /// Of those, still open.
    pub open: i64,
    /// Of those, cancelled.
    pub cancelled: i64,
    /// Persons freed.
    pub freed: i64,
    /// Mean arrival time in seconds, over incidents with a team on scene.
    pub avg_arrival_secs: Option<f64>,
    /// 90th-percentile arrival time in seconds.
    pub p90_arrival_secs: Option<i64>,
    /// Mean rescue time in seconds, over released incidents.
    pub avg_rescue_secs: Option<f64>,
    /// 90th-percentile rescue time in seconds.
    pub p90_rescue_secs: Option<i64>,
    /// Share of arrivals within 30 minutes, 0–1.
    pub within_limit: Option<f64>,
}

/// The 90th percentile by the nearest-rank method.
fn p90(sorted: &[i64]) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() as f64 * 0.9).ceil() as usize;
    sorted.get(rank.saturating_sub(1)).copied()
}

fn mean(values: &[i64]) -> Option<f64> {
    if values.is_empty() {
        None
    } else {
        Some(values.iter().sum::<i64>() as f64 / values.len() as f64)
    }
}

/// Computes the figures for one group.
pub fn summarise(group: &str, incidents: &[&Incident]) -> IncidentStats {
    let mut arrivals: Vec<i64> = incidents.iter().filter_map(|i| i.arrival_secs).collect();
    let mut rescues: Vec<i64> = incidents.iter().filter_map(|i| i.rescue_secs).collect();
    arrivals.sort_unstable();
    rescues.sort_unstable();
    let within = arrivals
        .iter()
        .filter(|s| **s <= ARRIVAL_LIMIT_SECS)
        .count();
    IncidentStats {
        group: group.to_string(),
        count: incidents.len() as i64,
        open: incidents.iter().filter(|i| i.status.is_open()).count() as i64,
        cancelled: incidents
            .iter()
            .filter(|i| i.status == super::IncidentStatus::Cancelled)
            .count() as i64,
        freed: incidents.iter().filter_map(|i| i.freed).sum(),
        avg_arrival_secs: mean(&arrivals),
        p90_arrival_secs: p90(&arrivals),
        avg_rescue_secs: mean(&rescues),
        p90_rescue_secs: p90(&rescues),
        within_limit: if arrivals.is_empty() {
            None
        } else {
            Some(within as f64 / arrivals.len() as f64)
        },
    }
}

/// Groups incidents by `key` and summarises each group, groups sorted by
/// name, with the whole as a last row named `total`.
pub fn by<F: Fn(&Incident) -> String>(
    incidents: &[Incident],
    total: &str,
    key: F,
) -> Vec<IncidentStats> {
    let mut groups: std::collections::BTreeMap<String, Vec<&Incident>> = Default::default();
    for i in incidents {
        groups.entry(key(i)).or_default().push(i);
    }
    let mut out: Vec<IncidentStats> = groups.iter().map(|(k, v)| summarise(k, v)).collect();
    let all: Vec<&Incident> = incidents.iter().collect();
    out.push(summarise(total, &all));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p90_is_nearest_rank() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(p90(&v), Some(9));
        assert_eq!(p90(&[5]), Some(5));
        assert_eq!(p90(&[]), None);
    }
}
