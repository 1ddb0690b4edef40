//! Who may call what: one table of every route and the roles it admits,
//! used by the authorisation layer and by the tests.

use crate::model::Role;
use axum::http::Method;

/// What a route needs from the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token needed.
    Public,
    /// Any valid token.
    Read,
    /// Dispatchers and admins: incidents and team moves.
    Dispatch,
    /// Admins only: tokens, registers and the audit log.
    Admin,
    /// Highway patrol, transport and admins: plate checks, alerts and
    /// vehicles' tracks.
    Patrol,
    /// Transport admins and admins: changes to the vehicle lists.
    Transport,
    /// Maritime officers and admins: the three-no vessel register.
    Maritime,
}

impl Access {
    /// Whether a caller with `role` may use a route that needs this.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Read => true,
            Access::Dispatch => matches!(role, Role::Admin | Role::Dispatcher),
            Access::Admin => role == Role::Admin,
            Access::Patrol => matches!(role, Role::Admin | Role::Patrol | Role::Transport),
            Access::Transport => matches!(role, Role::Admin | Role::Transport),
            Access::Maritime => matches!(role, Role::Admin | Role::Maritime),
        }
    }

    /// Who may, in words, for the 403 message.
    pub fn who(self) -> &'static str {
        match self {
            Access::Public | Access::Read => "any role",
            Access::Dispatch => "the dispatcher or admin role",
            Access::Admin => "the admin role",
            Access::Patrol => "the patrol, transport or admin role",
            Access::Transport => "the transport or admin role",
            Access::Maritime => "the maritime or admin role",
        }
    }
}

/// Every route: method, path as the router writes it, and what it needs.
pub const ROUTES: &[(Method, &str, Access)] = &[
    (Method::GET, "/api/v1/health", Access::Public),
    (Method::GET, "/api/v1/openapi.json", Access::Public),
    (Method::GET, "/api/v1/events", Access::Read),
    (Method::GET, "/api/v1/incidents", Access::Read),
    (Method::POST, "/api/v1/incidents", Access::Dispatch),
    (Method::GET, "/api/v1/incidents/{id}", Access::Read),
    (
        Method::GET,
        "/api/v1/incidents/{id}/suggestions",
        Access::Read,
    ),
    (
        Method::POST,
        "/api/v1/incidents/{id}/{action}",
        Access::Dispatch,
    ),
    (Method::GET, "/api/v1/teams", Access::Read),
    (Method::GET, "/api/v1/teams/{code}", Access::Read),
    (Method::GET, "/api/v1/elevators", Access::Read),
    (Method::GET, "/api/v1/elevators/{code}", Access::Read),
    (Method::GET, "/api/v1/stats/incidents", Access::Read),
    (Method::GET, "/api/v1/tokens", Access::Admin),
    (Method::POST, "/api/v1/tokens", Access::Admin),
    (Method::DELETE, "/api/v1/tokens/{id}", Access::Admin),
    (Method::GET, "/api/v1/vessels", Access::Read),
    (Method::POST, "/api/v1/vessels", Access::Maritime),
    (Method::GET, "/api/v1/vessels/{id}", Access::Read),
    (Method::PATCH, "/api/v1/vessels/{id}", Access::Maritime),
    (
        Method::POST,
        "/api/v1/vessels/{id}/{action}",
        Access::Maritime,
    ),
    (Method::GET, "/api/v1/vessels/{id}/photos", Access::Read),
    (
        Method::POST,
        "/api/v1/vessels/{id}/photos",
        Access::Maritime,
    ),
    (
        Method::GET,
        "/api/v1/vessels/{id}/photos/{photo}",
        Access::Read,
    ),
    (Method::GET, "/api/v1/bases", Access::Read),
    (Method::GET, "/api/v1/bases/{code}", Access::Read),
    (Method::GET, "/api/v1/stats/vessels", Access::Read),
    (Method::POST, "/api/v1/plates/check", Access::Patrol),
    (Method::GET, "/api/v1/blacklist", Access::Read),
    (Method::GET, "/api/v1/blacklist/{plate}", Access::Read),
    (
        Method::POST,
        "/api/v1/blacklist/{plate}/{action}",
        Access::Transport,
    ),
    (Method::GET, "/api/v1/muck/violations", Access::Read),
    (Method::POST, "/api/v1/muck/violations", Access::Transport),
    (Method::GET, "/api/v1/muck/passes/{plate}", Access::Read),
    (Method::POST, "/api/v1/imports/{kind}/runs", Access::Admin),
    (
        Method::GET,
        "/api/v1/imports/{kind}/runs/{run}",
        Access::Admin,
    ),
    (
        Method::POST,
        "/api/v1/imports/{kind}/batches",
        Access::Admin,
    ),
    (Method::GET, "/api/v1/cylinders", Access::Read),
    (Method::GET, "/api/v1/cylinders/{code}", Access::Read),
    (Method::POST, "/api/v1/passages", Access::Transport),
    (Method::GET, "/api/v1/passages", Access::Patrol),
    (Method::GET, "/api/v1/gantries", Access::Read),
    (Method::GET, "/api/v1/alerts", Access::Patrol),
    (Method::GET, "/api/v1/alerts/stream", Access::Patrol),
    (Method::GET, "/api/v1/screen/rule", Access::Read),
    (Method::PUT, "/api/v1/screen/rule", Access::Transport),
    (Method::POST, "/api/v1/screen/runs", Access::Transport),
    (Method::GET, "/api/v1/notices", Access::Read),
    (Method::GET, "/api/v1/notices/{id}", Access::Read),
    (
        Method::POST,
        "/api/v1/notices/{id}/{action}",
        Access::Transport,
    ),
    (Method::GET, "/api/v1/audit", Access::Admin),
    (Method::GET, "/api/v1/audit/verify", Access::Admin),
];

/// The methods the table has for `path`, for a 405's `Allow` header.
pub fn methods(path: &str) -> Vec<&'static str> {
    ROUTES
        .iter()
        .filter(|(_, p, _)| *p == path)
        .map(|(m, _, _)| m.as_str())
        .collect()
}

/// What the route `(method, path)` needs; `None` for a route not in the table.
pub fn required(method: &Method, path: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|(m, p, _)| m == method && *p == path)
        .map(|(_, _, a)| *a)
}
