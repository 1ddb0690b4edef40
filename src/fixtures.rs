//! The demo's reference data, built into the binary from `fixtures/` so
//! `safedesk demo` runs from any directory. `fixtures/README.md` says where
//! each figure comes from.

use crate::model::{Elevator, Team, TeamStatus};
use crate::store::{HistoricIncident, Store};
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Deserialize;

const TEAMS: &str = include_str!("../fixtures/teams.csv");
const ELEVATORS: &str = include_str!("../fixtures/elevators.csv");
const INCIDENTS: &str = include_str!("../fixtures/incidents.csv");

/// What was loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// Rescue teams.
    pub teams: usize,
    /// Elevators.
    pub elevators: usize,
    /// Closed incidents of the history month.
    pub incidents: usize,
}

#[derive(Deserialize)]
struct TeamRow {
    code: String,
    name: String,
    company: String,
    city: String,
    district: String,
    phone: String,
    status: String,
}

#[derive(Deserialize)]
struct ElevatorRow {
    rescue_code: String,
    registration_code: String,
    city: String,
    district: String,
    street: String,
    address: String,
    place_type: String,
    maintenance_company: String,
    team_code: String,
}

#[derive(Deserialize)]
struct IncidentRow {
    rescue_code: String,
    reported_at: DateTime<Utc>,
    dispatched_at: DateTime<Utc>,
    on_scene_at: DateTime<Utc>,
    released_at: DateTime<Utc>,
    closed_at: DateTime<Utc>,
    team_code: String,
    trapped: i64,
    freed: i64,
    vulnerable: String,
    caller: String,
    note: String,
}

fn rows<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> anyhow::Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.with_context(|| format!("fixtures/{name}, record {}", i + 1)))
        .collect()
}

/// The rescue teams.
pub fn teams() -> anyhow::Result<Vec<Team>> {
    rows::<TeamRow>("teams.csv", TEAMS)?
        .into_iter()
        .map(|r| {
            Ok(Team {
                status: r.status.parse::<TeamStatus>().map_err(anyhow::Error::msg)?,
                code: r.code,
                name: r.name,
                company: r.company,
                city: r.city,
                district: r.district,
                phone: r.phone,
                incident: None,
                version: 1,
            })
        })
        .collect()
}

/// The elevators.
pub fn elevators() -> anyhow::Result<Vec<Elevator>> {
    rows::<ElevatorRow>("elevators.csv", ELEVATORS)?
        .into_iter()
        .map(|r| {
            Ok(Elevator {
                place_type: r.place_type.parse().map_err(anyhow::Error::msg)?,
                rescue_code: r.rescue_code,
                registration_code: r.registration_code,
                city: r.city,
                district: r.district,
                street: r.street,
                address: r.address,
                maintenance_company: r.maintenance_company,
                team: r.team_code,
            })
        })
        .collect()
}

/// The closed incidents of the history month.
pub fn history() -> anyhow::Result<Vec<HistoricIncident>> {
    Ok(rows::<IncidentRow>("incidents.csv", INCIDENTS)?
        .into_iter()
        .map(|r| HistoricIncident {
            rescue_code: r.rescue_code,
            reported_at: r.reported_at,
            dispatched_at: r.dispatched_at,
            on_scene_at: r.on_scene_at,
            released_at: r.released_at,
            closed_at: r.closed_at,
            team: r.team_code,
            trapped: r.trapped,
            freed: r.freed,
            vulnerable: r
                .vulnerable
                .split(',')
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect(),
            caller: r.caller,
            note: r.note,
        })
        .collect())
}

/// Loads teams, elevators and the history month into an empty store.
pub async fn seed(store: &Store) -> anyhow::Result<Seeded> {
    let teams = teams()?;
    let elevators = elevators()?;
    let history = history()?;
    store.upsert_teams(&teams).await.context("loading teams")?;
    store
        .upsert_elevators(&elevators)
        .await
        .context("loading elevators")?;
    store
        .seed_history(&history)
        .await
        .context("loading the incident history")?;
    Ok(Seeded {
        teams: teams.len(),
        elevators: elevators.len(),
        incidents: history.len(),
    })
}
