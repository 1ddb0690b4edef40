//! The demo's reference data, built into the binary from `fixtures/` so
//! `safedesk demo` runs from any directory. `fixtures/README.md` says where
//! each figure comes from.

use crate::model::audit::Actor;
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

const BLACKLIST: &str = include_str!("../fixtures/blacklist.csv");
const MUCK: &str = include_str!("../fixtures/muck.csv");

#[derive(Deserialize)]
struct BlacklistRow {
    plate: String,
    action: String,
    to: String,
    at: DateTime<Utc>,
    actor: String,
    reason: String,
    evidence: String,
}

#[derive(Deserialize)]
struct MuckRow {
    plate: String,
    kind: String,
    at: DateTime<Utc>,
}

/// Loads the highway lists into a store that has none: one vehicle at each
/// stage of the illegal-operation list (with the steps that led there, at
/// fixed November 2026 times), a few muck-truck violations, the gantry
/// register and the licensed operators. The passages are loaded apart, by
/// [`seed_passages`].
pub async fn seed_highway(store: &Store) -> anyhow::Result<()> {
    use crate::model::blacklist::Step;
    use crate::model::muck::NewViolation;
    store
        .upsert_gantries(&gantries()?)
        .await
        .context("loading the gantries")?;
    store
        .upsert_licences(&licences()?)
        .await
        .context("loading the licensed operators")?;
    for (i, r) in rows::<BlacklistRow>("blacklist.csv", BLACKLIST)?
        .into_iter()
        .enumerate()
    {
        let step = Step {
            plate: r.plate,
            action: r.action.parse().map_err(anyhow::Error::msg)?,
            to: Some(r.to)
                .filter(|t| !t.is_empty())
                .map(|t| t.parse())
                .transpose()
                .map_err(anyhow::Error::msg)?,
            reason: r.reason,
            evidence: Some(r.evidence).filter(|e| !e.is_empty()),
        };
        store
            .blacklist_step_at(&step, Actor::system(&r.actor), r.at)
            .await
            .with_context(|| format!("fixtures/blacklist.csv, record {}", i + 1))?;
    }
    for (i, r) in rows::<MuckRow>("muck.csv", MUCK)?.into_iter().enumerate() {
        let new = NewViolation {
            plate: r.plate,
            kind: r.kind.parse().map_err(anyhow::Error::msg)?,
            at: r.at,
        };
        store
            .add_violation(&new, Actor::system("fixtures"))
            .await
            .with_context(|| format!("fixtures/muck.csv, record {}", i + 1))?;
    }
    Ok(())
}

const GANTRIES: &str = include_str!("../fixtures/gantries.csv");
const LICENSED: &str = include_str!("../fixtures/licensed_operators.csv");
const PASSAGES: &str = include_str!("../fixtures/passages.csv");

#[derive(Deserialize)]
struct GantryRow {
    id: String,
    name: String,
    road: String,
    city: String,
    lat: f64,
    lon: f64,
    direction: String,
}

#[derive(Deserialize)]
struct PassageRow {
    gantry_id: String,
    time: String,
    plate: String,
    plate_colour: String,
    vehicle_class: String,
}

/// The ETC gantries on five Jiangsu expressways, both directions.
pub fn gantries() -> anyhow::Result<Vec<crate::model::passage::Gantry>> {
    rows::<GantryRow>("gantries.csv", GANTRIES)?
        .into_iter()
        .map(|r| {
            Ok(crate::model::passage::Gantry {
                direction: r.direction.parse().map_err(anyhow::Error::msg)?,
                id: r.id,
                name: r.name,
                road: r.road,
                city: r.city,
                lat: r.lat,
                lon: r.lon,
            })
        })
        .collect()
}

/// The licensed operators' buses, which screening leaves alone.
pub fn licences() -> anyhow::Result<Vec<crate::model::screen::Licence>> {
    rows("licensed_operators.csv", LICENSED)
}

/// Four weeks of ETC-shaped passages (November 2026), read as an import
/// reads a file: field by field through [`NewPassage::from_fields`].
///
/// [`NewPassage::from_fields`]: crate::model::passage::NewPassage::from_fields
pub fn passages() -> anyhow::Result<Vec<crate::model::passage::NewPassage>> {
    rows::<PassageRow>("passages.csv", PASSAGES)?
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            crate::model::passage::NewPassage::from_fields(
                &r.gantry_id,
                &r.time,
                &r.plate,
                &r.plate_colour,
                &r.vehicle_class,
                None,
            )
            .map_err(|e| anyhow::anyhow!("fixtures/passages.csv, record {}: {e}", i + 1))
        })
        .collect()
}

/// Loads the passages through the store's own path, alerts and all, in
/// requests of the API's size; returns how many were stored.
pub async fn seed_passages(store: &Store) -> anyhow::Result<u64> {
    let mut stored = 0;
    for batch in passages()?.chunks(crate::model::passage::MAX_PASSAGES) {
        let (counts, _) = store
            .insert_passages(batch, Actor::system("fixtures"))
            .await
            .context("loading the passages")?;
        stored += counts.inserted;
    }
    Ok(stored)
}

const BASES: &str = include_str!("../fixtures/bases.csv");
const VESSELS: &str = include_str!("../fixtures/vessels.csv");

#[derive(Deserialize)]
struct BaseRow {
    code: String,
    name: String,
    kind: String,
    city: String,
    lat: f64,
    lon: f64,
    capacity: i64,
}

#[derive(Deserialize)]
struct VesselRow {
    found_at: DateTime<Utc>,
    waterway: String,
    city: String,
    lat: Option<f64>,
    lon: Option<f64>,
    hull: String,
    material: String,
    length_m: Option<f64>,
    engine_kw: Option<f64>,
    marks: String,
    owner_name: String,
    owner_id: String,
    state: String,
    base_code: String,
    disposed_at: Option<DateTime<Utc>>,
}

/// The 11 detention bases and 3 temporary points.
pub fn bases() -> anyhow::Result<Vec<crate::model::Base>> {
    Ok(rows::<BaseRow>("bases.csv", BASES)?
        .into_iter()
        .map(|r| crate::model::Base {
            code: r.code,
            name: r.name,
            kind: r.kind,
            city: r.city,
            lat: r.lat,
            lon: r.lon,
            capacity: r.capacity,
            occupied: 0,
        })
        .collect())
}

/// The campaign's register: 2,204 vessels at their end states.
pub fn vessels() -> anyhow::Result<Vec<crate::store::HistoricVessel>> {
    let text = |s: String| Some(s).filter(|s| !s.is_empty());
    rows::<VesselRow>("vessels.csv", VESSELS)?
        .into_iter()
        .map(|r| {
            Ok(crate::store::HistoricVessel {
                found_at: r.found_at,
                fields: crate::model::VesselFields {
                    waterway: Some(r.waterway),
                    city: Some(r.city),
                    lat: r.lat,
                    lon: r.lon,
                    hull: text(r.hull),
                    material: Some(r.material.parse().map_err(anyhow::Error::msg)?),
                    length_m: r.length_m,
                    engine_kw: r.engine_kw,
                    marks: text(r.marks),
                    owner_name: text(r.owner_name),
                    owner_id: text(r.owner_id),
                },
                state: r.state.parse().map_err(anyhow::Error::msg)?,
                base: text(r.base_code),
                disposed_at: r.disposed_at,
            })
        })
        .collect()
}

/// Loads the bases and the vessel register into a store that has none.
pub async fn seed_maritime(store: &Store) -> anyhow::Result<()> {
    store
        .upsert_bases(&bases()?)
        .await
        .context("loading detention bases")?;
    store
        .seed_vessels(&vessels()?)
        .await
        .context("loading the vessel register")?;
    Ok(())
}
