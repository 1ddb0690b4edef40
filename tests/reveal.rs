//! `--reveal`: personal data unmasked only for the roles that may see it
//! and only when asked, each such read in the audit log; masked otherwise,
//! and a sentence (exit 4) for a role that may not. On SQLite, and on
//! PostgreSQL with `SAFEDESK_TEST_PG`.

mod common;

use common::{TestServer, code, json, stderr, stdout};
use safedesk::model::{NewIncident, NewVessel, Role, VesselFields};

const PHONE: &str = "13912345678";
const MASKED_PHONE: &str = "139****5678";
const OWNER: &str = "320102199001010010";
const MASKED_OWNER: &str = "320102**********10";

/// The audit rows of action `reveal`, newest first.
fn reveals(s: &TestServer) -> Vec<serde_json::Value> {
    let out = s.run(&["--format", "json", "audit", "list", "--limit", "1000"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "reveal")
        .cloned()
        .collect()
}

struct World {
    s: TestServer,
    dispatcher: String,
    maritime: String,
    viewer: String,
    incident: i64,
    vessel: i64,
}

async fn world() -> World {
    let s = TestServer::start().await;
    let (d, dispatcher) = s.client_as(Role::Dispatcher).await;
    let (m, maritime) = s.client_as(Role::Maritime).await;
    let (_, viewer) = s.client_as(Role::Viewer).await;
    let incident = d
        .create_incident(&NewIncident {
            rescue_code: "100301".into(),
            trapped: 1,
            caller: Some(PHONE.into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .id;
    // One without a caller: nothing to reveal, nothing audited.
    d.create_incident(&NewIncident {
        rescue_code: "100635".into(),
        trapped: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let vessel = m
        .create_vessel(&NewVessel {
            fields: VesselFields {
                waterway: Some("长江".into()),
                city: Some("镇江市".into()),
                owner_name: Some("王建国".into()),
                owner_id: Some(OWNER.into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap()
        .id;
    World {
        s,
        dispatcher,
        maritime,
        viewer,
        incident,
        vessel,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn callers_phones_show_to_dispatchers_who_ask_and_each_read_is_audited() {
    let w = world().await;
    let id = w.incident.to_string();

    // Masked by default, for every role, in every format.
    for token in [&w.dispatcher, &w.viewer, &w.s.admin] {
        for format in ["table", "json", "csv"] {
            let out =
                w.s.run_as(token, &["--format", format, "incident", "show", &id]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            assert!(stdout(&out).contains(MASKED_PHONE), "{}", stdout(&out));
            assert!(!stdout(&out).contains(PHONE));
        }
        let out = w.s.run_as(token, &["--format", "json", "incident", "list"]);
        assert!(!stdout(&out).contains(PHONE));
    }
    assert!(reveals(&w.s).is_empty());

    // A dispatcher who asks sees it, and the read is recorded.
    let out =
        w.s.run_as(&w.dispatcher, &["incident", "show", &id, "--reveal"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains(PHONE), "{}", stdout(&out));
    let rows = reveals(&w.s);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["entity"], "incident");
    assert_eq!(rows[0]["key"], id);
    assert_eq!(rows[0]["actor"], "dispatcher-user");
    assert_eq!(rows[0]["role"], "dispatcher");

    // A list: one row per incident that has a caller.
    let out = w.s.run_as(
        &w.s.admin,
        &["--format", "json", "incident", "list", "--reveal"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let items = json(&out);
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().any(|i| i["caller"] == PHONE));
    assert!(items.iter().any(|i| i["caller"].is_null()));
    assert_eq!(reveals(&w.s).len(), 2);

    // A viewer may not: a sentence, exit 4, nothing shown, nothing audited.
    let out =
        w.s.run_as(&w.viewer, &["incident", "show", &id, "--reveal"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("may not see callers' phone numbers unmasked")
            && stderr(&out).contains("dispatcher or admin"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    let out = w.s.run_as(&w.viewer, &["incident", "list", "--reveal"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert_eq!(reveals(&w.s).len(), 2);

    // `?reveal=false`, or no reveal, stays masked through the API.
    let i =
        w.s.client()
            .incident_revealed(w.incident, false)
            .await
            .unwrap();
    assert_eq!(i.caller.as_deref(), Some(MASKED_PHONE));
    w.s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn owners_ids_show_to_maritime_officers_who_ask() {
    let w = world().await;
    let id = w.vessel.to_string();
    let out = w.s.run_as(&w.maritime, &["vessel", "show", &id]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains(MASKED_OWNER), "{}", stdout(&out));
    assert!(!stdout(&out).contains(OWNER));

    let out =
        w.s.run_as(&w.maritime, &["vessel", "show", &id, "--reveal"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains(OWNER), "{}", stdout(&out));
    let out = w.s.run_as(
        &w.maritime,
        &["--format", "json", "vessel", "list", "--reveal"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains(OWNER), "{}", stdout(&out));
    let rows = reveals(&w.s);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r["entity"] == "vessel" && r["key"] == id && r["actor"] == "maritime-user")
    );

    // A dispatcher sees callers, not owners.
    let out =
        w.s.run_as(&w.dispatcher, &["vessel", "show", &id, "--reveal"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("resident ID numbers") && stderr(&out).contains("maritime or admin"),
        "{}",
        stderr(&out)
    );
    assert_eq!(reveals(&w.s).len(), 2);
    w.s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn team_phones_are_masked_unless_a_dispatcher_asks() {
    let w = world().await;
    let full = sqlx_phone(&w.s, "T0001").await;
    assert_eq!(full.len(), 11, "the fixtures give teams mobile numbers");
    let out = w.s.run_as(&w.viewer, &["team", "show", "T0001"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stdout(&out).contains(&full), "{}", stdout(&out));
    assert!(stdout(&out).contains(&safedesk::model::phone::mask(&full)));
    let out = w.s.run_as(&w.viewer, &["--format", "csv", "team", "list"]);
    assert!(!stdout(&out).contains(&full));

    let out =
        w.s.run_as(&w.dispatcher, &["team", "show", "T0001", "--reveal"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains(&full), "{}", stdout(&out));
    let rows = reveals(&w.s);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (&rows[0]["entity"], &rows[0]["key"]),
        (&"team".into(), &"T0001".into())
    );

    let out = w.s.run_as(&w.maritime, &["team", "list", "--reveal"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    w.s.finish().await;
}

/// A team's phone as stored, read behind the API's back.
async fn sqlx_phone(s: &TestServer, code: &str) -> String {
    use sqlx::{Connection, Row};
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&s.db_url).await.unwrap();
    let row = sqlx::query("SELECT phone FROM teams WHERE code = $1")
        .bind(code)
        .fetch_one(&mut c)
        .await
        .unwrap();
    row.get("phone")
}
