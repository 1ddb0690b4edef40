//! The audit log: every change recorded with who, role, before and after;
//! `audit verify` clean on an untouched log and naming exactly the row
//! edited, deleted or re-hashed by hand; one chain under concurrent writers
//! on two replicas. Runs on SQLite, and on PostgreSQL with `SAFEDESK_TEST_PG`.

mod common;

use common::{TestServer, code, json, stderr, stdout};
use safedesk::model::{NewIncident, Role, Transition};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Row};

const PHONE: &str = "13912345678";

fn call() -> NewIncident {
    NewIncident {
        rescue_code: "100301".into(),
        trapped: 2,
        caller: Some(PHONE.into()),
        ..Default::default()
    }
}

async fn db(s: &TestServer) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(&s.db_url)
        .await
        .expect("a second connection")
}

async fn exec(s: &TestServer, sql: &str) {
    let mut conn = db(s).await;
    sqlx::query(AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .expect("a hand edit");
    conn.close().await.unwrap();
}

/// `audit list` as JSON with `args`.
fn list(s: &TestServer, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["--format", "json", "audit", "list", "--limit", "1000"];
    all.extend_from_slice(args);
    let out = s.run(&all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out).as_array().expect("a list").clone()
}

/// `audit verify` as JSON, with its exit code and stderr.
fn verify(s: &TestServer) -> (i32, serde_json::Value, String) {
    let out = s.run(&["--format", "json", "audit", "verify"]);
    (code(&out), json(&out), stderr(&out))
}

/// A few changes by a dispatcher: an incident reported, noted, escalated.
async fn some_changes(s: &TestServer) -> i64 {
    let (c, _) = s.client_as(Role::Dispatcher).await;
    let i = c.create_incident(&call()).await.unwrap();
    let note = Transition::Note {
        text: "家属在现场".into(),
    };
    c.step(i.id, &note, None).await.unwrap();
    let escalate = Transition::Escalate {
        reason: "困人超过一小时".into(),
    };
    c.step(i.id, &escalate, None).await.unwrap();
    i.id
}

/// The id of the newest audit row.
async fn last_id(s: &TestServer) -> i64 {
    let mut conn = db(s).await;
    sqlx::query_scalar("SELECT MAX(id) FROM audit")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_change_is_recorded_with_who_role_and_before_and_after() {
    let s = TestServer::start().await;
    let id = some_changes(&s).await;

    let entity = format!("incident:{id}");
    let rows = list(&s, &["--entity", &entity]);
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["escalate", "note", "create"], "newest first");
    for r in &rows {
        assert_eq!(r["actor"], "dispatcher-user");
        assert_eq!(r["role"], "dispatcher");
    }
    let escalate = &rows[0];
    assert!(escalate["before"]["escalated_at"].is_null());
    assert_eq!(escalate["after"]["priority"], 1);
    assert_eq!(escalate["after"]["escalation_reason"], "困人超过一小时");
    assert!(
        rows[2].get("before").is_none(),
        "a new record has no before"
    );
    assert_eq!(rows[2]["after"]["id"], id);

    // Filters: by actor and by time.
    assert_eq!(list(&s, &["--actor", "dispatcher-user"]).len(), 3);
    assert!(list(&s, &["--actor", "nobody"]).is_empty());
    assert!(list(&s, &["--since", "2099-01-01", "--entity", &entity]).is_empty());
    assert_eq!(
        list(&s, &["--since", "2020-01-01", "--entity", &entity]).len(),
        3
    );

    // The table names who did what and what changed.
    let out = s.run(&["audit", "list", "--entity", &entity]);
    let table = stdout(&out);
    assert!(table.starts_with("ID  TIME"), "{table}");
    assert!(table.contains("escalate"), "{table}");
    assert!(table.contains("priority=1"), "{table}");

    // Only admins read it.
    let (_, viewer) = s.client_as(Role::Viewer).await;
    let denied = s.run_as(&viewer, &["audit", "verify"]);
    assert_eq!(code(&denied), 4, "{}", stderr(&denied));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_log_keeps_personal_data_masked_as_the_api_shows_it() {
    let s = TestServer::start().await;
    some_changes(&s).await;
    let mut conn = db(&s).await;
    let texts: Vec<Option<String>> = sqlx::query_scalar("SELECT after_json FROM audit")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let all: String = texts.into_iter().flatten().collect();
    assert!(all.contains("139****5678"), "the masked caller is kept");
    assert!(!all.contains(PHONE), "the full phone number is not");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tokens_admins_issue_and_revoke_are_recorded_without_secrets() {
    let s = TestServer::start().await;
    let c = s.client();
    let issued = c
        .create_token("值班大屏", Role::Viewer, None)
        .await
        .unwrap();
    c.revoke_token(issued.record.id).await.unwrap();
    let key = format!("token:{}", issued.record.id);
    let rows = list(&s, &["--entity", &key]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["action"], "revoke");
    assert_eq!(rows[0]["actor"], "admin");
    assert_eq!(rows[0]["role"], "admin");
    assert!(rows[0]["before"]["revoked_at"].is_null());
    assert!(rows[0]["after"]["revoked_at"].is_string());
    let text = serde_json::to_string(&rows).unwrap();
    assert!(!text.contains(&issued.token), "no secret in the log");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_is_clean_on_an_untouched_log() {
    let s = TestServer::start().await;
    some_changes(&s).await;
    let (exit, v, err) = verify(&s);
    assert_eq!(exit, 0, "{err}");
    assert_eq!(v["intact"], true);
    assert_eq!(v["rows"], last_id(&s).await);
    let out = s.run(&["audit", "verify"]);
    assert!(
        stdout(&out).starts_with("audit log intact: "),
        "{}",
        stdout(&out)
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_names_the_row_edited_by_hand() {
    let s = TestServer::start().await;
    some_changes(&s).await;
    let last = last_id(&s).await;
    let victim = last - 1;
    exec(
        &s,
        &format!("UPDATE audit SET actor = 'someone-else' WHERE id = {victim}"),
    )
    .await;

    let (exit, v, err) = verify(&s);
    assert_eq!(exit, 1, "{err}");
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_bad"]["id"], victim);
    assert_eq!(v["first_bad"]["fault"], "changed");
    assert_eq!(v["rows"], victim - 1);
    assert!(
        err.contains(&format!("broken at row {victim} (")),
        "names the row and its time: {err}"
    );
    assert!(err.contains("its fields were edited"), "{err}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_tells_an_edited_hash_from_edited_fields() {
    let s = TestServer::start().await;
    some_changes(&s).await;
    let victim = last_id(&s).await - 2;
    exec(
        &s,
        &format!(
            "UPDATE audit SET hash = '{}' WHERE id = {victim}",
            "a".repeat(64)
        ),
    )
    .await;
    let (exit, v, err) = verify(&s);
    assert_eq!(exit, 1, "{err}");
    assert_eq!(v["first_bad"]["id"], victim);
    assert!(err.contains("its stored hash was edited"), "{err}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_names_the_gap_a_deleted_row_leaves() {
    let s = TestServer::start().await;
    some_changes(&s).await;
    let victim = last_id(&s).await - 1;
    exec(&s, &format!("DELETE FROM audit WHERE id = {victim}")).await;

    let (exit, v, err) = verify(&s);
    assert_eq!(exit, 1, "{err}");
    assert_eq!(v["first_bad"]["id"], victim + 1);
    assert_eq!(v["first_bad"]["fault"], "missing");
    assert!(
        err.contains(&format!(
            "row {victim} is missing before row {}",
            victim + 1
        )),
        "{err}"
    );
    s.finish().await;
}

/// The documented recipe, written again here from the doc comment.
fn recipe(prev: &str, row: &sqlx::any::AnyRow) -> String {
    let fields = serde_json::json!([
        row.get::<i64, _>("id"),
        row.get::<i64, _>("at"),
        row.get::<String, _>("actor"),
        row.get::<String, _>("role"),
        row.get::<String, _>("action"),
        row.get::<String, _>("entity"),
        row.get::<String, _>("key"),
        row.get::<Option<String>, _>("before_json"),
        row.get::<Option<String>, _>("after_json"),
    ]);
    let digest = Sha256::digest(format!("{prev}\n{fields}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_documented_recipe_recomputes_every_hash_and_a_forged_row_breaks_the_next_link() {
    let s = TestServer::start().await;
    some_changes(&s).await;
    let mut conn = db(&s).await;
    let rows = sqlx::query("SELECT * FROM audit ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let mut prev = safedesk::store::GENESIS.to_string();
    for row in &rows {
        assert_eq!(row.get::<String, _>("prev_hash"), prev);
        let hash = recipe(&prev, row);
        assert_eq!(
            row.get::<String, _>("hash"),
            hash,
            "row {}",
            row.get::<i64, _>("id")
        );
        prev = hash;
    }

    // A forger who knows the recipe rewrites one row and its hash: the row
    // matches itself, but the next one no longer follows it.
    let victim = rows.len() as i64 - 1;
    sqlx::query("UPDATE audit SET actor = 'forger' WHERE id = $1")
        .bind(victim)
        .execute(&mut conn)
        .await
        .unwrap();
    let row = sqlx::query("SELECT * FROM audit WHERE id = $1")
        .bind(victim)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let forged = recipe(&row.get::<String, _>("prev_hash"), &row);
    sqlx::query("UPDATE audit SET hash = $1 WHERE id = $2")
        .bind(forged)
        .bind(victim)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let (exit, v, err) = verify(&s);
    assert_eq!(exit, 1, "{err}");
    assert_eq!(v["first_bad"]["id"], victim + 1);
    assert_eq!(v["first_bad"]["fault"], "order");
    assert!(
        err.contains(&format!("does not link to row {victim}")),
        "{err}"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_writers_on_two_replicas_leave_one_chain_that_verifies() {
    let s = TestServer::start().await;
    let mut b = s.replica().await;
    let before = last_id(&s).await;
    let (_, token) = s.client_as(Role::Dispatcher).await;
    let clients = [s.client(), b.client(&token)];
    let mut tasks = Vec::new();
    for n in 0..12 {
        let c = clients[n % 2].clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..3 {
                let i = c.create_incident(&call()).await.expect("create");
                let note = Transition::Note {
                    text: format!("任务{n}"),
                };
                c.step(i.id, &note, None).await.expect("note");
                let cancel = Transition::Cancel {
                    reason: "误报".into(),
                };
                c.step(i.id, &cancel, None).await.expect("cancel");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    b.stop().await;

    // The dispatcher's token, then 12 writers × 3 incidents × 3 changes.
    assert_eq!(last_id(&s).await, before + 1 + 12 * 3 * 3);
    let (exit, v, err) = verify(&s);
    assert_eq!(exit, 0, "{err}");
    assert_eq!(v["rows"], before + 1 + 12 * 3 * 3);
    s.finish().await;
}
