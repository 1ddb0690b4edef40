//! Bulk import: runs, and batches upserted by natural key.
//!
//! A batch is one transaction. Its number is recorded in the same
//! transaction, so a batch sent again (a retry, a resumed run) finds its
//! stored answer and changes nothing. Each stored record remembers which
//! file (by content digest) and which row last wrote it: a second row with
//! the same key in the same file is refused as a duplicate, in every run
//! of that file alike, instead of quietly overwriting the first.

use super::{Backend, Error, Result, Store};
use crate::model::Event;
use crate::model::audit::{Actor, AuditEntry};
use crate::model::import::{
    Batch, BatchResult, CheckOptions, Field, FieldType, Kind, NewRun, Rejection, Run, Value, check,
};
use crate::model::passage::NewPassage;
use crate::model::time::{from_millis, to_millis};
use sqlx::any::AnyArguments;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use std::collections::HashMap;

/// Most rows one batch may carry.
pub const MAX_BATCH_ROWS: usize = 50_000;

/// Keys looked up per query; well under every database's parameter limit.
const LOOKUP_CHUNK: usize = 500;

/// Parameters per multi-row INSERT.
const INSERT_PARAMS: usize = 30_000;

/// Where a kind's records live.
struct Table {
    name: &'static str,
    key: &'static str,
    /// Columns a new record gets when its file gives no value, as SQL
    /// literals.
    defaults: &'static [(&'static str, &'static str)],
    /// Columns besides the key that no two records may share.
    unique: &'static [&'static str],
    /// Whether records carry a `version` bumped on change.
    versioned: bool,
}

fn table(kind: Kind) -> Table {
    match kind {
        Kind::Cylinders => Table {
            name: "cylinders",
            key: "code",
            defaults: &[("state", "'in-service'"), ("version", "1")],
            unique: &[],
            versioned: true,
        },
        Kind::Elevators => Table {
            name: "elevators",
            key: "rescue_code",
            defaults: &[],
            unique: &["registration_code"],
            versioned: false,
        },
        Kind::Teams => Table {
            name: "teams",
            key: "code",
            defaults: &[("status", "'available'"), ("version", "1")],
            unique: &[],
            versioned: true,
        },
        // Never used for writing: passages go through `import_passages`.
        Kind::Passages => Table {
            name: "passages",
            key: "gantry",
            defaults: &[],
            unique: &[],
            versioned: false,
        },
        Kind::Vessels => Table {
            name: "vessels",
            key: "register_no",
            defaults: &[("state", "'found'"), ("version", "1")],
            unique: &[],
            versioned: true,
        },
    }
}

/// A value some kinds store beside the file's: whether the owner's credit
/// code was taken on an override.
const USCC_FLAG: &str = "owner_uscc_unchecked";

/// One row, checked.
struct Checked {
    line: u64,
    key: String,
    /// `(column, value)` for every column the run carries, plus derived ones.
    values: Vec<(&'static str, Value)>,
    /// Credit codes taken on the override.
    overrides: Vec<String>,
}

/// A stored record as far as an import sees it.
struct Existing {
    values: HashMap<&'static str, Value>,
    source: Option<String>,
    line: Option<i64>,
}

/// What a batch will write.
#[derive(Default)]
struct Plan {
    inserts: Vec<Checked>,
    updates: Vec<Checked>,
    /// Unchanged rows whose record was last written from another file.
    retag: Vec<(String, u64)>,
    result: BatchResult,
    overrides: Vec<String>,
}

impl Store {
    /// Starts a run of `kind` by `actor`.
    pub async fn start_import(&self, kind: Kind, spec: NewRun, actor: Actor<'_>) -> Result<Run> {
        check_columns(kind, &spec)?;
        let run = Run {
            run_id: new_run_id(),
            kind,
            spec,
            actor: actor.name.to_string(),
            started_at: from_millis(chrono::Utc::now().timestamp_millis()),
            batches: Vec::new(),
        };
        let spec_json =
            serde_json::to_string(&run.spec).map_err(|e| Error::Invalid(e.to_string()))?;
        sqlx::query(
            "INSERT INTO import_runs (run_id, kind, spec, actor, started_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(run.run_id.clone())
        .bind(kind.as_str())
        .bind(spec_json)
        .bind(run.actor.clone())
        .bind(to_millis(run.started_at))
        .execute(&self.pool)
        .await?;
        Ok(run)
    }

    /// A run with the batches committed so far.
    pub async fn import_run(&self, run_id: &str) -> Result<Run> {
        let row =
            sqlx::query("SELECT kind, spec, actor, started_at FROM import_runs WHERE run_id = $1")
                .bind(run_id.to_string())
                .fetch_optional(&self.pool)
                .await?
                .ok_or_else(|| Error::NotFound(format!("there is no import run `{run_id}`")))?;
        let kind: String = row.try_get("kind")?;
        let spec: String = row.try_get("spec")?;
        let results: Vec<String> = sqlx::query_scalar(
            "SELECT result FROM import_batches WHERE run_id = $1 ORDER BY batch_no",
        )
        .bind(run_id.to_string())
        .fetch_all(&self.pool)
        .await?;
        let batches = results
            .iter()
            .filter_map(|r| serde_json::from_str::<BatchResult>(r).ok())
            .collect();
        Ok(Run {
            run_id: run_id.to_string(),
            kind: kind.parse().map_err(Error::Invalid)?,
            spec: serde_json::from_str(&spec).map_err(|e| Error::Invalid(e.to_string()))?,
            actor: row.try_get("actor")?,
            started_at: from_millis(row.try_get("started_at")?),
            batches,
        })
    }

    /// Upserts one batch of a run in one transaction. A batch already
    /// committed answers with its stored result and changes nothing.
    pub async fn import_batch(
        &self,
        kind: Kind,
        batch: Batch,
        actor: Actor<'_>,
    ) -> Result<(BatchResult, Vec<Event>)> {
        let run = self.import_run(&batch.run_id).await?;
        if run.kind != kind {
            return Err(Error::Invalid(format!(
                "run `{}` imports {}, not {}",
                run.run_id,
                run.kind.as_str(),
                kind.as_str()
            )));
        }
        check_batch_shape(&run, &batch)?;
        if kind == Kind::Passages {
            return self.import_passages(&run, batch, actor).await;
        }
        let (rows, mut rejected) = check_rows(kind, &run, &batch);
        let mut tx = self.write().await?;
        if !run.spec.dry_run
            && let Some(stored) = self.claim_batch(&mut tx, &batch).await?
        {
            tx.rollback().await?;
            return Ok((stored, Vec::new()));
        }
        let existing = self
            .existing(&mut tx, kind, rows.iter().map(|r| r.key.as_str()))
            .await?;
        let holders = self.holders(&mut tx, kind, &rows).await?;
        let mut plan = plan(kind, &run, rows, existing, holders);
        // In key order the B-tree is walked once, not jumped about in.
        plan.inserts.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        plan.result.batch_no = batch.batch_no;
        plan.result.rows = batch.rows.len() as u64;
        rejected.append(&mut plan.result.rejected);
        rejected.sort_by_key(|r| r.line);
        plan.result.rejected = rejected;
        self.write_plan(&mut tx, kind, &run.spec.fingerprint, &plan, actor.name)
            .await?;
        let result = plan.result.clone();
        if run.spec.dry_run {
            tx.rollback().await?;
            return Ok((result, Vec::new()));
        }
        let summary = serde_json::json!({
            "rows": result.rows, "inserted": result.inserted, "updated": result.updated,
            "unchanged": result.unchanged, "rejected": result.rejected.len(),
            "source": run.spec.source, "accepted_bad_uscc": plan.overrides,
        });
        let key = format!("{}#{}", batch.run_id, batch.batch_no);
        let mut entry = AuditEntry::new(kind.as_str(), key, "import");
        entry.after = Some(summary);
        self.append_audit(&mut tx, actor, entry).await?;
        let stored = serde_json::to_string(&result).map_err(|e| Error::Invalid(e.to_string()))?;
        sqlx::query("UPDATE import_batches SET result = $1 WHERE run_id = $2 AND batch_no = $3")
            .bind(stored)
            .bind(batch.run_id.clone())
            .bind(batch.batch_no as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((result, Vec::new()))
    }

    /// A batch of passages: each row checked on its own, the good ones
    /// stored through the passage store (which raises the alerts), the
    /// answer recorded so the batch is not counted twice. Storing a
    /// passage twice changes nothing, so a batch cut short is safe to send
    /// again.
    async fn import_passages(
        &self,
        run: &Run,
        batch: Batch,
        actor: Actor<'_>,
    ) -> Result<(BatchResult, Vec<Event>)> {
        if !run.spec.dry_run {
            let mut tx = self.write().await?;
            if let Some(stored) = self.claim_batch(&mut tx, &batch).await? {
                tx.rollback().await?;
                return Ok((stored, Vec::new()));
            }
            // Claimed for real below, once the passages are in.
            tx.rollback().await?;
        }
        let mut result = BatchResult {
            batch_no: batch.batch_no,
            rows: batch.rows.len() as u64,
            ..BatchResult::default()
        };
        let column = |row: &[Option<String>], name: &str| {
            let i = run.spec.columns.iter().position(|c| c == name)?;
            row.get(i).cloned().flatten()
        };
        let mut good = Vec::with_capacity(batch.rows.len());
        let mut lines = Vec::with_capacity(batch.rows.len());
        for (row, &line) in batch.rows.iter().zip(&batch.lines) {
            let text = |name| column(row, name).unwrap_or_default();
            let direction = column(row, "direction");
            let at = text("at");
            match NewPassage::from_fields(
                &text("gantry"),
                &at,
                &text("plate"),
                &text("colour"),
                &text("class"),
                direction.as_deref(),
            ) {
                Ok(p) => {
                    good.push(p);
                    lines.push(line);
                }
                Err(reason) => result.rejected.push(Rejection {
                    line,
                    field: None,
                    reason,
                }),
            }
        }
        let known = self
            .known_gantries(good.iter().map(|p| p.gantry.clone()))
            .await?;
        let mut keep = Vec::with_capacity(good.len());
        for (p, line) in good.into_iter().zip(lines) {
            if known.contains(&p.gantry) {
                keep.push(p);
            } else {
                result.rejected.push(Rejection {
                    line,
                    field: Some("gantry".into()),
                    reason: format!(
                        "gantry `{}` is not on the register (`safedesk gantry list`)",
                        p.gantry
                    ),
                });
            }
        }
        result.rejected.sort_by_key(|r| r.line);
        if run.spec.dry_run {
            result.inserted = keep.len() as u64;
            return Ok((result, Vec::new()));
        }
        let (counts, events) = if keep.is_empty() {
            Default::default()
        } else {
            self.insert_passages(&keep, actor).await?
        };
        result.inserted = counts.inserted;
        result.unchanged = counts.duplicate;
        let mut tx = self.write().await?;
        if let Some(stored) = self.claim_batch(&mut tx, &batch).await? {
            tx.rollback().await?;
            return Ok((stored, events));
        }
        let stored = serde_json::to_string(&result).map_err(|e| Error::Invalid(e.to_string()))?;
        sqlx::query("UPDATE import_batches SET result = $1 WHERE run_id = $2 AND batch_no = $3")
            .bind(stored)
            .bind(batch.run_id.clone())
            .bind(batch.batch_no as i64)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((result, events))
    }

    /// Records that the batch is being committed. When it already was,
    /// returns its stored result (marked replayed) instead.
    async fn claim_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        batch: &Batch,
    ) -> Result<Option<BatchResult>> {
        let claimed = sqlx::query(
            "INSERT INTO import_batches (run_id, batch_no, result, committed_at) \
             VALUES ($1, $2, '', $3) ON CONFLICT (run_id, batch_no) DO NOTHING",
        )
        .bind(batch.run_id.clone())
        .bind(batch.batch_no as i64)
        .bind(chrono::Utc::now().timestamp_millis())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if claimed == 1 {
            return Ok(None);
        }
        let stored: String = sqlx::query_scalar(
            "SELECT result FROM import_batches WHERE run_id = $1 AND batch_no = $2",
        )
        .bind(batch.run_id.clone())
        .bind(batch.batch_no as i64)
        .fetch_one(&mut **tx)
        .await?;
        let mut result: BatchResult =
            serde_json::from_str(&stored).map_err(|e| Error::Invalid(e.to_string()))?;
        result.replayed = true;
        Ok(Some(result))
    }

    /// The stored records with these keys, as far as the import sees them.
    async fn existing<'k>(
        &self,
        tx: &mut Transaction<'static, Any>,
        kind: Kind,
        keys: impl Iterator<Item = &'k str>,
    ) -> Result<HashMap<String, Existing>> {
        let t = table(kind);
        let mut columns: Vec<&'static str> = kind.fields().iter().map(|f| f.name).collect();
        if kind == Kind::Cylinders {
            columns.push(USCC_FLAG);
            columns.push("state");
        }
        columns.dedup();
        let keys: Vec<&str> = keys.collect();
        let mut found = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(LOOKUP_CHUNK) {
            let marks = self.marks(1, chunk.len());
            let sql = format!(
                "SELECT {}, import_source, import_line FROM {} WHERE {} IN ({})",
                columns.join(", "),
                t.name,
                t.key,
                marks
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for k in chunk {
                query = query.bind(k.to_string());
            }
            for row in query.fetch_all(&mut **tx).await? {
                let key: String = row.try_get(t.key)?;
                let mut values = HashMap::with_capacity(columns.len());
                for c in &columns {
                    values.insert(*c, read_value(&row, kind, c)?);
                }
                let source = row.try_get("import_source")?;
                let line = row.try_get("import_line")?;
                found.insert(
                    key,
                    Existing {
                        values,
                        source,
                        line,
                    },
                );
            }
        }
        Ok(found)
    }

    /// Who holds the values the rows give for the kind's unique columns,
    /// by `column`, a unit separator and the value.
    async fn holders(
        &self,
        tx: &mut Transaction<'static, Any>,
        kind: Kind,
        rows: &[Checked],
    ) -> Result<HashMap<String, String>> {
        let t = table(kind);
        let mut found = HashMap::new();
        for column in t.unique {
            let values: Vec<&str> = rows
                .iter()
                .flat_map(|r| &r.values)
                .filter(|(c, _)| c == column)
                .filter_map(|(_, v)| match v {
                    Value::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            for chunk in values.chunks(LOOKUP_CHUNK) {
                let sql = format!(
                    "SELECT {}, {column} FROM {} WHERE {column} IN ({})",
                    t.key,
                    t.name,
                    self.marks(1, chunk.len())
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for v in chunk {
                    query = query.bind(v.to_string());
                }
                for row in query.fetch_all(&mut **tx).await? {
                    let key: String = row.try_get(t.key)?;
                    let value: String = row.try_get(*column)?;
                    found.insert(format!("{column}\u{1f}{value}"), key);
                }
            }
        }
        Ok(found)
    }

    async fn write_plan(
        &self,
        tx: &mut Transaction<'static, Any>,
        kind: Kind,
        source: &str,
        plan: &Plan,
        actor: &str,
    ) -> Result<()> {
        if kind == Kind::Vessels {
            self.insert_vessels(tx, source, &plan.inserts, actor)
                .await?;
        } else {
            self.insert_rows(tx, kind, source, &plan.inserts).await?;
        }
        let t = table(kind);
        for row in &plan.updates {
            let mut sets: Vec<String> = Vec::new();
            let mut args = AnyArguments::default();
            for (column, value) in &row.values {
                sets.push(format!("{column} = ${}", sets.len() + 1));
                bind_value(&mut args, kind, column, value)?;
            }
            let n = sets.len();
            sets.push(format!("import_source = ${}", n + 1));
            sets.push(format!("import_line = ${}", n + 2));
            if t.versioned {
                sets.push("version = version + 1".into());
            }
            add(&mut args, source.to_string())?;
            add(&mut args, row.line as i64)?;
            add(&mut args, row.key.clone())?;
            let sql = format!(
                "UPDATE {} SET {} WHERE {} = ${}",
                t.name,
                sets.join(", "),
                t.key,
                n + 3
            );
            sqlx::query_with(AssertSqlSafe(sql), args)
                .execute(&mut **tx)
                .await?;
        }
        for (key, line) in &plan.retag {
            let sql = format!(
                "UPDATE {} SET import_source = $1, import_line = $2 WHERE {} = $3",
                t.name, t.key
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(source.to_string())
                .bind(*line as i64)
                .bind(key.clone())
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// New records as multi-row INSERTs, all rows of a statement having
    /// the same columns.
    async fn insert_rows(
        &self,
        tx: &mut Transaction<'static, Any>,
        kind: Kind,
        source: &str,
        rows: &[Checked],
    ) -> Result<()> {
        let Some(first) = rows.first() else {
            return Ok(());
        };
        let t = table(kind);
        let mut columns: Vec<&str> = first.values.iter().map(|(c, _)| *c).collect();
        columns.extend(["import_source", "import_line"]);
        let per_row = columns.len();
        let defaults: Vec<&(&str, &str)> = t
            .defaults
            .iter()
            .filter(|(c, _)| !columns.contains(c))
            .collect();
        let head = format!(
            "INSERT INTO {} ({}{}) VALUES ",
            t.name,
            columns.join(", "),
            defaults
                .iter()
                .map(|(c, _)| format!(", {c}"))
                .collect::<String>()
        );
        let tail: String = defaults.iter().map(|(_, v)| format!(", {v}")).collect();
        for chunk in rows.chunks((INSERT_PARAMS / per_row).max(1)) {
            let mut sql = head.clone();
            let mut args = AnyArguments::default();
            for (i, row) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let marks = self.marks(i * per_row + 1, per_row);
                sql.push_str(&format!("({marks}{tail})"));
                for (column, value) in &row.values {
                    bind_value(&mut args, kind, column, value)?;
                }
                add(&mut args, source.to_string())?;
                add(&mut args, row.line as i64)?;
            }
            sqlx::query_with(AssertSqlSafe(sql), args)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// New vessels one by one: each gets its case number and a first line
    /// in its timeline saying where it came from.
    async fn insert_vessels(
        &self,
        tx: &mut Transaction<'static, Any>,
        source: &str,
        rows: &[Checked],
        actor: &str,
    ) -> Result<()> {
        let now = chrono::Utc::now().timestamp_millis();
        for row in rows {
            let columns: Vec<&str> = row.values.iter().map(|(c, _)| *c).collect();
            let marks: Vec<String> = (1..=columns.len() + 2).map(|i| format!("${i}")).collect();
            let sql = format!(
                "INSERT INTO vessels ({}, import_source, import_line, state, version) \
                 VALUES ({}, 'found', 1) RETURNING id",
                columns.join(", "),
                marks.join(", ")
            );
            let mut args = AnyArguments::default();
            for (column, value) in &row.values {
                bind_value(&mut args, Kind::Vessels, column, value)?;
            }
            add(&mut args, source.to_string())?;
            add(&mut args, row.line as i64)?;
            let id: i64 = sqlx::query_scalar_with(AssertSqlSafe(sql), args)
                .fetch_one(&mut **tx)
                .await?;
            let found_at = row
                .values
                .iter()
                .find_map(|(c, v)| match (c, v) {
                    (&"found_at", Value::Int(ms)) => Some(*ms),
                    _ => None,
                })
                .unwrap_or(now);
            let detail = format!("register {}, row {}", row.key, row.line);
            self.vessel_timeline_in(tx, id, found_at, actor, "found", &detail)
                .await?;
        }
        Ok(())
    }
}

impl Store {
    /// `count` placeholders from number `first`, comma-separated. SQLite
    /// gets bare `?`: it looks numbered `$N` names up one by one, which
    /// makes a statement of thousands of values take seconds to prepare.
    fn marks(&self, first: usize, count: usize) -> String {
        let marks: Vec<String> = match self.backend {
            Backend::Sqlite => vec!["?".to_string(); count],
            Backend::Postgres => (first..first + count).map(|i| format!("${i}")).collect(),
        };
        marks.join(", ")
    }
}

/// The columns of a run must be fields of its kind, each once, with the key.
fn check_columns(kind: Kind, spec: &NewRun) -> Result<()> {
    for (i, c) in spec.columns.iter().enumerate() {
        if kind.field(c).is_none() {
            return Err(Error::Invalid(format!(
                "`{c}` is not a field of {}",
                kind.as_str()
            )));
        }
        if spec.columns[..i].contains(c) {
            return Err(Error::Invalid(format!("the field `{c}` is given twice")));
        }
    }
    if !spec.columns.iter().any(|c| c == kind.key().name) {
        return Err(Error::Invalid(format!(
            "{} are matched by {} ({}); the file must have that column",
            kind.as_str(),
            kind.key().label,
            kind.key().name
        )));
    }
    let most = match kind {
        Kind::Passages => crate::model::passage::MAX_PASSAGES,
        _ => MAX_BATCH_ROWS,
    };
    if spec.batch_size == 0 || spec.batch_size as usize > most {
        return Err(Error::Invalid(format!(
            "a batch of {} holds 1 to {most} rows",
            kind.as_str()
        )));
    }
    Ok(())
}

fn check_batch_shape(run: &Run, batch: &Batch) -> Result<()> {
    if batch.batch_no == 0 {
        return Err(Error::Invalid("batches are numbered from 1".into()));
    }
    if batch.rows.len() > run.spec.batch_size as usize {
        return Err(Error::Invalid(format!(
            "batch {} has {} rows; the run's batches hold at most {}",
            batch.batch_no,
            batch.rows.len(),
            run.spec.batch_size
        )));
    }
    if batch.lines.len() != batch.rows.len() {
        return Err(Error::Invalid("`lines` and `rows` differ in length".into()));
    }
    let width = run.spec.columns.len();
    if let Some(i) = batch.rows.iter().position(|r| r.len() != width) {
        return Err(Error::Invalid(format!(
            "row {} has {} values; the run has {width} columns",
            batch.lines[i],
            batch.rows[i].len()
        )));
    }
    Ok(())
}

/// Checks every value of every row; rows with a bad value are rejected
/// whole, naming the first field at fault.
fn check_rows(kind: Kind, run: &Run, batch: &Batch) -> (Vec<Checked>, Vec<Rejection>) {
    let fields: Vec<&'static Field> = run
        .spec
        .columns
        .iter()
        .filter_map(|c| kind.field(c))
        .collect();
    let opts = CheckOptions {
        accept_bad_uscc: run.spec.accept_bad_uscc,
    };
    let mut good = Vec::with_capacity(batch.rows.len());
    let mut bad = Vec::new();
    for (row, &line) in batch.rows.iter().zip(&batch.lines) {
        match check_row(kind, &fields, row, line, opts) {
            Ok(r) => good.push(r),
            Err(r) => bad.push(r),
        }
    }
    (good, bad)
}

fn check_row(
    kind: Kind,
    fields: &[&'static Field],
    row: &[Option<String>],
    line: u64,
    opts: CheckOptions,
) -> std::result::Result<Checked, Rejection> {
    let reject = |field: &Field, reason: String| Rejection {
        line,
        field: Some(field.name.to_string()),
        reason,
    };
    let mut values = Vec::with_capacity(fields.len() + 1);
    let mut overrides = Vec::new();
    let mut key = None;
    for (field, text) in fields.iter().zip(row) {
        let checked = check(field, text.as_deref(), opts).map_err(|e| reject(field, e))?;
        if checked.value == Value::Null && field.required && field.name == kind.key().name {
            return Err(reject(field, format!("{} is empty", field.label)));
        }
        if let (true, Value::Text(code)) = (checked.overridden, &checked.value) {
            overrides.push(code.clone());
        }
        if field.name == kind.key().name
            && let Value::Text(k) = &checked.value
        {
            key = Some(k.clone());
        }
        if field.ty == FieldType::Uscc {
            values.push((USCC_FLAG, Value::Int(i64::from(checked.overridden))));
        }
        values.push((field.name, checked.value));
    }
    let key = key.ok_or_else(|| Rejection {
        line,
        field: Some(kind.key().name.into()),
        reason: format!("{} is empty", kind.key().label),
    })?;
    Ok(Checked {
        line,
        key,
        values,
        overrides,
    })
}

/// Sorts checked rows into inserts, updates and unchanged, refusing
/// duplicates within the file and breaches of the kind's rules.
fn plan(
    kind: Kind,
    run: &Run,
    rows: Vec<Checked>,
    existing: HashMap<String, Existing>,
    mut holders: HashMap<String, String>,
) -> Plan {
    let source = run.spec.fingerprint.as_str();
    let mut plan = Plan::default();
    // The first row of each key in this batch, by line.
    let mut seen: HashMap<String, u64> = HashMap::with_capacity(rows.len());
    for row in rows {
        let line = row.line as i64;
        let old = existing.get(&row.key);
        let first = match (seen.get(&row.key), old) {
            (Some(&first), _) => Some(first),
            (None, Some(o)) if o.source.as_deref() == Some(source) && o.line != Some(line) => {
                o.line.map(|l| l as u64)
            }
            _ => None,
        };
        if let Some(first) = first {
            plan.result.rejected.push(Rejection {
                line: row.line,
                field: Some(kind.key().name.into()),
                reason: format!(
                    "{} `{}` is also on row {first} of this file; only the first is taken",
                    kind.key().label,
                    row.key
                ),
            });
            continue;
        }
        let mut row = row;
        if old.is_none() {
            fill_defaults(kind, &mut row);
        }
        let taken = taken_unique(kind, &row, &holders);
        if let Some((field, reason)) = taken.or_else(|| refusal(kind, run, old, &row)) {
            plan.result.rejected.push(Rejection {
                line: row.line,
                field,
                reason,
            });
            continue;
        }
        for (column, value) in &row.values {
            if let (true, Value::Text(v)) = (table(kind).unique.contains(column), value) {
                holders.insert(format!("{column}\u{1f}{v}"), row.key.clone());
            }
        }
        seen.insert(row.key.clone(), row.line);
        let Some(old) = old else {
            plan.result.inserted += 1;
            plan.overrides.extend(row.overrides.iter().cloned());
            plan.inserts.push(row);
            continue;
        };
        if row.values.iter().all(|(c, v)| old.values.get(c) == Some(v)) {
            plan.result.unchanged += 1;
            if old.source.as_deref() != Some(source) || old.line != Some(line) {
                plan.retag.push((row.key, row.line));
            }
        } else {
            plan.result.updated += 1;
            plan.overrides.extend(row.overrides.iter().cloned());
            plan.updates.push(row);
        }
    }
    plan
}

/// Why a row may not be stored, if it may not: a new record without a
/// required field, or a change the kind's rules forbid.
fn refusal(
    kind: Kind,
    run: &Run,
    old: Option<&Existing>,
    row: &Checked,
) -> Option<(Option<String>, String)> {
    let Some(old) = old else {
        let field = missing_required(kind, row)?;
        let why = if run.spec.columns.iter().any(|c| c == field.name) {
            "this row leaves it empty"
        } else {
            "this file has no such column"
        };
        let reason = format!("a new record needs {} ({}); {why}", field.label, field.name);
        return Some((Some(field.name.to_string()), reason));
    };
    if let Err(reason) = rules(kind, old, row) {
        return Some((None, reason));
    }
    let defaulted = table(kind).defaults;
    let emptied = row
        .values
        .iter()
        .find(|(c, v)| *v == Value::Null && defaulted.iter().any(|(d, _)| d == c));
    if let Some((column, _)) = emptied {
        let label = kind.field(column).map_or(*column, |f| f.label);
        return Some((
            Some(column.to_string()),
            format!("{label} cannot be emptied"),
        ));
    }
    emptied_required(kind, row).map(|f| {
        (
            Some(f.name.to_string()),
            format!("{} cannot be emptied", f.label),
        )
    })
}

/// A new record takes the default of a column its row leaves empty, as it
/// does of a column its file lacks.
fn fill_defaults(kind: Kind, row: &mut Checked) {
    for (column, value) in row.values.iter_mut() {
        let default = table(kind).defaults.iter().find(|(c, _)| c == column);
        if let (Value::Null, Some((_, literal))) = (&value, default) {
            *value = match literal.strip_prefix('\'') {
                Some(text) => Value::Text(text.trim_end_matches('\'').to_string()),
                None => literal.parse().map(Value::Int).unwrap_or(Value::Null),
            };
        }
    }
}

/// A value of a unique column that another record already holds.
fn taken_unique(
    kind: Kind,
    row: &Checked,
    holders: &HashMap<String, String>,
) -> Option<(Option<String>, String)> {
    row.values.iter().find_map(|(column, value)| {
        let Value::Text(v) = value else { return None };
        let holder = holders.get(&format!("{column}\u{1f}{v}"))?;
        (table(kind).unique.contains(column) && *holder != row.key).then(|| {
            let label = kind.field(column).map_or(*column, |f| f.label);
            let reason = format!(
                "{label} `{v}` already belongs to {} `{holder}`",
                kind.key().label
            );
            (Some(column.to_string()), reason)
        })
    })
}

/// The kind's own rules for changing a stored record.
fn rules(kind: Kind, old: &Existing, row: &Checked) -> std::result::Result<(), String> {
    if kind != Kind::Cylinders {
        return Ok(());
    }
    let scrapped = Value::Text("scrapped".into());
    let now_state = row
        .values
        .iter()
        .find(|(c, _)| *c == "state")
        .map(|(_, v)| v);
    if old.values.get("state") == Some(&scrapped) && now_state.is_some_and(|s| *s != scrapped) {
        return Err(format!(
            "cylinder `{}` was scrapped; a scrapped code is never used again",
            row.key
        ));
    }
    Ok(())
}

fn missing_required(kind: Kind, row: &Checked) -> Option<&'static Field> {
    kind.fields().iter().filter(|f| f.required).find(|f| {
        !row.values
            .iter()
            .any(|(c, v)| *c == f.name && *v != Value::Null)
    })
}

fn emptied_required(kind: Kind, row: &Checked) -> Option<&'static Field> {
    kind.fields().iter().filter(|f| f.required).find(|f| {
        row.values
            .iter()
            .any(|(c, v)| *c == f.name && *v == Value::Null)
    })
}

/// Reads a stored column back as the value an import would give it.
fn read_value(row: &sqlx::any::AnyRow, kind: Kind, column: &str) -> Result<Value> {
    let ty = kind.field(column).map(|f| f.ty);
    let value = match ty {
        Some(FieldType::DateTime) => row.try_get::<Option<i64>, _>(column)?.map(Value::Int),
        Some(FieldType::Decimal) => row.try_get::<Option<f64>, _>(column)?.map(Value::Real),
        None if column == USCC_FLAG => row.try_get::<Option<i64>, _>(column)?.map(Value::Int),
        _ => row.try_get::<Option<String>, _>(column)?.map(Value::Text),
    };
    Ok(value.unwrap_or(Value::Null))
}

fn add<T>(args: &mut AnyArguments, value: T) -> Result<()>
where
    T: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any> + 'static,
{
    sqlx::Arguments::add(args, value).map_err(|e| Error::Invalid(e.to_string()))
}

/// Binds `value` for `column`; an empty value is a NULL of the column's type,
/// as PostgreSQL wants.
fn bind_value(args: &mut AnyArguments, kind: Kind, column: &str, value: &Value) -> Result<()> {
    match value {
        Value::Null => match kind.field(column).map(|f| f.ty) {
            Some(FieldType::DateTime) => add(args, None::<i64>),
            Some(FieldType::Decimal) => add(args, None::<f64>),
            _ => add(args, None::<String>),
        },
        Value::Text(s) => add(args, s.clone()),
        Value::Int(i) => add(args, *i),
        Value::Real(r) => add(args, *r),
    }
}

/// A run id: the time and some randomness, sortable and short enough to type.
fn new_run_id() -> String {
    let now = chrono::Utc::now().format("%Y%m%d%H%M%S");
    let tail: u32 = rand::random();
    format!("{now}-{tail:08x}")
}
