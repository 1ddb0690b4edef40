//! The illegal-operation list: each step applied in one transaction with
//! its history line and event; reads for lists and one vehicle's history.

use super::registers::{page, where_clause};
use super::{Bind, Error, Result, Store, bind_all};
use crate::model::audit::{Actor, AuditEntry};
use crate::model::blacklist::{Entry, HistoryEntry, Stage, Step};
use crate::model::time::from_millis;
use crate::model::{Event, Page, plate};
use chrono::{DateTime, Utc};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

/// Filters for `GET /blacklist`.
#[derive(Debug, Clone, Default)]
pub struct BlacklistFilter {
    /// Only this stage.
    pub stage: Option<Stage>,
    /// Only plates of this province (full name).
    pub province: Option<String>,
    /// Start after this plate (lists run in plate order).
    pub cursor: Option<String>,
    /// Page size.
    pub limit: i64,
}

const COLUMNS: &str = "plate, province, stage, since, reason, actor, version";

fn entry(row: &sqlx::any::AnyRow) -> Result<Entry> {
    let stage: String = row.try_get("stage")?;
    Ok(Entry {
        plate: row.try_get("plate")?,
        province: row.try_get("province")?,
        stage: stage.parse().map_err(Error::Invalid)?,
        since: from_millis(row.try_get("since")?),
        reason: row.try_get("reason")?,
        actor: row.try_get("actor")?,
        version: row.try_get("version")?,
        history: Vec::new(),
    })
}

fn history(row: &sqlx::any::AnyRow) -> Result<HistoryEntry> {
    let action: String = row.try_get("action")?;
    let from: Option<String> = row.try_get("from_stage")?;
    let stage: String = row.try_get("stage")?;
    Ok(HistoryEntry {
        at: from_millis(row.try_get("at")?),
        actor: row.try_get("actor")?,
        action: action.parse().map_err(Error::Invalid)?,
        from: from
            .map(|s| s.parse())
            .transpose()
            .map_err(Error::Invalid)?,
        stage: stage.parse().map_err(Error::Invalid)?,
        reason: row.try_get("reason")?,
        evidence: row.try_get("evidence")?,
    })
}

fn not_listed(plate: &str) -> Error {
    Error::NotFound(format!(
        "{plate} has never been on the illegal-operation list; \
         `safedesk blacklist add` puts it there"
    ))
}

impl Store {
    async fn blacklist_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        plate: &str,
    ) -> Result<Option<Entry>> {
        let sql = format!("SELECT {COLUMNS} FROM blacklist WHERE plate = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(plate.to_string())
            .fetch_optional(&mut **tx)
            .await?;
        row.as_ref().map(entry).transpose()
    }

    /// Takes one step on the list now, as `actor`.
    pub async fn blacklist_step(
        &self,
        step: &Step,
        actor: Actor<'_>,
    ) -> Result<(Entry, Vec<Event>)> {
        self.blacklist_step_at(step, actor, Utc::now()).await
    }

    /// Takes one step on the list as taken at `at`; the fixtures use it to
    /// load a history with fixed times.
    pub async fn blacklist_step_at(
        &self,
        step: &Step,
        actor: Actor<'_>,
        at: DateTime<Utc>,
    ) -> Result<(Entry, Vec<Event>)> {
        let checked = plate::parse(&step.plate).map_err(Error::Invalid)?;
        let key = checked.plate;
        let now = at.timestamp_millis();
        let mut tx = self.write().await?;
        let before = self.blacklist_in(&mut tx, &key).await?;
        let from = before.as_ref().map(|e| e.stage);
        step.check(&key, from).map_err(Error::Invalid)?;
        let stage = step.target();
        let evidence = step.evidence.clone().filter(|e| !e.trim().is_empty());
        let reason = step.reason.trim().to_string();
        let sql = if before.is_some() {
            "UPDATE blacklist SET stage = $2, since = $3, reason = $4, actor = $5, \
             version = version + 1, province = $6 WHERE plate = $1"
        } else {
            "INSERT INTO blacklist (plate, stage, since, reason, actor, province, version) \
             VALUES ($1, $2, $3, $4, $5, $6, 1)"
        };
        sqlx::query(sql)
            .bind(key.clone())
            .bind(stage.as_str())
            .bind(now)
            .bind(reason.clone())
            .bind(actor.name.to_string())
            .bind(checked.province)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO blacklist_history \
             (plate, at, actor, action, from_stage, stage, reason, evidence) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(key.clone())
        .bind(now)
        .bind(actor.name.to_string())
        .bind(step.action.as_str())
        .bind(from.map(Stage::as_str))
        .bind(stage.as_str())
        .bind(reason)
        .bind(evidence)
        .execute(&mut *tx)
        .await?;
        let after = self
            .blacklist_in(&mut tx, &key)
            .await?
            .ok_or_else(|| not_listed(&key))?;
        self.notice_for_step(&mut tx, &after).await?;
        let mut entry = AuditEntry::new("blacklist", &key, step.action.as_str()).after(&after);
        if let Some(b) = &before {
            entry = entry.before(b);
        }
        self.append_audit(&mut tx, actor, entry).await?;
        let data = serde_json::to_value(&after).unwrap_or_default();
        let event = self.append_event(&mut tx, "blacklist", &key, &data).await?;
        tx.commit().await?;
        Ok((after, vec![event]))
    }

    /// One vehicle with every step of its history.
    pub async fn blacklist_entry(&self, plate_text: &str) -> Result<Entry> {
        let key = plate::parse(plate_text).map_err(Error::Invalid)?.plate;
        let sql = format!("SELECT {COLUMNS} FROM blacklist WHERE plate = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(key.clone())
            .fetch_optional(&self.pool)
            .await?;
        let mut found = entry(&row.ok_or_else(|| not_listed(&key))?)?;
        let rows = sqlx::query(
            "SELECT at, actor, action, from_stage, stage, reason, evidence \
             FROM blacklist_history WHERE plate = $1 ORDER BY id",
        )
        .bind(key)
        .fetch_all(&self.pool)
        .await?;
        found.history = rows.iter().map(history).collect::<Result<_>>()?;
        Ok(found)
    }

    /// A page of the list, in plate order.
    pub async fn blacklist(&self, f: &BlacklistFilter) -> Result<Page<Entry>> {
        let mut conds = Vec::new();
        if let Some(s) = f.stage {
            conds.push(("stage = ?".to_string(), Some(Bind::Text(s.to_string()))));
        }
        if let Some(p) = &f.province {
            conds.push(("province = ?".to_string(), Some(Bind::Text(p.clone()))));
        }
        if let Some(c) = &f.cursor {
            conds.push(("plate > ?".to_string(), Some(Bind::Text(c.clone()))));
        }
        let (clause, binds) = where_clause(&conds);
        let sql = format!(
            "SELECT {COLUMNS} FROM blacklist {clause} ORDER BY plate LIMIT {}",
            f.limit + 1
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows.iter().map(entry).collect::<Result<Vec<_>>>()?;
        Ok(page(&mut items, f.limit, |e| e.plate.clone()))
    }
}
