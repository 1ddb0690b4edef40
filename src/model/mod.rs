//! The shared vocabulary: API types, state machines and identifier checks.
//!
//! Nothing here does I/O; the server, the client, the board and the
//! commands all speak in these types.

pub mod audit;
pub mod blacklist;
pub mod city;
pub mod cylinder;
pub mod idcard;
pub mod import;
pub mod incident;
pub mod muck;
pub mod notice;
pub mod passage;
pub mod phone;
pub mod plate;
pub mod problem;
pub mod role;
pub mod screen;
pub mod stats;
pub mod team;
pub mod time;
pub mod token;
pub mod uscc;
pub mod vessel;

pub use incident::{Incident, IncidentStatus, NewIncident, TimelineEntry, Transition};
pub use problem::Problem;
pub use role::Role;
pub use team::{Elevator, PlaceType, Suggestion, Team, TeamStatus};
pub use token::{IssuedToken, TokenRecord};
pub use vessel::{Base, NewVessel, Photo, Vessel, VesselFields, VesselState, VesselStep};

use serde::{Deserialize, Serialize};

/// One page of a list, with the cursor that fetches the next one.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The records of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A change pushed on the event stream: a record's new state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Event {
    /// Monotonic id, used to resume with `Last-Event-ID`.
    pub id: i64,
    /// What changed: `incident` or `team`.
    pub kind: String,
    /// The key of the record that changed (incident id, team code).
    pub key: String,
    /// When the change was committed.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The record as it is after the change.
    pub data: serde_json::Value,
}

/// The answer of `GET /api/v1/health`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when the database answered.
    pub status: String,
    /// The server's version.
    pub version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
}
