//! Plate checks: every list at once, for many plates, by the normalised
//! plate (the primary key of `blacklist`, the index of `muck_violations`).

use super::{Result, Store};
use crate::model::muck::pass_at;
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
