//! The audit log: every change appended inside the transaction that makes
//! it, each row chained to the one before by a SHA-256 hash, so that an
//! edit, a deletion or a reordering made behind the server's back shows.
//!
//! # The hash, for an auditor with a script
//!
//! Row `id` (1, 2, 3, … with no gaps) stores `prev_hash`, the `hash` of row
//! `id - 1`, or [`GENESIS`] (64 zeros) for row 1, and
//!
//! ```text
//! hash = lowercase hex of SHA-256( UTF-8( prev_hash + "\n" + line ) )
//! line = the JSON array [id, at, actor, role, action, entity, key, before_json, after_json]
//! ```
//!
//! with the columns as stored: `id` and `at` (epoch milliseconds) as JSON
//! numbers, the rest as JSON strings, `before_json` and `after_json` (the
//! record's JSON text, kept as written) as strings or `null`. The array is
//! written without spaces, non-ASCII characters as themselves, and only
//! `"`, `\` and control characters escaped (`\n`, `\t`, …, else `\u00xx`).
//! In Python:
//!
//! ```text
//! line = json.dumps([id, at, actor, role, action, entity, key, before, after],
//!                   ensure_ascii=False, separators=(",", ":"))
//! hash = hashlib.sha256((prev_hash + "\n" + line).encode()).hexdigest()
//! ```
//!
//! Ids are chosen by the chain (the last id + 1), not by a sequence, so a
//! rolled-back write leaves no gap and a gap always means a deleted row.
//! A row cut from the end leaves an intact shorter chain: keep the
//! `last_hash` that `verify` reports somewhere else to notice that.

use super::registers::{page, where_clause};
use super::{Backend, Bind, Result, Store, bind_all};
use crate::model::Page;
use crate::model::audit::{Actor, AuditEntry, AuditRow, BadRow, Fault, Verification};
use crate::model::time::{from_millis, to_millis};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

/// The `prev_hash` of row 1.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The advisory lock that serialises appends on PostgreSQL until commit.
/// It is the event log's lock: a write appends to both, and one lock taken
/// twice cannot be taken in opposite orders by two writers.
const CHAIN_LOCK: i64 = 96335;

/// Rows read at a time by `verify`.
const VERIFY_BATCH: i64 = 1000;

const COLUMNS: &str =
    "id, at, actor, role, action, entity, key, before_json, after_json, prev_hash, hash";

/// Filters for `GET /audit`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only changes by this token name.
    pub actor: Option<String>,
    /// Only changes at or after.
    pub since: Option<DateTime<Utc>>,
    /// Only this kind of record.
    pub entity: Option<String>,
    /// Only the record with this key (with `entity`).
    pub key: Option<String>,
    /// Start below this row id (lists run newest first).
    pub cursor: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// A row as stored, the text the hash covers.
struct Stored {
    id: i64,
    at: i64,
    actor: String,
    role: String,
    action: String,
    entity: String,
    key: String,
    before: Option<String>,
    after: Option<String>,
    prev_hash: String,
    hash: String,
}

impl Stored {
    fn read(row: &sqlx::any::AnyRow) -> Result<Stored> {
        Ok(Stored {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            role: row.try_get("role")?,
            action: row.try_get("action")?,
            entity: row.try_get("entity")?,
            key: row.try_get("key")?,
            before: row.try_get("before_json")?,
            after: row.try_get("after_json")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    }

    /// The hash this row's fields and `prev_hash` give (the recipe above).
    fn digest(&self) -> String {
        let fields = (
            self.id,
            self.at,
            &self.actor,
            &self.role,
            &self.action,
            &self.entity,
            &self.key,
            &self.before,
            &self.after,
        );
        // A tuple of numbers and strings always serialises.
        let line = serde_json::to_string(&fields).unwrap_or_default();
        let digest = Sha256::digest(format!("{}\n{line}", self.prev_hash).as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn into_row(self) -> AuditRow {
        let parse = |text: Option<String>| {
            text.map(|t| serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)))
        };
        AuditRow {
            id: self.id,
            at: from_millis(self.at),
            actor: self.actor,
            role: self.role,
            action: self.action,
            entity: self.entity,
            key: self.key,
            before: parse(self.before),
            after: parse(self.after),
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

impl Store {
    /// Appends `entry` by `actor` to the audit log inside the caller's write
    /// transaction, chained to the last row. On SQLite the transaction
    /// already holds the write lock; on PostgreSQL an advisory lock held to
    /// commit makes writers on every replica append one after another.
    pub(super) async fn append_audit(
        &self,
        tx: &mut Transaction<'static, Any>,
        actor: Actor<'_>,
        entry: AuditEntry,
    ) -> Result<AuditRow> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(CHAIN_LOCK)
                .execute(&mut **tx)
                .await?;
        }
        let last = sqlx::query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
        let (id, prev_hash) = match last {
            Some(row) => (row.try_get::<i64, _>("id")? + 1, row.try_get("hash")?),
            None => (1, GENESIS.to_string()),
        };
        let mut row = Stored {
            id,
            at: Utc::now().timestamp_millis(),
            actor: actor.name.to_string(),
            role: actor.role.to_string(),
            action: entry.action,
            entity: entry.entity,
            key: entry.key,
            before: entry.before.map(|v| v.to_string()),
            after: entry.after.map(|v| v.to_string()),
            prev_hash,
            hash: String::new(),
        };
        row.hash = row.digest();
        sqlx::query(
            "INSERT INTO audit (id, at, actor, role, action, entity, key, before_json, \
             after_json, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(row.id)
        .bind(row.at)
        .bind(row.actor.clone())
        .bind(row.role.clone())
        .bind(row.action.clone())
        .bind(row.entity.clone())
        .bind(row.key.clone())
        .bind(row.before.clone())
        .bind(row.after.clone())
        .bind(row.prev_hash.clone())
        .bind(row.hash.clone())
        .execute(&mut **tx)
        .await?;
        Ok(row.into_row())
    }

    /// Records `entry` in a transaction of its own: for what changes
    /// nothing else, such as a read of unmasked personal data.
    pub async fn record_audit(&self, actor: Actor<'_>, entry: AuditEntry) -> Result<AuditRow> {
        let mut tx = self.write().await?;
        let row = self.append_audit(&mut tx, actor, entry).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// A page of the audit log, newest first.
    pub async fn audit_rows(&self, f: &AuditFilter) -> Result<Page<AuditRow>> {
        let mut conds = Vec::new();
        if let Some(a) = &f.actor {
            conds.push(("actor = ?".to_string(), Some(Bind::Text(a.clone()))));
        }
        if let Some(t) = f.since {
            conds.push(("at >= ?".to_string(), Some(Bind::Int(to_millis(t)))));
        }
        if let Some(e) = &f.entity {
            conds.push(("entity = ?".to_string(), Some(Bind::Text(e.clone()))));
        }
        if let Some(k) = &f.key {
            conds.push(("key = ?".to_string(), Some(Bind::Text(k.clone()))));
        }
        if let Some(c) = f.cursor {
            conds.push(("id < ?".to_string(), Some(Bind::Int(c))));
        }
        let (clause, binds) = where_clause(&conds);
        let sql = format!(
            "SELECT {COLUMNS} FROM audit {clause} ORDER BY id DESC LIMIT {}",
            f.limit + 1
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows
            .iter()
            .map(|r| Stored::read(r).map(Stored::into_row))
            .collect::<Result<Vec<_>>>()?;
        Ok(page(&mut items, f.limit, |r| r.id.to_string()))
    }

    /// Walks the whole chain from row 1 and reports the first row whose
    /// fields do not give its hash, that follows a gap, or that does not
    /// link to the row before it.
    pub async fn verify_audit(&self) -> Result<Verification> {
        let mut walk = Walk::default();
        loop {
            let sql = format!(
                "SELECT {COLUMNS} FROM audit WHERE id > $1 ORDER BY id LIMIT {VERIFY_BATCH}"
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(walk.last_id)
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                if let Some(bad) = walk.step(Stored::read(row)?) {
                    return Ok(walk.report(Some(bad)));
                }
            }
            if (rows.len() as i64) < VERIFY_BATCH {
                let bad = walk.changed.take().map(|row| changed(&row, None));
                return Ok(walk.report(bad));
            }
        }
    }
}

/// Where `verify` is in the chain.
#[derive(Default)]
struct Walk {
    /// Good rows so far.
    rows: i64,
    /// The last good row's id and hash.
    last_id: i64,
    last_hash: Option<String>,
    /// A row whose fields do not give its hash, held until the next row
    /// says whether its content or its hash was edited.
    changed: Option<Stored>,
}

impl Walk {
    /// Checks the next row; the first bad one ends the walk.
    fn step(&mut self, row: Stored) -> Option<BadRow> {
        if let Some(edited) = self.changed.take() {
            return Some(changed(&edited, Some(&row)));
        }
        let expected_id = self.last_id + 1;
        if row.id > expected_id {
            let gap = if row.id - expected_id == 1 {
                format!("row {expected_id} is missing")
            } else {
                format!("rows {expected_id} to {} are missing", row.id - 1)
            };
            return Some(bad(
                &row,
                Fault::Missing,
                format!("{gap} before row {}", row.id),
            ));
        }
        if row.digest() != row.hash {
            self.changed = Some(row);
            return None;
        }
        let expected_prev = self.last_hash.as_deref().unwrap_or(GENESIS);
        if row.prev_hash != expected_prev {
            let detail = if row.id == 1 {
                "row 1 does not start from the genesis value".to_string()
            } else {
                format!(
                    "row {} does not link to row {}: row {} was rewritten with a fresh hash, \
                     or rows were moved",
                    row.id, self.last_id, self.last_id
                )
            };
            return Some(bad(&row, Fault::Order, detail));
        }
        self.rows += 1;
        self.last_id = row.id;
        self.last_hash = Some(row.hash);
        None
    }

    fn report(self, first_bad: Option<BadRow>) -> Verification {
        Verification {
            intact: first_bad.is_none(),
            rows: self.rows,
            last_id: self.last_id,
            last_hash: self.last_hash.unwrap_or_else(|| GENESIS.to_string()),
            first_bad,
        }
    }
}

/// The report on a row whose fields do not give its hash; the row after
/// it tells whether the fields or the stored hash were edited.
fn changed(row: &Stored, next: Option<&Stored>) -> BadRow {
    let what = match next {
        Some(n) if n.prev_hash == row.hash => "its fields were edited after it was written",
        Some(_) => "its stored hash was edited",
        None => "it was edited after it was written",
    };
    let detail = format!(
        "row {} ({} {} {} by {}) does not match its hash: {what}",
        row.id, row.action, row.entity, row.key, row.actor
    );
    bad(row, Fault::Changed, detail)
}

fn bad(row: &Stored, fault: Fault, detail: String) -> BadRow {
    BadRow {
        id: row.id,
        at: from_millis(row.at),
        fault,
        detail,
    }
}
