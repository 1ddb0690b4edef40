//! Notices to other provinces (DESIGN §4.3): when a vehicle whose plate
//! another province issued goes onto the grey or black list, a notice to
//! that province is made. It is exported per province, and its state is
//! kept: `pending → sent → acknowledged`, one step at a time.

use super::blacklist::Stage;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The province whose own vehicles need no notice.
pub const HOME_PROVINCE: &str = "江苏省";

/// Whether a step to `stage` of a plate from `province` makes a notice.
pub fn needs_notice(province: &str, stage: Stage) -> bool {
    province != HOME_PROVINCE && matches!(stage, Stage::Grey | Stage::Black)
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Made, not yet sent.
    Pending,
    /// Sent to the province.
    Sent,
    /// The province said it has it.
    Acknowledged,
}

impl NoticeState {
    /// Every state, in order.
    pub const ALL: [NoticeState; 3] = [
        NoticeState::Pending,
        NoticeState::Sent,
        NoticeState::Acknowledged,
    ];

    /// The name on the wire and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeState::Pending => "pending",
            NoticeState::Sent => "sent",
            NoticeState::Acknowledged => "acknowledged",
        }
    }

    /// The state a notice must be in to be marked `self`.
    fn before(self) -> Option<NoticeState> {
        match self {
            NoticeState::Pending => None,
            NoticeState::Sent => Some(NoticeState::Pending),
            NoticeState::Acknowledged => Some(NoticeState::Sent),
        }
    }

    /// The mark that may follow this state, as the command line spells it.
    fn next_mark(self) -> Option<&'static str> {
        match self {
            NoticeState::Pending => Some("--sent"),
            NoticeState::Sent => Some("--acknowledged"),
            NoticeState::Acknowledged => None,
        }
    }

    /// Checks that notice `id`, now `self`, may be marked `to`; the error
    /// names the mark allowed now.
    pub fn check_mark(self, id: i64, to: NoticeState) -> Result<(), String> {
        if to.before() == Some(self) {
            return Ok(());
        }
        let allowed = match self.next_mark() {
            Some(m) => format!("allowed now: {m}"),
            None => "it is done; nothing follows".to_string(),
        };
        Err(format!(
            "notice {id} is {self}, and it cannot be marked {to} from there; {allowed}"
        ))
    }
}

impl fmt::Display for NoticeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NoticeState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NoticeState::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!("unknown notice state `{s}`; expected pending, sent or acknowledged")
            })
    }
}

/// A notice to a vehicle's home province.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Notice {
    /// Its number.
    pub id: i64,
    /// The normalised plate.
    pub plate: String,
    /// The province it goes to (the one that issued the plate).
    pub province: String,
    /// The stage the vehicle went to: grey or black.
    pub stage: Stage,
    /// Why (the list step's reason).
    pub reason: String,
    /// When the vehicle went there.
    pub listed_at: DateTime<Utc>,
    /// Where the notice stands.
    pub state: NoticeState,
    /// When it was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// When the province acknowledged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who marked it last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marked_by: Option<String>,
    /// Bumped on every mark.
    pub version: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use NoticeState::*;

    #[test]
    fn marks_go_one_step_at_a_time() {
        assert!(Pending.check_mark(3, Sent).is_ok());
        assert!(Sent.check_mark(3, Acknowledged).is_ok());
        assert_eq!(
            Pending.check_mark(3, Acknowledged).unwrap_err(),
            "notice 3 is pending, and it cannot be marked acknowledged from there; \
             allowed now: --sent"
        );
        assert!(
            Sent.check_mark(3, Sent)
                .unwrap_err()
                .ends_with("--acknowledged")
        );
        assert!(
            Acknowledged
                .check_mark(3, Sent)
                .unwrap_err()
                .contains("nothing follows")
        );
    }

    #[test]
    fn only_grey_and_black_vehicles_of_other_provinces_get_one() {
        assert!(needs_notice("安徽省", Stage::Black));
        assert!(needs_notice("浙江省", Stage::Grey));
        assert!(!needs_notice("浙江省", Stage::Suspect));
        assert!(!needs_notice(HOME_PROVINCE, Stage::Black));
    }
}
