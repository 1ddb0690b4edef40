//! Elevators and rescue teams: the registers that incidents point at.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a rescue team is in its day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamStatus {
    /// Free to take an incident.
    Available,
    /// On its way to an incident.
    Dispatched,
    /// At an incident.
    OnScene,
    /// Not on shift.
    OffDuty,
}

impl TeamStatus {
    /// Every status.
    pub const ALL: [TeamStatus; 4] = [
        TeamStatus::Available,
        TeamStatus::Dispatched,
        TeamStatus::OnScene,
        TeamStatus::OffDuty,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TeamStatus::Available => "available",
            TeamStatus::Dispatched => "dispatched",
            TeamStatus::OnScene => "on_scene",
            TeamStatus::OffDuty => "off_duty",
        }
    }

    /// The label operators read.
    pub fn label(self) -> &'static str {
        match self {
            TeamStatus::Available => "空闲",
            TeamStatus::Dispatched => "出动",
            TeamStatus::OnScene => "到场",
            TeamStatus::OffDuty => "休息",
        }
    }
}

impl fmt::Display for TeamStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TeamStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TeamStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown team status `{s}`; expected available, dispatched, on_scene \
                     or off_duty"
                )
            })
    }
}

/// What kind of place an elevator serves; hospitals and schools weigh on priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceType {
    /// Housing.
    Residence,
    /// A hospital.
    Hospital,
    /// A shopping mall.
    Mall,
    /// An office building.
    Office,
    /// A school.
    School,
    /// A metro station.
    Metro,
    /// Anything else.
    Other,
}

impl PlaceType {
    /// Every place type.
    pub const ALL: [PlaceType; 7] = [
        PlaceType::Residence,
        PlaceType::Hospital,
        PlaceType::Mall,
        PlaceType::Office,
        PlaceType::School,
        PlaceType::Metro,
        PlaceType::Other,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceType::Residence => "residence",
            PlaceType::Hospital => "hospital",
            PlaceType::Mall => "mall",
            PlaceType::Office => "office",
            PlaceType::School => "school",
            PlaceType::Metro => "metro",
            PlaceType::Other => "other",
        }
    }

    /// The label operators read.
    pub fn label(self) -> &'static str {
        match self {
            PlaceType::Residence => "住宅",
            PlaceType::Hospital => "医院",
            PlaceType::Mall => "商场",
            PlaceType::Office => "办公",
            PlaceType::School => "学校",
            PlaceType::Metro => "地铁",
            PlaceType::Other => "其他",
        }
    }
}

impl FromStr for PlaceType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlaceType::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown place type `{s}`"))
    }
}

/// A rescue team.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Team {
    /// The team's code, e.g. `T0001`.
    pub code: String,
    /// The team's name.
    pub name: String,
    /// The maintenance company it belongs to.
    pub company: String,
    /// Full city name.
    pub city: String,
    /// District or county.
    pub district: String,
    /// The team's duty phone.
    pub phone: String,
    /// Where it is in its day.
    pub status: TeamStatus,
    /// The incident it is on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<i64>,
    /// Bumped on every change.
    pub version: i64,
}

/// A team that could be sent to an incident, and why it is suggested.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Suggestion {
    /// The team.
    #[serde(flatten)]
    pub team: Team,
    /// 维保单位本队 (the elevator's own), 同区县 (same district) or 同城市 (same city).
    pub reason: String,
}

/// An elevator on the platform, found by the rescue code on its car sticker.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Elevator {
    /// The 6-digit code on the sticker in the car.
    pub rescue_code: String,
    /// The 20-digit equipment registration code.
    pub registration_code: String,
    /// Full city name.
    pub city: String,
    /// District or county.
    pub district: String,
    /// Township or street.
    pub street: String,
    /// Building and car.
    pub address: String,
    /// What kind of place it serves.
    pub place_type: PlaceType,
    /// Who maintains it.
    pub maintenance_company: String,
    /// Its own maintenance team, first choice for a rescue.
    pub team: String,
}

/// Checks a rescue code: exactly six ASCII digits.
pub fn validate_rescue_code(code: &str) -> Result<(), String> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "`{code}` is not a rescue code; it is the 6 digits on the sticker inside the car"
        ))
    }
}

/// Checks a registration code: exactly twenty ASCII digits.
pub fn validate_registration_code(code: &str) -> Result<(), String> {
    if code.len() == 20 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "`{code}` is not a registration code; it has 20 digits"
        ))
    }
}
