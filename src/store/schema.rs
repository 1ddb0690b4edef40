//! The schema, as numbered migrations applied at start.
//!
//! Each migration is written once; the few words the two dialects spell
//! differently are filled in per backend.

use super::{Backend, Result, Store};
use sqlx::AssertSqlSafe;

/// `(version, statements)`, applied in order, each in one transaction.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        r#"
CREATE TABLE tokens (
    id {{ID}},
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE TABLE teams (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    company TEXT NOT NULL,
    city TEXT NOT NULL,
    district TEXT NOT NULL,
    phone TEXT NOT NULL,
    status TEXT NOT NULL,
    incident_id BIGINT,
    version BIGINT NOT NULL
);
CREATE INDEX teams_city ON teams (city, district);
CREATE TABLE elevators (
    rescue_code TEXT PRIMARY KEY,
    registration_code TEXT NOT NULL UNIQUE,
    city TEXT NOT NULL,
    district TEXT NOT NULL,
    street TEXT NOT NULL,
    address TEXT NOT NULL,
    place_type TEXT NOT NULL,
    maintenance_company TEXT NOT NULL,
    team_code TEXT NOT NULL
);
CREATE INDEX elevators_city ON elevators (city, district);
CREATE TABLE incidents (
    id {{ID}},
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    priority BIGINT NOT NULL,
    rescue_code TEXT NOT NULL,
    city TEXT NOT NULL,
    district TEXT NOT NULL,
    address TEXT NOT NULL,
    place_type TEXT NOT NULL,
    trapped BIGINT NOT NULL,
    freed BIGINT,
    vulnerable TEXT NOT NULL,
    caller TEXT,
    note TEXT,
    team_code TEXT,
    reported_at BIGINT NOT NULL,
    dispatched_at BIGINT,
    on_scene_at BIGINT,
    released_at BIGINT,
    closed_at BIGINT,
    cancelled_at BIGINT,
    cancel_reason TEXT,
    escalated_at BIGINT,
    escalation_reason TEXT
);
CREATE INDEX incidents_status ON incidents (status);
CREATE INDEX incidents_reported ON incidents (reported_at);
CREATE TABLE incident_timeline (
    id {{ID}},
    incident_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, id);
CREATE TABLE events (
    id {{ID}},
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    at BIGINT NOT NULL,
    data TEXT NOT NULL
)
"#,
    ),
    (
        2,
        r#"
CREATE TABLE bases (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    city TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    capacity BIGINT NOT NULL,
    occupied BIGINT NOT NULL
);
CREATE TABLE vessels (
    id {{ID}},
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    found_at BIGINT NOT NULL,
    waterway TEXT NOT NULL,
    city TEXT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    hull TEXT,
    material TEXT,
    length_m DOUBLE PRECISION,
    engine_kw DOUBLE PRECISION,
    marks TEXT,
    owner_name TEXT,
    owner_id TEXT,
    base_code TEXT,
    disposed_at BIGINT
);
CREATE INDEX vessels_state ON vessels (state, city);
CREATE INDEX vessels_found ON vessels (found_at);
CREATE TABLE vessel_timeline (
    id {{ID}},
    vessel_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX vessel_timeline_vessel ON vessel_timeline (vessel_id, id);
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    data {{BLOB}} NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE vessel_photos (
    vessel_id BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    added_by TEXT NOT NULL,
    PRIMARY KEY (vessel_id, sha256)
)
"#,
    ),
    (
        3,
        r#"
CREATE TABLE blacklist (
    plate TEXT PRIMARY KEY,
    province TEXT NOT NULL,
    stage TEXT NOT NULL,
    since BIGINT NOT NULL,
    reason TEXT NOT NULL,
    actor TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX blacklist_stage ON blacklist (stage, province);
CREATE TABLE blacklist_history (
    id {{ID}},
    plate TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_stage TEXT,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT
);
CREATE INDEX blacklist_history_plate ON blacklist_history (plate, id);
CREATE TABLE muck_violations (
    id {{ID}},
    plate TEXT NOT NULL,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX muck_violations_plate ON muck_violations (plate, at)
"#,
    ),
    (
        4,
        r#"
CREATE TABLE audit (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_entity ON audit (entity, key, id);
CREATE INDEX audit_at ON audit (at)
"#,
    ),
    (
        5,
        r#"
CREATE TABLE cylinders (
    code TEXT PRIMARY KEY,
    owner_uscc TEXT NOT NULL,
    owner_uscc_unchecked BIGINT NOT NULL,
    owner_name TEXT,
    spec TEXT,
    made_on TEXT NOT NULL,
    last_inspected_on TEXT,
    next_inspection_on TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    import_source TEXT,
    import_line BIGINT
);
CREATE TABLE import_runs (
    run_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    actor TEXT NOT NULL,
    started_at BIGINT NOT NULL
);
CREATE TABLE import_batches (
    run_id TEXT NOT NULL,
    batch_no BIGINT NOT NULL,
    result TEXT NOT NULL,
    committed_at BIGINT NOT NULL,
    PRIMARY KEY (run_id, batch_no)
);
ALTER TABLE teams ADD COLUMN import_source TEXT;
ALTER TABLE teams ADD COLUMN import_line BIGINT;
ALTER TABLE elevators ADD COLUMN import_source TEXT;
ALTER TABLE elevators ADD COLUMN import_line BIGINT;
ALTER TABLE vessels ADD COLUMN register_no TEXT;
ALTER TABLE vessels ADD COLUMN name TEXT;
ALTER TABLE vessels ADD COLUMN home_port TEXT;
ALTER TABLE vessels ADD COLUMN import_source TEXT;
ALTER TABLE vessels ADD COLUMN import_line BIGINT;
CREATE UNIQUE INDEX vessels_register_no ON vessels (register_no)
"#,
    ),
    (
        6,
        r#"
CREATE TABLE gantries (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    road TEXT NOT NULL,
    city TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    direction TEXT NOT NULL
);
CREATE TABLE passages (
    id {{ID}},
    gantry_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    plate TEXT NOT NULL,
    colour TEXT NOT NULL,
    class TEXT NOT NULL,
    direction TEXT,
    recorded_at BIGINT NOT NULL,
    UNIQUE (gantry_id, at, plate)
);
CREATE INDEX passages_plate ON passages (plate, at);
CREATE INDEX passages_at ON passages (at, class);
CREATE INDEX events_kind ON events (kind, id);
CREATE TABLE licensed_operators (
    plate TEXT PRIMARY KEY,
    operator TEXT NOT NULL,
    licence TEXT NOT NULL,
    route TEXT NOT NULL
);
CREATE TABLE screen_rule (
    id BIGINT PRIMARY KEY,
    days BIGINT NOT NULL,
    min_days BIGINT NOT NULL,
    updated_at BIGINT,
    updated_by TEXT
);
INSERT INTO screen_rule (id, days, min_days) VALUES (1, 30, 12);
CREATE TABLE notices (
    id {{ID}},
    plate TEXT NOT NULL,
    province TEXT NOT NULL,
    stage TEXT NOT NULL,
    reason TEXT NOT NULL,
    listed_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    sent_at BIGINT,
    acknowledged_at BIGINT,
    marked_by TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX notices_province ON notices (province, state, id);
INSERT INTO notices (plate, province, stage, reason, listed_at, state, version)
SELECT h.plate, b.province, h.stage, h.reason, h.at, 'pending', 1
FROM blacklist_history h JOIN blacklist b ON b.plate = h.plate
WHERE h.stage IN ('grey', 'black') AND b.province <> '江苏省'
ORDER BY h.id
"#,
    ),
];

impl Store {
    /// Applies the migrations this database has not seen. Several servers
    /// starting at once on one PostgreSQL take turns on an advisory lock.
    pub(super) async fn migrate(&self) -> Result<()> {
        let mut tx = self.write().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(96333)")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations \
             (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        // Every migration not yet recorded, so one added between two others
        // on another branch is still applied.
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
            .fetch_all(&mut *tx)
            .await?;
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| !applied.contains(v)) {
            for statement in self.dialect(sql).split(';') {
                if statement.trim().is_empty() {
                    continue;
                }
                sqlx::query(AssertSqlSafe(statement.to_string()))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(chrono::Utc::now().timestamp_millis())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    fn dialect(&self, sql: &str) -> String {
        let id = match self.backend {
            Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Backend::Postgres => "BIGSERIAL PRIMARY KEY",
        };
        let blob = match self.backend {
            Backend::Sqlite => "BLOB",
            Backend::Postgres => "BYTEA",
        };
        sql.replace("{{ID}}", id).replace("{{BLOB}}", blob)
    }
}
