//! The audit log's vocabulary: who made a change, one row of the log, and
//! what `verify` found.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who makes a change: the token's name and its role, as the audit log
/// records them. Writes made by the server itself (fixtures, the demo, the
/// first admin token) carry the role `system`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    /// The token's name.
    pub name: &'a str,
    /// The token's role, or `system`.
    pub role: &'a str,
}

impl<'a> Actor<'a> {
    /// A change made by the server itself on behalf of `name` (a loader, the
    /// demo), not through a token.
    pub fn system(name: &'a str) -> Actor<'a> {
        Actor {
            name,
            role: "system",
        }
    }
}

/// One change to record: what was done to which record, and the record as
/// the API shows it (masked) before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// The kind of record: `incident`, `vessel`, `token`, `blacklist`, ….
    pub entity: String,
    /// Its key: an id, a plate, a code.
    pub key: String,
    /// What was done: `create`, `dispatch`, `revoke`, ….
    pub action: String,
    /// The record before the change; `None` for a new one.
    pub before: Option<serde_json::Value>,
    /// The record after the change; `None` when it is gone.
    pub after: Option<serde_json::Value>,
}

impl AuditEntry {
    /// An entry for `action` on `entity` `key`, with no record attached yet.
    pub fn new(entity: &str, key: impl ToString, action: &str) -> AuditEntry {
        AuditEntry {
            entity: entity.to_string(),
            key: key.to_string(),
            action: action.to_string(),
            before: None,
            after: None,
        }
    }

    /// With the record as it was; it must already be masked as the API shows it.
    pub fn before<T: Serialize>(mut self, record: &T) -> AuditEntry {
        self.before = serde_json::to_value(record).ok();
        self
    }

    /// With the record as it is now; it must already be masked as the API shows it.
    pub fn after<T: Serialize>(mut self, record: &T) -> AuditEntry {
        self.after = serde_json::to_value(record).ok();
        self
    }
}

/// One row of the audit log, as `GET /api/v1/audit` returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct AuditRow {
    /// Position in the chain: 1, 2, 3, … with no gaps.
    pub id: i64,
    /// When the change was committed.
    pub at: DateTime<Utc>,
    /// The token's name.
    pub actor: String,
    /// The token's role, or `system`.
    pub role: String,
    /// What was done.
    pub action: String,
    /// The kind of record.
    pub entity: String,
    /// The record's key.
    pub key: String,
    /// The record before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<serde_json::Value>,
    /// The record after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<serde_json::Value>,
    /// The previous row's hash (the genesis value for row 1).
    pub prev_hash: String,
    /// This row's hash; see `store::audit` for the recipe.
    pub hash: String,
}

/// How a row fails the chain.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The row's fields no longer give its stored hash: it was edited.
    Changed,
    /// One or more rows before it are missing.
    Missing,
    /// The row does not link to the one before it: that one was rewritten
    /// with a fresh hash, or rows were moved.
    Order,
}

/// The first row that breaks the chain.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct BadRow {
    /// The row's id.
    pub id: i64,
    /// When it says it was written.
    pub at: DateTime<Utc>,
    /// What is wrong with it.
    pub fault: Fault,
    /// The same, in a sentence.
    pub detail: String,
}

/// What `GET /api/v1/audit/verify` found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Verification {
    /// True when every row matches its hash and links to the one before.
    pub intact: bool,
    /// Rows checked.
    pub rows: i64,
    /// The id of the last row checked, 0 for an empty log.
    pub last_id: i64,
    /// The hash of the last row checked (the genesis value for an empty
    /// log); keep it elsewhere to notice rows cut from the end later.
    pub last_hash: String,
    /// The first bad row, when the chain is broken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_bad: Option<BadRow>,
}
