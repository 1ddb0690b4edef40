//! Muck-truck violations, and the pass they suspend.

use super::{Error, Result, Store};
use crate::model::audit::{Actor, AuditEntry};
use crate::model::muck::{NewViolation, Pass, Violation, pass_at};
use crate::model::time::from_millis;
use crate::model::{Event, plate};
use chrono::{DateTime, Utc};
use sqlx::Row;

const COLUMNS: &str = "id, plate, kind, at, actor, recorded_at";

fn violation(row: &sqlx::any::AnyRow) -> Result<Violation> {
    let kind: String = row.try_get("kind")?;
    Ok(Violation {
        id: row.try_get("id")?,
        plate: row.try_get("plate")?,
        kind: kind.parse().map_err(Error::Invalid)?,
        at: from_millis(row.try_get("at")?),
        actor: row.try_get("actor")?,
        recorded_at: from_millis(row.try_get("recorded_at")?),
    })
}

impl Store {
    /// Records a violation as `actor`.
    pub async fn add_violation(
        &self,
        new: &NewViolation,
        actor: Actor<'_>,
    ) -> Result<(Violation, Vec<Event>)> {
        let key = plate::parse(&new.plate).map_err(Error::Invalid)?.plate;
        let now = Utc::now();
        if new.at > now + chrono::Duration::minutes(5) {
            return Err(Error::Invalid(format!(
                "the violation time {} is in the future; give the time it happened",
                new.at.to_rfc3339()
            )));
        }
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "INSERT INTO muck_violations (plate, kind, at, actor, recorded_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id, plate, kind, at, actor, recorded_at",
        )
        .bind(key.clone())
        .bind(new.kind.as_str())
        .bind(new.at.timestamp_millis())
        .bind(actor.name.to_string())
        .bind(now.timestamp_millis())
        .fetch_one(&mut *tx)
        .await?;
        let added = violation(&row)?;
        let entry = AuditEntry::new("muck_violation", added.id, "create").after(&added);
        self.append_audit(&mut tx, actor, entry).await?;
        let data = serde_json::to_value(&added).unwrap_or_default();
        let event = self
            .append_event(&mut tx, "muck_violation", &key, &data)
            .await?;
        tx.commit().await?;
        Ok((added, vec![event]))
    }

    /// Violations, newest first: of one truck, or of every truck.
    pub async fn violations(&self, plate_text: Option<&str>, limit: i64) -> Result<Vec<Violation>> {
        let rows = match plate_text {
            Some(p) => {
                let key = plate::parse(p).map_err(Error::Invalid)?.plate;
                let sql = format!(
                    "SELECT {COLUMNS} FROM muck_violations WHERE plate = $1 \
                     ORDER BY at DESC, id DESC LIMIT $2"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(key)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM muck_violations ORDER BY at DESC, id DESC LIMIT $1"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(violation).collect()
    }

    /// A truck's pass at `now`.
    pub async fn muck_pass(&self, plate_text: &str, now: DateTime<Utc>) -> Result<Pass> {
        let key = plate::parse(plate_text).map_err(Error::Invalid)?.plate;
        let found = self
            .latest_violations(std::slice::from_ref(&key), now)
            .await?;
        Ok(pass_at(&key, &found, now))
    }

    /// For each of `plates` (normalised), its latest violation at or before
    /// `now`, if that is within the suspension; one query per 500 plates.
    pub(super) async fn latest_violations(
        &self,
        plates: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<Violation>> {
        let start = now - chrono::Duration::days(crate::model::muck::SUSPENSION_DAYS);
        let mut out = Vec::new();
        for chunk in plates.chunks(500) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "SELECT {COLUMNS} FROM muck_violations WHERE at > $1 AND at <= $2 \
                 AND plate IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(start.timestamp_millis())
                .bind(now.timestamp_millis());
            for p in chunk {
                q = q.bind(p.clone());
            }
            for row in q.fetch_all(&self.pool).await? {
                out.push(violation(&row)?);
            }
        }
        Ok(out)
    }
}
