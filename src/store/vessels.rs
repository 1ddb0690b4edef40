//! Three-no vessels: registration, updates, the state machine applied in
//! one transaction with the base's places, photos stored once by SHA-256,
//! and the reads behind lists and statistics.

use super::registers::{page, where_clause};
use super::{Bind, Error, Result, Store, bind_all};
use crate::model::audit::{Actor, AuditEntry};
use crate::model::time::{from_millis, to_millis};
use crate::model::vessel::{VesselStats, distance_km, vessel_stats};
use crate::model::{
    Base, Event, NewVessel, Page, Photo, TimelineEntry, Vessel, VesselFields, VesselState,
    VesselStep, idcard,
};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

/// Filters for `GET /vessels`.
#[derive(Debug, Clone, Default)]
pub struct VesselFilter {
    /// Any of these states; empty means all.
    pub states: Vec<VesselState>,
    /// Full city name.
    pub city: Option<String>,
    /// Waterway, as registered.
    pub waterway: Option<String>,
    /// Found at or after.
    pub since: Option<DateTime<Utc>>,
    /// Start below this case number (lists run newest first).
    pub cursor: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// A vessel from the campaign's register, loaded by the demo's fixtures,
/// with its end state already reached.
#[derive(Debug, Clone)]
pub struct HistoricVessel {
    /// When it was found.
    pub found_at: DateTime<Utc>,
    /// Where and what.
    pub fields: VesselFields,
    /// Its state now.
    pub state: VesselState,
    /// The base, when detained.
    pub base: Option<String>,
    /// When it was disposed of, if it was.
    pub disposed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "v.id, v.state, v.version, v.found_at, v.waterway, v.city, v.lat, v.lon, \
     v.hull, v.material, v.length_m, v.engine_kw, v.marks, v.owner_name, v.owner_id, \
     v.base_code, b.name AS base_name, v.disposed_at, v.register_no, v.name, v.home_port, \
     (SELECT COUNT(*) FROM vessel_photos p WHERE p.vessel_id = v.id) AS photos";
const FROM: &str = "FROM vessels v LEFT JOIN bases b ON b.code = v.base_code";
const BASE_COLUMNS: &str = "code, name, kind, city, lat, lon, capacity, occupied";

fn vessel(row: &sqlx::any::AnyRow) -> Result<Vessel> {
    let state: String = row.try_get("state")?;
    let material: Option<String> = row.try_get("material")?;
    Ok(Vessel {
        id: row.try_get("id")?,
        state: state.parse().map_err(Error::Invalid)?,
        version: row.try_get("version")?,
        found_at: from_millis(row.try_get("found_at")?),
        fields: VesselFields {
            waterway: row.try_get("waterway")?,
            city: row.try_get("city")?,
            lat: row.try_get("lat")?,
            lon: row.try_get("lon")?,
            hull: row.try_get("hull")?,
            material: material
                .map(|m| m.parse())
                .transpose()
                .map_err(Error::Invalid)?,
            length_m: row.try_get("length_m")?,
            engine_kw: row.try_get("engine_kw")?,
            marks: row.try_get("marks")?,
            owner_name: row.try_get("owner_name")?,
            owner_id: row
                .try_get::<Option<String>, _>("owner_id")?
                .map(|id| idcard::mask(&id)),
        },
        base: row.try_get("base_code")?,
        base_name: row.try_get("base_name")?,
        disposed_at: row
            .try_get::<Option<i64>, _>("disposed_at")?
            .map(from_millis),
        photos: row.try_get("photos")?,
        register_no: row.try_get("register_no")?,
        name: row.try_get("name")?,
        home_port: row.try_get("home_port")?,
        timeline: Vec::new(),
    })
}

fn base(row: &sqlx::any::AnyRow) -> Result<Base> {
    Ok(Base {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        city: row.try_get("city")?,
        lat: row.try_get("lat")?,
        lon: row.try_get("lon")?,
        capacity: row.try_get("capacity")?,
        occupied: row.try_get("occupied")?,
    })
}

fn photo(row: &sqlx::any::AnyRow) -> Result<Photo> {
    Ok(Photo {
        sha256: row.try_get("sha256")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        added_at: from_millis(row.try_get("added_at")?),
        added_by: row.try_get("added_by")?,
    })
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn not_found(id: i64) -> Error {
    Error::NotFound(format!(
        "no vessel {id}; `safedesk vessel list` shows the register"
    ))
}

fn no_base(code: &str) -> Error {
    Error::NotFound(format!(
        "no detention base `{code}`; `safedesk base list` shows the bases and their codes"
    ))
}

/// The description columns an update may set.
const DESCRIPTION: [&str; 11] = [
    "waterway",
    "city",
    "lat",
    "lon",
    "hull",
    "material",
    "length_m",
    "engine_kw",
    "marks",
    "owner_name",
    "owner_id",
];

/// The columns an update sets, with their values; fields left out are kept.
fn set_columns(f: &VesselFields) -> Vec<(&'static str, Bind)> {
    let text = |c: &'static str, v: Option<&str>| v.map(|v| (c, Bind::Text(v.trim().to_string())));
    let real = |c: &'static str, v: Option<f64>| v.map(|v| (c, Bind::Real(v)));
    [
        text("waterway", f.waterway.as_deref()),
        text("city", f.city.as_deref()),
        real("lat", f.lat),
        real("lon", f.lon),
        text("hull", f.hull.as_deref()),
        text("material", f.material.map(|m| m.as_str())),
        real("length_m", f.length_m),
        real("engine_kw", f.engine_kw),
        text("marks", f.marks.as_deref()),
        text("owner_name", f.owner_name.as_deref()),
        text("owner_id", f.owner_id.as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect()
}

impl Store {
    async fn vessel_in(&self, tx: &mut Transaction<'static, Any>, id: i64) -> Result<Vessel> {
        let sql = format!("SELECT {COLUMNS} {FROM} WHERE v.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        row.as_ref().map(vessel).unwrap_or(Err(not_found(id)))
    }

    pub(super) async fn vessel_timeline_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: i64,
        at: i64,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO vessel_timeline (vessel_id, at, actor, action, detail) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(at)
        .bind(actor.to_string())
        .bind(action.to_string())
        .bind(detail.to_string())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Adds or replaces detention bases, keeping their occupancy (fixtures).
    pub async fn upsert_bases(&self, bases: &[Base]) -> Result<()> {
        let mut tx = self.write().await?;
        for b in bases {
            sqlx::query(
                "INSERT INTO bases (code, name, kind, city, lat, lon, capacity, occupied) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 0) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
                 city = excluded.city, lat = excluded.lat, lon = excluded.lon, \
                 capacity = excluded.capacity",
            )
            .bind(b.code.clone())
            .bind(b.name.clone())
            .bind(b.kind.clone())
            .bind(b.city.clone())
            .bind(b.lat)
            .bind(b.lon)
            .bind(b.capacity)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every base and temporary point, by code.
    pub async fn bases(&self) -> Result<Vec<Base>> {
        let sql = format!("SELECT {BASE_COLUMNS} FROM bases ORDER BY code");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(base).collect()
    }

    /// One base by its code.
    pub async fn base(&self, code: &str) -> Result<Base> {
        let sql = format!("SELECT {BASE_COLUMNS} FROM bases WHERE code = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(code.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(base).unwrap_or(Err(no_base(code)))
    }

    /// Registers a vessel: in the register at once, its finding and its
    /// registration on the timeline.
    pub async fn create_vessel(
        &self,
        new: NewVessel,
        actor: Actor<'_>,
    ) -> Result<(Vessel, Vec<Event>)> {
        let now = Utc::now();
        let new = new.validate(now).map_err(Error::Invalid)?;
        let found_at = to_millis(new.found_at.unwrap_or(now));
        let f = &new.fields;
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO vessels (state, version, found_at, waterway, city, lat, lon, hull, \
             material, length_m, engine_kw, marks, owner_name, owner_id) \
             VALUES ('registered', 1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             RETURNING id",
        )
        .bind(found_at)
        .bind(f.waterway.clone().unwrap_or_default())
        .bind(f.city.clone().unwrap_or_default())
        .bind(f.lat)
        .bind(f.lon)
        .bind(f.hull.clone())
        .bind(f.material.map(|m| m.as_str()))
        .bind(f.length_m)
        .bind(f.engine_kw)
        .bind(f.marks.clone())
        .bind(f.owner_name.clone())
        .bind(f.owner_id.clone())
        .fetch_one(&mut *tx)
        .await?;
        let place = format!(
            "{} {}",
            f.city.as_deref().unwrap_or(""),
            f.waterway.as_deref().unwrap_or("")
        );
        self.vessel_timeline_in(&mut tx, id, found_at, actor.name, "found", &place)
            .await?;
        let note = new.note.as_deref().unwrap_or("").trim();
        self.vessel_timeline_in(&mut tx, id, to_millis(now), actor.name, "register", note)
            .await?;
        let created = self.vessel_in(&mut tx, id).await?;
        let entry = AuditEntry::new("vessel", id, "create").after(&created);
        self.append_audit(&mut tx, actor, entry).await?;
        let event = self
            .append_event(&mut tx, "vessel", &id.to_string(), &json(&created))
            .await?;
        tx.commit().await?;
        Ok((created, vec![event]))
    }

    /// One vessel with its timeline.
    pub async fn vessel(&self, id: i64) -> Result<Vessel> {
        let sql = format!("SELECT {COLUMNS} {FROM} WHERE v.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let mut found = row.as_ref().map(vessel).unwrap_or(Err(not_found(id)))?;
        let rows = sqlx::query(
            "SELECT at, actor, action, detail FROM vessel_timeline \
             WHERE vessel_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            found.timeline.push(TimelineEntry {
                at: from_millis(r.try_get("at")?),
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                detail: r.try_get("detail")?,
            });
        }
        Ok(found)
    }

    /// A page of vessels, newest case first.
    pub async fn vessels(&self, f: &VesselFilter) -> Result<Page<Vessel>> {
        let mut conds = Vec::new();
        if !f.states.is_empty() {
            let list: Vec<String> = f.states.iter().map(|s| format!("'{s}'")).collect();
            // The states are our own enum's names, never user text.
            conds.push((format!("v.state IN ({})", list.join(", ")), None));
        }
        if let Some(c) = &f.city {
            conds.push(("v.city = ?".to_string(), Some(Bind::Text(c.clone()))));
        }
        if let Some(w) = &f.waterway {
            conds.push(("v.waterway = ?".to_string(), Some(Bind::Text(w.clone()))));
        }
        if let Some(t) = f.since {
            conds.push(("v.found_at >= ?".to_string(), Some(Bind::Int(to_millis(t)))));
        }
        if let Some(c) = f.cursor {
            conds.push(("v.id < ?".to_string(), Some(Bind::Int(c))));
        }
        let (clause, binds) = where_clause(&conds);
        let sql = format!(
            "SELECT {COLUMNS} {FROM} {clause} ORDER BY v.id DESC LIMIT {}",
            f.limit + 1
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows.iter().map(vessel).collect::<Result<Vec<_>>>()?;
        Ok(page(&mut items, f.limit, |v| v.id.to_string()))
    }

    /// The register's figures, grouped by `group` (`city`, `state`,
    /// `month` in the operator's zone, or none for the total alone).
    pub async fn vessel_stats(&self, group: Option<&str>) -> Result<Vec<VesselStats>> {
        let rows = sqlx::query("SELECT city, state, found_at FROM vessels")
            .fetch_all(&self.pool)
            .await?;
        let zone = crate::model::time::operator_zone();
        let mut keyed = Vec::with_capacity(rows.len());
        for r in rows {
            let state: VesselState = r
                .try_get::<String, _>("state")?
                .parse()
                .map_err(Error::Invalid)?;
            let key = match group {
                Some("city") => r.try_get("city")?,
                Some("state") => state.to_string(),
                Some("month") => from_millis(r.try_get("found_at")?)
                    .with_timezone(&zone)
                    .format("%Y-%m")
                    .to_string(),
                _ => String::new(),
            };
            keyed.push((key, state));
        }
        let mut out = vessel_stats(keyed);
        if group.is_none() {
            // Only the total row: every vessel fell in the one unnamed group.
            out = out.pop().into_iter().collect();
        }
        Ok(out)
    }

    /// Changes a vessel's description. With `expected_version`, a record
    /// changed since fails with a conflict.
    pub async fn update_vessel(
        &self,
        id: i64,
        fields: VesselFields,
        expected_version: Option<i64>,
        actor: Actor<'_>,
    ) -> Result<(Vessel, Vec<Event>)> {
        let fields = fields.validate().map_err(Error::Invalid)?;
        let columns = set_columns(&fields);
        if columns.is_empty() {
            return Err(Error::Invalid(format!(
                "nothing to change; give one or more of {}",
                DESCRIPTION.join(", ")
            )));
        }
        let mut tx = self.write().await?;
        let current = self.vessel_in(&mut tx, id).await?;
        check_version(&current, expected_version)?;
        let mut sets: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (col, _))| format!("{col} = ${}", i + 1))
            .collect();
        sets.push("version = version + 1".into());
        let n = columns.len();
        let sql = format!(
            "UPDATE vessels SET {} WHERE id = ${} AND version = ${}",
            sets.join(", "),
            n + 1,
            n + 2
        );
        let changed: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let mut binds: Vec<Bind> = columns.into_iter().map(|(_, b)| b).collect();
        binds.push(Bind::Int(id));
        binds.push(Bind::Int(current.version));
        bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .execute(&mut *tx)
            .await?;
        let now = Utc::now().timestamp_millis();
        self.vessel_timeline_in(&mut tx, id, now, actor.name, "update", &changed.join(", "))
            .await?;
        let after = self.vessel_in(&mut tx, id).await?;
        let entry = AuditEntry::new("vessel", id, "update")
            .before(&current)
            .after(&after);
        self.append_audit(&mut tx, actor, entry).await?;
        let event = self
            .append_event(&mut tx, "vessel", &id.to_string(), &json(&after))
            .await?;
        tx.commit().await?;
        Ok((after, vec![event]))
    }

    /// Applies one step to a vessel in one transaction: a detention takes a
    /// place at its base (a full base is refused, naming the nearest bases
    /// with room), and leaving detention frees it.
    pub async fn vessel_step(
        &self,
        id: i64,
        step: &VesselStep,
        expected_version: Option<i64>,
        actor: Actor<'_>,
    ) -> Result<(Vessel, Vec<Event>)> {
        let mut tx = self.write().await?;
        let current = self.vessel_in(&mut tx, id).await?;
        check_version(&current, expected_version)?;
        step.check(id, current.state).map_err(Error::Invalid)?;
        let now = Utc::now().timestamp_millis();
        let target = step.target(current.state);
        let mut detail = step.text();
        let mut base_code = current.base.clone();
        if let VesselStep::Detain { base: code, .. } = step {
            let code = code.trim().to_string();
            self.take_place(&mut tx, &current, &code).await?;
            detail = format!("{code} {detail}").trim().to_string();
            base_code = Some(code);
        } else if current.state == VesselState::Detained && target != VesselState::Detained {
            if let Some(code) = &current.base {
                sqlx::query(
                    "UPDATE bases SET occupied = occupied - 1 WHERE code = $1 AND occupied > 0",
                )
                .bind(code.clone())
                .execute(&mut *tx)
                .await?;
                detail = format!("released from {code} {detail}").trim().to_string();
            }
            base_code = None;
        }
        let disposed = if target.is_open() || target == current.state {
            None
        } else {
            Some(now)
        };
        sqlx::query(
            "UPDATE vessels SET state = $1, base_code = $2, \
             disposed_at = COALESCE($3, disposed_at), version = version + 1 \
             WHERE id = $4 AND version = $5",
        )
        .bind(target.as_str())
        .bind(base_code)
        .bind(disposed)
        .bind(id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?;
        self.vessel_timeline_in(&mut tx, id, now, actor.name, step.name(), &detail)
            .await?;
        let after = self.vessel_in(&mut tx, id).await?;
        let entry = AuditEntry::new("vessel", id, step.name())
            .before(&current)
            .after(&after);
        self.append_audit(&mut tx, actor, entry).await?;
        let event = self
            .append_event(&mut tx, "vessel", &id.to_string(), &json(&after))
            .await?;
        tx.commit().await?;
        Ok((after, vec![event]))
    }

    /// Takes a place at base `code` for `v`; a full base is a conflict that
    /// names the three nearest bases with room.
    async fn take_place(
        &self,
        tx: &mut Transaction<'static, Any>,
        v: &Vessel,
        code: &str,
    ) -> Result<()> {
        let taken = sqlx::query(
            "UPDATE bases SET occupied = occupied + 1 WHERE code = $1 AND occupied < capacity",
        )
        .bind(code.to_string())
        .execute(&mut **tx)
        .await?;
        if taken.rows_affected() == 1 {
            return Ok(());
        }
        let sql = format!("SELECT {BASE_COLUMNS} FROM bases ORDER BY code");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&mut **tx).await?;
        let all = rows.iter().map(base).collect::<Result<Vec<_>>>()?;
        let Some(full) = all.iter().find(|b| b.code == code) else {
            return Err(no_base(code));
        };
        let from = match (v.fields.lat, v.fields.lon) {
            (Some(lat), Some(lon)) => (lat, lon),
            _ => (full.lat, full.lon),
        };
        let mut room: Vec<(f64, &Base)> = all
            .iter()
            .filter(|b| b.free() > 0)
            .map(|b| (distance_km(from, (b.lat, b.lon)), b))
            .collect();
        room.sort_by(|a, b| a.0.total_cmp(&b.0));
        let near: Vec<String> = room
            .iter()
            .take(3)
            .map(|(d, b)| format!("{} {} ({:.0} km, {} free)", b.code, b.name, d, b.free()))
            .collect();
        let hint = if near.is_empty() {
            "no base has room; release a detained vessel first".to_string()
        } else {
            format!("nearest with room: {}", near.join("; "))
        };
        Err(Error::Conflict {
            detail: format!(
                "{code} {} is full ({} of {} places taken); {hint}",
                full.name, full.occupied, full.capacity
            ),
            current: Some(json(full)),
        })
    }

    /// Stores a photo once by its SHA-256 and links it to vessel `id`; the
    /// same bytes again add no second copy. The caller checked the type.
    pub async fn add_photo(
        &self,
        id: i64,
        bytes: &[u8],
        content_type: &str,
        actor: Actor<'_>,
    ) -> Result<(Photo, Vec<Event>)> {
        let sha = format!("{:x}", Sha256::digest(bytes));
        let now = Utc::now().timestamp_millis();
        let mut tx = self.write().await?;
        let current = self.vessel_in(&mut tx, id).await?;
        sqlx::query(
            "INSERT INTO photos (sha256, content_type, size, data, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(sha.clone())
        .bind(content_type.to_string())
        .bind(bytes.len() as i64)
        .bind(bytes.to_vec())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let linked = sqlx::query(
            "INSERT INTO vessel_photos (vessel_id, sha256, added_at, added_by) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (vessel_id, sha256) DO NOTHING",
        )
        .bind(id)
        .bind(sha.clone())
        .bind(now)
        .bind(actor.name.to_string())
        .execute(&mut *tx)
        .await?;
        let mut events = Vec::new();
        if linked.rows_affected() == 1 {
            self.vessel_timeline_in(&mut tx, id, now, actor.name, "photo", &sha[..12])
                .await?;
            sqlx::query("UPDATE vessels SET version = version + 1 WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let after = self.vessel_in(&mut tx, id).await?;
            let entry = AuditEntry::new("vessel", id, "photo")
                .before(&current)
                .after(&after);
            self.append_audit(&mut tx, actor, entry).await?;
            events.push(
                self.append_event(&mut tx, "vessel", &id.to_string(), &json(&after))
                    .await?,
            );
        }
        let row = sqlx::query(
            "SELECT p.sha256, p.content_type, p.size, l.added_at, l.added_by \
             FROM vessel_photos l JOIN photos p ON p.sha256 = l.sha256 \
             WHERE l.vessel_id = $1 AND l.sha256 = $2",
        )
        .bind(id)
        .bind(sha)
        .fetch_one(&mut *tx)
        .await?;
        let added = photo(&row)?;
        tx.commit().await?;
        Ok((added, events))
    }

    /// A vessel's photos, in the order they were added.
    pub async fn photos(&self, id: i64) -> Result<Vec<Photo>> {
        self.vessel_exists(id).await?;
        let rows = sqlx::query(
            "SELECT p.sha256, p.content_type, p.size, l.added_at, l.added_by \
             FROM vessel_photos l JOIN photos p ON p.sha256 = l.sha256 \
             WHERE l.vessel_id = $1 ORDER BY l.added_at, l.sha256",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(photo).collect()
    }

    /// One photo of vessel `id` with its bytes, named by its SHA-256 or a
    /// prefix of at least 8 hex digits that names one photo.
    pub async fn photo(&self, id: i64, name: &str) -> Result<(Photo, Vec<u8>)> {
        let name = name.trim().to_ascii_lowercase();
        if name.len() < 8 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Invalid(format!(
                "`{name}` is not a photo name; give its SHA-256 or at least its first 8 \
                 hex digits (`safedesk vessel photo list {id}`)"
            )));
        }
        let matches: Vec<Photo> = self
            .photos(id)
            .await?
            .into_iter()
            .filter(|p| p.sha256.starts_with(&name))
            .collect();
        let found = match matches.as_slice() {
            [one] => one.clone(),
            [] => {
                return Err(Error::NotFound(format!(
                    "vessel {id} has no photo `{name}`; `safedesk vessel photo list {id}` \
                     shows its photos"
                )));
            }
            _ => {
                return Err(Error::Invalid(format!(
                    "`{name}` names {} photos of vessel {id}; give more digits",
                    matches.len()
                )));
            }
        };
        let data: Vec<u8> = sqlx::query_scalar("SELECT data FROM photos WHERE sha256 = $1")
            .bind(found.sha256.clone())
            .fetch_one(&self.pool)
            .await?;
        Ok((found, data))
    }

    async fn vessel_exists(&self, id: i64) -> Result<()> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM vessels WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        if n == 0 { Err(not_found(id)) } else { Ok(()) }
    }

    /// Loads the campaign's register (vessels already at their end state)
    /// in one transaction, and sets each base's occupancy from it. Used to
    /// seed the demo; emits no events.
    pub async fn seed_vessels(&self, history: &[HistoricVessel]) -> Result<()> {
        let mut tx = self.write().await?;
        for h in history {
            let f = &h.fields;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO vessels (state, version, found_at, waterway, city, lat, lon, hull, \
                 material, length_m, engine_kw, marks, owner_name, owner_id, base_code, \
                 disposed_at) VALUES ($1, 3, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                 $13, $14, $15) RETURNING id",
            )
            .bind(h.state.as_str())
            .bind(to_millis(h.found_at))
            .bind(f.waterway.clone().unwrap_or_default())
            .bind(f.city.clone().unwrap_or_default())
            .bind(f.lat)
            .bind(f.lon)
            .bind(f.hull.clone())
            .bind(f.material.map(|m| m.as_str()))
            .bind(f.length_m)
            .bind(f.engine_kw)
            .bind(f.marks.clone())
            .bind(f.owner_name.clone())
            .bind(f.owner_id.clone())
            .bind(h.base.clone())
            .bind(h.disposed_at.map(to_millis))
            .fetch_one(&mut *tx)
            .await?;
            let found = to_millis(h.found_at);
            let place = format!(
                "{} {}",
                f.city.as_deref().unwrap_or(""),
                f.waterway.as_deref().unwrap_or("")
            );
            self.vessel_timeline_in(&mut tx, id, found, "history", "found", &place)
                .await?;
            self.vessel_timeline_in(&mut tx, id, found, "history", "register", "")
                .await?;
            if let Some(at) = h.disposed_at {
                let step = match h.state {
                    VesselState::Dismantled => "dismantle",
                    VesselState::LeftVoluntarily => "leave",
                    VesselState::Detained => "detain",
                    _ => "regulate",
                };
                let detail = h.base.clone().unwrap_or_default();
                self.vessel_timeline_in(&mut tx, id, to_millis(at), "history", step, &detail)
                    .await?;
            }
        }
        sqlx::query(
            "UPDATE bases SET occupied = (SELECT COUNT(*) FROM vessels v \
             WHERE v.base_code = bases.code AND v.state = 'detained')",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Refuses a write made against an older (or newer) version.
fn check_version(current: &Vessel, expected: Option<i64>) -> Result<()> {
    match expected.filter(|v| *v != current.version) {
        None => Ok(()),
        Some(v) => Err(Error::Conflict {
            detail: format!(
                "vessel {} is at version {} ({}), not {v}; look at it again \
                 (`safedesk vessel show {}`) before you act",
                current.id, current.version, current.state, current.id
            ),
            current: Some(json(current)),
        }),
    }
}
