//! `?reveal=true`: personal data unmasked for the roles that may see it,
//! each such read audited.
//!
//! | field                   | routes                         | roles               |
//! |-------------------------|--------------------------------|---------------------|
//! | an incident's caller    | `GET /incidents`, `/{id}`      | dispatcher, admin   |
//! | a rescue team's phone   | `GET /teams`, `/{code}`        | dispatcher, admin   |
//! | a vessel owner's ID     | `GET /vessels`, `/{id}`        | maritime, admin     |
//!
//! Every record shown unmasked gets one audit row: action `reveal`, its
//! entity and key, who asked, and `{"revealed": COLUMN}`. The rows commit
//! before the answer is sent. Any other role asking gets 403; without
//! `reveal` every answer stays masked.

use super::{ApiError, ApiResult, App, Caller};
use crate::model::Role;
use crate::store::PersonalColumn;
use serde::Deserialize;
use std::collections::HashMap;

/// The `reveal` query parameter, on any route that shows personal data.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// Show the personal data unmasked.
    #[serde(default)]
    pub reveal: bool,
}

/// A kind of personal data that can be revealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personal {
    /// The phone of whoever reported an incident.
    CallerPhone,
    /// A rescue team's duty phone.
    TeamPhone,
    /// A vessel owner's resident ID number.
    OwnerId,
}

impl Personal {
    /// Whether `role` may see it unmasked.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Personal::CallerPhone | Personal::TeamPhone => {
                matches!(role, Role::Admin | Role::Dispatcher)
            }
            Personal::OwnerId => matches!(role, Role::Admin | Role::Maritime),
        }
    }

    fn words(self) -> &'static str {
        match self {
            Personal::CallerPhone => "callers' phone numbers",
            Personal::TeamPhone => "rescue teams' phone numbers",
            Personal::OwnerId => "vessel owners' resident ID numbers",
        }
    }

    fn who(self) -> &'static str {
        match self {
            Personal::CallerPhone | Personal::TeamPhone => "the dispatcher or admin role",
            Personal::OwnerId => "the maritime or admin role",
        }
    }

    fn column(self) -> PersonalColumn {
        match self {
            Personal::CallerPhone => PersonalColumn {
                table: "incidents",
                key: "id",
                numeric_key: true,
                column: "caller",
                entity: "incident",
            },
            Personal::TeamPhone => PersonalColumn {
                table: "teams",
                key: "code",
                numeric_key: false,
                column: "phone",
                entity: "team",
            },
            Personal::OwnerId => PersonalColumn {
                table: "vessels",
                key: "id",
                numeric_key: true,
                column: "owner_id",
                entity: "vessel",
            },
        }
    }
}

/// 403 unless the caller's role may see `field` unmasked.
pub fn check(caller: &Caller, field: Personal) -> ApiResult<()> {
    if field.allows(caller.role) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "the `{}` role may not see {} unmasked; that needs {}. Ask without reveal to see \
         them masked",
        caller.role,
        field.words(),
        field.who()
    )))
}

/// The unmasked values of `field` for the records `keys`, audited; checks
/// the caller's role first.
pub async fn reveal(
    app: &App,
    caller: &Caller,
    field: Personal,
    keys: Vec<String>,
) -> ApiResult<HashMap<String, String>> {
    check(caller, field)?;
    let found = app
        .store
        .reveal(caller.actor(), field.column(), &keys)
        .await?;
    tracing::info!(
        by = %caller.name,
        field = field.column().column,
        records = found.len(),
        "personal data revealed"
    );
    Ok(found)
}
