//! RFC 9457 problem details: the one shape every error takes on the wire.

use serde::{Deserialize, Serialize};

/// A problem report, as the server sends it and the client reads it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Problem {
    /// A short kebab-case name of the kind of problem, e.g. `conflict`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A sentence that names the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time, and what to do about it.
    pub detail: String,
    /// Field problems, one per field, for invalid input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The record as it stands now, sent with a conflict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<serde_json::Value>,
}

/// One field's problem inside a [`Problem`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as in the request body or query.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}
