//! LPG cylinders (液化石油气钢瓶): the register of every cylinder, its owner
//! and its inspection dates. Filling and delivery records come later.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Where a cylinder is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CylinderState {
    /// 在用: in circulation.
    InService,
    /// 停用: withdrawn for now.
    OutOfService,
    /// 报废: scrapped. Its code is never used again.
    Scrapped,
}

impl CylinderState {
    /// Every state.
    pub const ALL: [CylinderState; 3] = [
        CylinderState::InService,
        CylinderState::OutOfService,
        CylinderState::Scrapped,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            CylinderState::InService => "in-service",
            CylinderState::OutOfService => "out-of-service",
            CylinderState::Scrapped => "scrapped",
        }
    }

    /// The label in registers and on screen.
    pub fn label(self) -> &'static str {
        match self {
            CylinderState::InService => "在用",
            CylinderState::OutOfService => "停用",
            CylinderState::Scrapped => "报废",
        }
    }
}

impl FromStr for CylinderState {
    type Err = String;

    /// Takes the wire name or the label.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        CylinderState::ALL
            .into_iter()
            .find(|c| c.as_str() == s || c.label() == s)
            .ok_or_else(|| {
                format!(
                    "unknown cylinder state `{s}`; use 在用 (in-service), \
                     停用 (out-of-service) or 报废 (scrapped)"
                )
            })
    }
}

/// One cylinder in the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cylinder {
    /// The code stamped and tagged on it; unique for ever.
    pub code: String,
    /// The owner company's unified social credit code.
    pub owner_uscc: String,
    /// Whether an admin accepted an owner code that fails its check.
    #[serde(default)]
    pub owner_uscc_unchecked: bool,
    /// The owner company's name, when the register gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// Its size, as the register writes it (`15kg`, `YSP35.5`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// When it was made.
    pub made_on: NaiveDate,
    /// When it was last inspected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_inspected_on: Option<NaiveDate>,
    /// When its next inspection falls due.
    pub next_inspection_on: NaiveDate,
    /// Where it is in its life.
    pub state: CylinderState,
    /// Bumped on every change.
    pub version: i64,
}

impl Cylinder {
    /// Whether its inspection is past due on `day`.
    pub fn overdue(&self, day: NaiveDate) -> bool {
        self.state == CylinderState::InService && self.next_inspection_on < day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_labels_and_names() {
        assert_eq!("报废".parse(), Ok(CylinderState::Scrapped));
        assert_eq!("in-service".parse(), Ok(CylinderState::InService));
        assert!("lost".parse::<CylinderState>().is_err());
    }
}
