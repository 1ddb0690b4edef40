//! Roles, and what each may do.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The role a token carries. Every route states which roles may call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform: tokens, imports, everything.
    Admin,
    /// 96333 dispatcher: takes incidents from reported to closed.
    Dispatcher,
    /// Maritime officer: the three-no vessel register.
    Maritime,
    /// Highway patrol: plate checks and alerts.
    Patrol,
    /// Transport admin: changes the vehicle lists.
    Transport,
    /// Gas-safety admin: cylinder registers.
    Gas,
    /// Reads everything, changes nothing.
    Viewer,
}

impl Role {
    /// Every role, in the order help texts list them.
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Dispatcher,
        Role::Maritime,
        Role::Patrol,
        Role::Transport,
        Role::Gas,
        Role::Viewer,
    ];

    /// The name used on the wire and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dispatcher => "dispatcher",
            Role::Maritime => "maritime",
            Role::Patrol => "patrol",
            Role::Transport => "transport",
            Role::Gas => "gas",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown role `{s}`; expected one of {}", names.join(", "))
            })
    }
}
