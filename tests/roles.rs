//! Every route of `server::ROUTES` × every role, and no token, against a
//! real server: exactly the roles the table admits get past authorisation.
//!
//! Nothing here lists the routes: a route added to the table is called by
//! this test with no change. Path parameters get values from [`param`]
//! (made-up ids, so a call that gets through finds nothing and changes
//! nothing: a 404, 409 or 422 counts as "got past authorisation"); bodies
//! are `{}` unless [`BODIES`] says otherwise.

mod common;

use common::TestServer;
use safedesk::model::Role;
use safedesk::server::{Access, ROUTES};
use std::time::Duration;

/// Every role a token can have.
const ROLES: [Role; 7] = [
    Role::Admin,
    Role::Dispatcher,
    Role::Maritime,
    Role::Patrol,
    Role::Transport,
    Role::Gas,
    Role::Viewer,
];

/// A body for a route that needs more than `{}` to be read at all
/// (method, path as in the table, JSON). None needs one today.
const BODIES: &[(&str, &str, &str)] = &[];

/// A value for the path parameter `name`: one that names nothing, so a
/// call that gets through changes nothing (an admin revoking token
/// 999999999 revokes none).
fn param(name: &str) -> &'static str {
    match name {
        "id" => "999999999",
        "code" => "NO-SUCH-CODE",
        "plate" => "%E8%8B%8FA00000",
        "photo" => "0000000000000000000000000000000000000000000000000000000000000000",
        "action" => "note",
        "kind" => "no-such-kind",
        _ => "no-such-thing",
    }
}

/// The route's path with every `{name}` filled by [`param`].
fn fill(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .unwrap_or(rest.len());
        out.push_str(param(&rest[open + 1..close]));
        rest = rest.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Calls one route with `token` (or none); the status and the body's start.
async fn call(
    http: &reqwest::Client,
    api: &str,
    method: &axum::http::Method,
    path: &str,
    token: Option<&str>,
) -> (u16, String, String) {
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
    let mut req = http.request(method.clone(), format!("{api}{}", fill(path)));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if method != reqwest::Method::GET && method != reqwest::Method::DELETE {
        let body = BODIES
            .iter()
            .find(|(m, p, _)| *m == method.as_str() && *p == path)
            .map_or("{}", |(_, _, b)| b);
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // An event stream never ends; its status is all this test needs.
    let body = if kind.starts_with("text/event-stream") {
        String::new()
    } else {
        tokio::time::timeout(Duration::from_secs(10), response.text())
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default()
    };
    (status, kind, body.chars().take(300).collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_admits_exactly_the_roles_the_table_gives() {
    let server = TestServer::start().await;
    let mut tokens = Vec::new();
    for role in ROLES {
        let (_, token) = server.client_as(role).await;
        tokens.push((role, token));
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    let mut wrong = Vec::new();
    let mut calls = 0;
    for (method, path, access) in ROUTES {
        // No token.
        let (status, kind, body) = call(&http, &server.api, method, path, None).await;
        calls += 1;
        let ok = if *access == Access::Public {
            status != 401 && status != 403 && status < 500
        } else {
            status == 401 && kind.starts_with("application/problem+json")
        };
        if !ok {
            wrong.push(format!(
                "{method} {path} ({access:?}) with no token: {status} {body}"
            ));
        }
        // Every role.
        for (role, token) in &tokens {
            let (status, kind, body) = call(&http, &server.api, method, path, Some(token)).await;
            calls += 1;
            let ok = if access.allows(*role) {
                status != 401 && status != 403 && status < 500
            } else {
                status == 403
                    && kind.starts_with("application/problem+json")
                    && body.contains(access.who())
            };
            if !ok {
                let should = if access.allows(*role) {
                    "get through"
                } else {
                    "be refused with 403"
                };
                wrong.push(format!(
                    "{method} {path} ({access:?}) as {role}: {status}, should {should}: {body}"
                ));
            }
        }
    }
    server.finish().await;
    assert!(calls >= ROUTES.len() * 8);
    assert!(
        wrong.is_empty(),
        "{} of {calls} calls were let through or refused wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// What each kind of access admits, written out once more by hand, so a
/// change to `Access::allows` has to be made twice to pass.
#[test]
fn each_access_admits_the_roles_the_design_says() {
    use Role::*;
    let expected: &[(&str, &[Role])] = &[
        ("Public", &ROLES),
        ("Read", &ROLES),
        ("Dispatch", &[Admin, Dispatcher]),
        ("Admin", &[Admin]),
        ("Patrol", &[Admin, Patrol, Transport]),
        ("Transport", &[Admin, Transport]),
        ("Maritime", &[Admin, Maritime]),
        ("Gas", &[Admin, Gas]),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (_, _, access) in ROUTES {
        let name = format!("{access:?}");
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some((_, admitted)) = expected.iter().find(|(n, _)| *n == name) else {
            // A kind of access added since: the route test above still
            // checks it against the table.
            continue;
        };
        for role in ROLES {
            assert_eq!(
                access.allows(role),
                admitted.contains(&role),
                "{name} and {role}"
            );
        }
    }
}

#[test]
fn every_parameter_is_filled() {
    for (_, path, _) in ROUTES {
        let filled = fill(path);
        assert!(
            !filled.contains('{') && !filled.contains('}'),
            "{path} → {filled}"
        );
    }
    assert_eq!(
        fill("/api/v1/vessels/{id}/photos/{photo}"),
        format!("/api/v1/vessels/999999999/photos/{}", "0".repeat(64))
    );
}
