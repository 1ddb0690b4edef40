//! Gantries and passages: the gantry register, passages stored once by
//! their natural key (gantry, time, plate), a vehicle's track, and the
//! alerts raised when a grey or black vehicle passes.

use super::registers::where_clause;
use super::{Bind, Error, Result, Store, bind_all};
use crate::model::audit::{Actor, AuditEntry};
use crate::model::blacklist::Stage;
use crate::model::passage::{
    ALERT_KIND, Alert, AlertRecord, Direction, Gantry, MAX_PASSAGES, NewPassage, Passage,
    PassageCounts,
};
use crate::model::time::{from_millis, to_millis};
use crate::model::{Event, Page};
use chrono::{DateTime, Utc};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use std::collections::{HashMap, HashSet};

/// Rows per multi-row INSERT: 7 values each stays under SQLite's oldest
/// limit of 999 bound values.
const INSERT_CHUNK: usize = 100;

/// Keys per `IN (…)` list.
const IN_CHUNK: usize = 500;

/// The most row problems one refusal lists.
const MAX_PROBLEMS: usize = 10;

/// Filters for `GET /passages`: one vehicle's track.
#[derive(Debug, Clone, Default)]
pub struct PassageFilter {
    /// The normalised plate.
    pub plate: String,
    /// Only passages at or after; without it (and without a cursor), the
    /// latest `limit` passages.
    pub since: Option<DateTime<Utc>>,
    /// Continue after this cursor (`at.id`, from `next`).
    pub cursor: Option<String>,
    /// Page size.
    pub limit: i64,
}

const PASSAGE_COLUMNS: &str = "p.id, p.gantry_id, g.name AS gantry_name, g.road, g.city, p.at, \
     p.plate, p.colour, p.class, p.direction";

fn parsed<T: std::str::FromStr<Err = String>>(text: Option<String>) -> Result<Option<T>> {
    text.map(|t| t.parse()).transpose().map_err(Error::Invalid)
}

fn passage(row: &sqlx::any::AnyRow) -> Result<Passage> {
    let colour: String = row.try_get("colour")?;
    let class: String = row.try_get("class")?;
    Ok(Passage {
        id: row.try_get("id")?,
        gantry: row.try_get("gantry_id")?,
        gantry_name: row.try_get("gantry_name")?,
        road: row.try_get("road")?,
        city: row.try_get("city")?,
        at: from_millis(row.try_get("at")?),
        plate: row.try_get("plate")?,
        colour: colour.parse().map_err(Error::Invalid)?,
        class: class.parse().map_err(Error::Invalid)?,
        direction: parsed(row.try_get("direction")?)?,
    })
}

fn gantry(row: &sqlx::any::AnyRow) -> Result<Gantry> {
    let direction: String = row.try_get("direction")?;
    Ok(Gantry {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        road: row.try_get("road")?,
        city: row.try_get("city")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        direction: direction.parse().map_err(Error::Invalid)?,
    })
}

/// Checks every row and drops repeats within the request; the refusal
/// names the rows that are wrong, numbered from 1.
fn check_rows(rows: &[NewPassage]) -> Result<(Vec<(usize, NewPassage)>, u64)> {
    if rows.len() > MAX_PASSAGES {
        return Err(Error::Invalid(format!(
            "{} passages in one request; send at most {MAX_PASSAGES} per request",
            rows.len()
        )));
    }
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut good = Vec::with_capacity(rows.len());
    let mut repeats = 0;
    for (i, row) in rows.iter().enumerate() {
        match row.checked() {
            Ok(p) => {
                if seen.insert((p.gantry.clone(), to_millis(p.at), p.plate.clone())) {
                    good.push((i + 1, p));
                } else {
                    repeats += 1;
                }
            }
            Err(e) => problems.push(format!("row {}: {e}", i + 1)),
        }
    }
    refuse(problems)?;
    Ok((good, repeats))
}

/// Refuses with the first few problems, if there are any.
fn refuse(problems: Vec<String>) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let more = problems.len().saturating_sub(MAX_PROBLEMS);
    let mut text = problems
        .into_iter()
        .take(MAX_PROBLEMS)
        .collect::<Vec<_>>()
        .join("; ");
    if more > 0 {
        text.push_str(&format!("; and {more} more"));
    }
    Err(Error::Invalid(format!("nothing was stored: {text}")))
}

/// `$first, $first+1, …` for `n` values.
fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a plate stands on the list, for an alert.
struct Listed {
    province: String,
    stage: Stage,
    reason: String,
}

impl Store {
    /// Adds or replaces gantries on the register, in one transaction
    /// (fixtures, imports).
    pub async fn upsert_gantries(&self, gantries: &[Gantry]) -> Result<()> {
        let mut tx = self.write().await?;
        for g in gantries {
            sqlx::query(
                "INSERT INTO gantries (id, name, road, city, lat, lon, direction) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, road = excluded.road, \
                 city = excluded.city, lat = excluded.lat, lon = excluded.lon, \
                 direction = excluded.direction",
            )
            .bind(g.id.clone())
            .bind(g.name.clone())
            .bind(g.road.clone())
            .bind(g.city.clone())
            .bind(g.lat)
            .bind(g.lon)
            .bind(g.direction.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every gantry on the register, by id.
    pub async fn gantries(&self) -> Result<Vec<Gantry>> {
        let rows = sqlx::query(
            "SELECT id, name, road, city, lat, lon, direction FROM gantries ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(gantry).collect()
    }

    /// The ids among `ids` that are gantries on the register.
    pub(super) async fn known_gantries(
        &self,
        ids: impl Iterator<Item = String>,
    ) -> Result<HashSet<String>> {
        let mut ids: Vec<String> = ids.collect();
        ids.sort();
        ids.dedup();
        let mut tx = self.pool.begin().await?;
        let found = self.gantries_in(&mut tx, &ids).await?;
        tx.rollback().await?;
        Ok(found.into_keys().collect())
    }

    /// The gantries among `ids` that are on the register.
    async fn gantries_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        ids: &[String],
    ) -> Result<HashMap<String, Gantry>> {
        let mut found = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT id, name, road, city, lat, lon, direction FROM gantries WHERE id IN ({})",
                marks(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(id.clone());
            }
            for row in q.fetch_all(&mut **tx).await? {
                let g = gantry(&row)?;
                found.insert(g.id.clone(), g);
            }
        }
        Ok(found)
    }

    /// The grey and black vehicles among `plates`.
    async fn grey_or_black(
        &self,
        tx: &mut Transaction<'static, Any>,
        plates: &[String],
    ) -> Result<HashMap<String, Listed>> {
        let mut found = HashMap::new();
        for chunk in plates.chunks(IN_CHUNK) {
            let sql = format!(
                "SELECT plate, province, stage, reason FROM blacklist \
                 WHERE stage IN ('grey', 'black') AND plate IN ({})",
                marks(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for p in chunk {
                q = q.bind(p.clone());
            }
            for row in q.fetch_all(&mut **tx).await? {
                let stage: String = row.try_get("stage")?;
                found.insert(
                    row.try_get("plate")?,
                    Listed {
                        province: row.try_get("province")?,
                        stage: stage.parse().map_err(Error::Invalid)?,
                        reason: row.try_get("reason")?,
                    },
                );
            }
        }
        Ok(found)
    }

    /// Inserts `rows` (checked, on known gantries), skipping those already
    /// stored; returns the ones stored now.
    async fn insert_new(
        &self,
        tx: &mut Transaction<'static, Any>,
        rows: &[NewPassage],
        gantries: &HashMap<String, Gantry>,
    ) -> Result<Vec<NewPassage>> {
        let now = Utc::now().timestamp_millis();
        let mut inserted = HashSet::new();
        for chunk in rows.chunks(INSERT_CHUNK) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({}, {now})", marks(i * 6 + 1, 6)))
                .collect();
            let sql = format!(
                "INSERT INTO passages (gantry_id, at, plate, colour, class, direction, \
                 recorded_at) VALUES {} ON CONFLICT (gantry_id, at, plate) DO NOTHING \
                 RETURNING gantry_id, at, plate",
                values.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for p in chunk {
                let direction = p.direction.or(gantries.get(&p.gantry).map(|g| g.direction));
                q = q
                    .bind(p.gantry.clone())
                    .bind(to_millis(p.at))
                    .bind(p.plate.clone())
                    .bind(p.colour.as_str())
                    .bind(p.class.as_str())
                    .bind(direction.map(Direction::as_str));
            }
            for row in q.fetch_all(&mut **tx).await? {
                let key: (String, i64, String) = (
                    row.try_get("gantry_id")?,
                    row.try_get("at")?,
                    row.try_get("plate")?,
                );
                inserted.insert(key);
            }
        }
        Ok(rows
            .iter()
            .filter(|p| inserted.contains(&(p.gantry.clone(), to_millis(p.at), p.plate.clone())))
            .cloned()
            .collect())
    }

    /// Stores passages in one transaction. A passage already stored (same
    /// gantry, time and plate) is counted as a duplicate and left as it
    /// was, so sending the same rows again changes nothing. Every row is
    /// checked first, and every gantry must be on the register; one bad
    /// row refuses the whole request, naming the rows. A stored passage of
    /// a grey or black vehicle appends an `alert.passage` event; the
    /// events are returned for the caller to publish.
    pub async fn insert_passages(
        &self,
        rows: &[NewPassage],
        actor: Actor<'_>,
    ) -> Result<(PassageCounts, Vec<Event>)> {
        let (good, repeats) = check_rows(rows)?;
        let mut tx = self.write().await?;
        let mut ids: Vec<String> = good.iter().map(|(_, p)| p.gantry.clone()).collect();
        ids.sort();
        ids.dedup();
        let gantries = self.gantries_in(&mut tx, &ids).await?;
        let unknown = good
            .iter()
            .filter(|(_, p)| !gantries.contains_key(&p.gantry))
            .map(|(n, p)| {
                format!(
                    "row {n}: gantry `{}` is not on the register (`safedesk gantry list`)",
                    p.gantry
                )
            })
            .collect();
        refuse(unknown)?;
        let good: Vec<NewPassage> = good.into_iter().map(|(_, p)| p).collect();
        let mut stored = self.insert_new(&mut tx, &good, &gantries).await?;
        stored.sort_by_key(|p| p.at);
        let events = self.raise_alerts(&mut tx, &stored, &gantries).await?;
        let counts = PassageCounts {
            inserted: stored.len() as u64,
            duplicate: (good.len() - stored.len()) as u64 + repeats,
            alerts: events.len() as u64,
        };
        if counts.inserted > 0 {
            let key = format!(
                "{}..{}",
                stored[0].at.to_rfc3339(),
                stored[stored.len() - 1].at.to_rfc3339()
            );
            let entry = AuditEntry::new("passages", key, "store").after(&counts);
            self.append_audit(&mut tx, actor, entry).await?;
        }
        tx.commit().await?;
        Ok((counts, events))
    }

    /// Appends an alert for every passage in `stored` of a grey or black
    /// vehicle, in passage order.
    async fn raise_alerts(
        &self,
        tx: &mut Transaction<'static, Any>,
        stored: &[NewPassage],
        gantries: &HashMap<String, Gantry>,
    ) -> Result<Vec<Event>> {
        let mut plates: Vec<String> = stored.iter().map(|p| p.plate.clone()).collect();
        plates.sort();
        plates.dedup();
        let listed = self.grey_or_black(tx, &plates).await?;
        let mut events = Vec::new();
        for p in stored {
            let Some(l) = listed.get(&p.plate) else {
                continue;
            };
            let g = gantries.get(&p.gantry);
            let alert = Alert {
                plate: p.plate.clone(),
                province: l.province.clone(),
                stage: l.stage,
                reason: l.reason.clone(),
                at: p.at,
                gantry: p.gantry.clone(),
                gantry_name: g.map(|g| g.name.clone()),
                road: g.map(|g| g.road.clone()),
                city: g.map(|g| g.city.clone()),
                direction: p.direction.or(g.map(|g| g.direction)),
                class: p.class,
                colour: p.colour,
            };
            let data = serde_json::to_value(&alert).unwrap_or_default();
            events.push(self.append_event(tx, ALERT_KIND, &p.plate, &data).await?);
        }
        Ok(events)
    }

    /// One vehicle's passages in time order, with the gantries' names.
    pub async fn passages(&self, f: &PassageFilter) -> Result<Page<Passage>> {
        let latest = f.since.is_none() && f.cursor.is_none();
        let mut conds = vec![("p.plate = ?".to_string(), Some(Bind::Text(f.plate.clone())))];
        if let Some(t) = f.since {
            conds.push(("p.at >= ?".to_string(), Some(Bind::Int(to_millis(t)))));
        }
        if let Some(c) = &f.cursor {
            let (at, id) = c
                .split_once('.')
                .and_then(|(a, i)| Some((a.parse::<i64>().ok()?, i.parse::<i64>().ok()?)))
                .ok_or_else(|| Error::Invalid(format!("`{c}` is not a cursor from `next`")))?;
            // Two numbers just parsed, so written into the text safely.
            conds.push((
                format!("(p.at > {at} OR (p.at = {at} AND p.id > {id}))"),
                None,
            ));
        }
        let (clause, binds) = where_clause(&conds);
        let order = if latest { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {PASSAGE_COLUMNS} FROM passages p LEFT JOIN gantries g ON g.id = p.gantry_id \
             {clause} ORDER BY p.at {order}, p.id {order} LIMIT {}",
            f.limit + 1
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows.iter().map(passage).collect::<Result<Vec<_>>>()?;
        let more = items.len() as i64 > f.limit;
        items.truncate(f.limit.max(0) as usize);
        if latest {
            items.reverse();
            return Ok(Page { items, next: None });
        }
        let next = if more {
            items
                .last()
                .map(|p| format!("{}.{}", to_millis(p.at), p.id))
        } else {
            None
        };
        Ok(Page { items, next })
    }

    /// Alerts, oldest first: the first `limit` after event `after`, or
    /// without it the latest `limit`.
    pub async fn alerts(&self, after: Option<i64>, limit: i64) -> Result<Vec<AlertRecord>> {
        let order = if after.is_some() { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT id, data FROM events WHERE kind = $1 AND id > $2 ORDER BY id {order} LIMIT $3"
        );
        let mut rows = sqlx::query(AssertSqlSafe(sql))
            .bind(ALERT_KIND)
            .bind(after.unwrap_or(0))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        if after.is_none() {
            rows.reverse();
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let data: String = row.try_get("data")?;
            match serde_json::from_str::<Alert>(&data) {
                Ok(alert) => out.push(AlertRecord {
                    id: row.try_get("id")?,
                    alert,
                }),
                Err(e) => tracing::warn!(error = %e, "unreadable alert event"),
            }
        }
        Ok(out)
    }
}
