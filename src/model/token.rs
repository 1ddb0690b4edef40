//! API tokens as the API shows them: never the stored hash.

use super::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A token as listed: everything but the secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TokenRecord {
    /// Row id.
    pub id: i64,
    /// Who or what holds it.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new token: the secret, shown this once, and its record.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuedToken {
    /// The secret to send as `Authorization: Bearer …`.
    pub token: String,
    /// The stored record.
    #[serde(flatten)]
    pub record: TokenRecord,
}
