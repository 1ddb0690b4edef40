//! Plate checks: every list at once, for many plates, by the normalised
//! plate (the primary key of `blacklist`, the index of `muck_violations`).

use super::{Error, Result, Store};
use crate::model::blacklist::Entry;
use crate::model::muck::{Violation, pass_at};
use crate::model::plate::{ListHit, Plate, PlateCheck};
use crate::model::time::from_millis;
use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

impl Store {
    /// What every list says about each of `plates` (already checked and
    /// normalised) at `now`, in the order given.
    pub async fn check_plates(
        &self,
        plates: &[Plate],
        now: DateTime<Utc>,
    ) -> Result<Vec<PlateCheck>> {
        let keys: Vec<String> = plates.iter().map(|p| p.plate.clone()).collect();
        let mut hits: HashMap<String, Vec<ListHit>> = HashMap::new();
        for chunk in keys.chunks(500) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 1)).collect();
            let sql = format!(
                "SELECT plate, stage, since, reason FROM blacklist WHERE plate IN ({}) \
                 AND stage IN ('suspect', 'grey', 'black')",
                marks.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for k in chunk {
                q = q.bind(k.clone());
            }
            for row in q.fetch_all(&self.pool).await? {
                let plate: String = row.try_get("plate")?;
                hits.entry(plate).or_default().push(ListHit {
                    list: "illegal-operation".into(),
                    stage: row.try_get("stage")?,
                    since: from_millis(row.try_get("since")?),
                    until: None,
                    why: row.try_get("reason")?,
                });
            }
        }
        let mut by_plate: HashMap<String, Vec<_>> = HashMap::new();
        for v in self.latest_violations(&keys, now).await? {
            by_plate.entry(v.plate.clone()).or_default().push(v);
        }
        for (plate, violations) in by_plate {
            let pass = pass_at(&plate, &violations, now);
            if let (Some(since), Some(kind)) = (pass.since, pass.kind) {
                hits.entry(plate).or_default().push(ListHit {
                    list: "muck-pass".into(),
                    stage: "suspended".into(),
                    since,
                    until: pass.until,
                    why: format!("{kind} violation"),
                });
            }
        }
        Ok(plates
            .iter()
            .map(|p| PlateCheck {
                plate: p.clone(),
                hits: hits.get(&p.plate).cloned().unwrap_or_default(),
            })
            .collect())
    }
}

impl Store {
    /// What the in-memory index of the lists starts from: every vehicle
    /// ever on the illegal-operation list (any stage, without history), and
    /// the muck violations that may still suspend a pass at or after `now`.
    pub async fn list_rows(&self, now: DateTime<Utc>) -> Result<(Vec<Entry>, Vec<Violation>)> {
        let rows = sqlx::query(
            "SELECT plate, province, stage, since, reason, actor, version FROM blacklist",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let stage: String = row.try_get("stage")?;
            entries.push(Entry {
                plate: row.try_get("plate")?,
                province: row.try_get("province")?,
                stage: stage.parse().map_err(Error::Invalid)?,
                since: from_millis(row.try_get("since")?),
                reason: row.try_get("reason")?,
                actor: row.try_get("actor")?,
                version: row.try_get("version")?,
                history: Vec::new(),
            });
        }
        let start = now - chrono::Duration::days(crate::model::muck::SUSPENSION_DAYS);
        let rows = sqlx::query(
            "SELECT id, plate, kind, at, actor, recorded_at FROM muck_violations WHERE at > $1",
        )
        .bind(start.timestamp_millis())
        .fetch_all(&self.pool)
        .await?;
        let mut violations = Vec::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("kind")?;
            violations.push(Violation {
                id: row.try_get("id")?,
                plate: row.try_get("plate")?,
                kind: kind.parse().map_err(Error::Invalid)?,
                at: from_millis(row.try_get("at")?),
                actor: row.try_get("actor")?,
                recorded_at: from_millis(row.try_get("recorded_at")?),
            });
        }
        Ok((entries, violations))
    }
}
