//! Incidents: creation, the state machine applied in one transaction, the
//! timeline, and the reads behind lists and statistics.

use super::registers::{page, team as team_row, where_clause};
use super::{Bind, Error, Result, Store, bind_all};
use crate::model::audit::{Actor, AuditEntry};
use crate::model::incident::{MAX_TEXT, initial_priority, validate_vulnerable};
use crate::model::team::validate_rescue_code;
use crate::model::time::{from_millis, to_millis};
use crate::model::{
    Event, Incident, IncidentStatus, NewIncident, Page, Suggestion, Team, TeamStatus,
    TimelineEntry, Transition, phone,
};
use chrono::{DateTime, Utc};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

/// What a step writes besides the incident's status.
#[derive(Default)]
struct Change {
    /// Columns of the incident and their new values.
    columns: Vec<(&'static str, Bind)>,
    /// The timeline line.
    detail: String,
    /// Teams the step moved, to announce.
    teams: Vec<String>,
}

/// Filters for `GET /incidents`.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Any of these statuses; empty means all.
    pub statuses: Vec<IncidentStatus>,
    /// Full city name.
    pub city: Option<String>,
    /// Reported at or after.
    pub from: Option<DateTime<Utc>>,
    /// Reported before.
    pub to: Option<DateTime<Utc>>,
    /// Start below this incident id (lists run newest first).
    pub cursor: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// A closed incident from an earlier month, loaded by the demo's fixtures.
#[derive(Debug, Clone)]
pub struct HistoricIncident {
    /// The elevator's rescue code.
    pub rescue_code: String,
    /// The five times of the flow.
    pub reported_at: DateTime<Utc>,
    /// When a team was sent.
    pub dispatched_at: DateTime<Utc>,
    /// When it arrived.
    pub on_scene_at: DateTime<Utc>,
    /// When everyone was out.
    pub released_at: DateTime<Utc>,
    /// When the case was closed.
    pub closed_at: DateTime<Utc>,
    /// Team code.
    pub team: String,
    /// People trapped.
    pub trapped: i64,
    /// People freed.
    pub freed: i64,
    /// Vulnerable persons.
    pub vulnerable: Vec<String>,
    /// Caller's phone.
    pub caller: String,
    /// Remark.
    pub note: String,
}

const COLUMNS: &str = "i.id, i.status, i.version, i.priority, i.rescue_code, i.city, i.district, \
     i.address, i.place_type, i.trapped, i.freed, i.vulnerable, i.caller, i.note, i.team_code, \
     t.name AS team_name, i.reported_at, i.dispatched_at, i.on_scene_at, i.released_at, \
     i.closed_at, i.cancelled_at, i.cancel_reason, i.escalated_at, i.escalation_reason";
const FROM: &str = "FROM incidents i LEFT JOIN teams t ON t.code = i.team_code";

fn time(row: &sqlx::any::AnyRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(from_millis))
}

fn incident(row: &sqlx::any::AnyRow) -> Result<Incident> {
    let status: String = row.try_get("status")?;
    let place: String = row.try_get("place_type")?;
    let vulnerable: String = row.try_get("vulnerable")?;
    let reported_at = from_millis(row.try_get("reported_at")?);
    let on_scene_at = time(row, "on_scene_at")?;
    let released_at = time(row, "released_at")?;
    Ok(Incident {
        id: row.try_get("id")?,
        status: status.parse().map_err(Error::Invalid)?,
        version: row.try_get("version")?,
        priority: row.try_get("priority")?,
        rescue_code: row.try_get("rescue_code")?,
        city: row.try_get("city")?,
        district: row.try_get("district")?,
        address: row.try_get("address")?,
        place_type: place.parse().map_err(Error::Invalid)?,
        trapped: row.try_get("trapped")?,
        freed: row.try_get("freed")?,
        vulnerable: vulnerable
            .split(',')
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect(),
        caller: row
            .try_get::<Option<String>, _>("caller")?
            .map(|p| phone::mask(&p)),
        note: row.try_get("note")?,
        team: row.try_get("team_code")?,
        team_name: row.try_get("team_name")?,
        reported_at,
        dispatched_at: time(row, "dispatched_at")?,
        on_scene_at,
        released_at,
        closed_at: time(row, "closed_at")?,
        cancelled_at: time(row, "cancelled_at")?,
        cancel_reason: row.try_get("cancel_reason")?,
        escalated_at: time(row, "escalated_at")?,
        escalation_reason: row.try_get("escalation_reason")?,
        arrival_secs: on_scene_at.map(|t| (t - reported_at).num_seconds()),
        rescue_secs: match (on_scene_at, released_at) {
            (Some(a), Some(b)) => Some((b - a).num_seconds()),
            _ => None,
        },
        timeline: Vec::new(),
    })
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Checks a new incident's fields before anything is written.
fn validate_new(new: &NewIncident) -> Result<()> {
    validate_rescue_code(&new.rescue_code).map_err(Error::Invalid)?;
    if !(1..=60).contains(&new.trapped) {
        return Err(Error::Invalid(format!(
            "`trapped` is {}; give the number of people in the car, 1 to 60",
            new.trapped
        )));
    }
    validate_vulnerable(&new.vulnerable).map_err(Error::Invalid)?;
    if let Some(n) = new.note.as_ref().filter(|n| n.chars().count() > MAX_TEXT) {
        return Err(Error::Invalid(format!(
            "the note is {} characters; keep it under {MAX_TEXT}",
            n.chars().count()
        )));
    }
    if let Some(p) = &new.caller {
        phone::validate(p).map_err(Error::Invalid)?;
    }
    Ok(())
}

impl Store {
    async fn incident_in(&self, tx: &mut Transaction<'static, Any>, id: i64) -> Result<Incident> {
        let sql = format!("SELECT {COLUMNS} {FROM} WHERE i.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        match row {
            Some(row) => incident(&row),
            None => Err(Error::NotFound(format!(
                "no incident {id}; `safedesk incident list` shows the open ones"
            ))),
        }
    }

    async fn team_in(&self, tx: &mut Transaction<'static, Any>, code: &str) -> Result<Team> {
        let row = sqlx::query(
            "SELECT code, name, company, city, district, phone, status, incident_id, version \
             FROM teams WHERE code = $1",
        )
        .bind(code.to_string())
        .fetch_optional(&mut **tx)
        .await?;
        match row {
            Some(row) => team_row(&row),
            None => Err(Error::NotFound(format!(
                "no team `{code}`; `safedesk team list` shows the teams"
            ))),
        }
    }

    async fn timeline_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: i64,
        at: i64,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO incident_timeline (incident_id, at, actor, action, detail) \
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

    /// Records a new incident for the elevator with the given rescue code.
    pub async fn create_incident(
        &self,
        new: &NewIncident,
        actor: Actor<'_>,
    ) -> Result<(Incident, Vec<Event>)> {
        self.create_incident_at(new, actor, Utc::now()).await
    }

    /// Records a new incident as reported at `at`; the demo uses it to
    /// start with incidents whose clocks already run.
    pub async fn create_incident_at(
        &self,
        new: &NewIncident,
        actor: Actor<'_>,
        at: DateTime<Utc>,
    ) -> Result<(Incident, Vec<Event>)> {
        validate_new(new)?;
        let elevator = self.elevator(&new.rescue_code).await?;
        let now = at.timestamp_millis();
        let priority = initial_priority(new.trapped, &new.vulnerable, elevator.place_type);
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO incidents (status, version, priority, rescue_code, city, district, \
             address, place_type, trapped, vulnerable, caller, note, reported_at) \
             VALUES ('reported', 1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(priority)
        .bind(elevator.rescue_code.clone())
        .bind(elevator.city.clone())
        .bind(elevator.district.clone())
        .bind(elevator.address.clone())
        .bind(elevator.place_type.as_str())
        .bind(new.trapped)
        .bind(new.vulnerable.join(","))
        .bind(new.caller.as_ref().map(|c| c.trim().to_string()))
        .bind(new.note.clone().filter(|n| !n.trim().is_empty()))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let detail = format!("困{}人 {}", new.trapped, new.note.as_deref().unwrap_or(""));
        self.timeline_in(&mut tx, id, now, actor.name, "reported", detail.trim())
            .await?;
        let created = self.incident_in(&mut tx, id).await?;
        let entry = AuditEntry::new("incident", id, "create").after(&created);
        self.append_audit(&mut tx, actor, entry).await?;
        let event = self
            .append_event(&mut tx, "incident", &id.to_string(), &json(&created))
            .await?;
        tx.commit().await?;
        Ok((created, vec![event]))
    }

    /// One incident with its timeline.
    pub async fn incident(&self, id: i64) -> Result<Incident> {
        let sql = format!("SELECT {COLUMNS} {FROM} WHERE i.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Err(Error::NotFound(format!(
                "no incident {id}; `safedesk incident list` shows the open ones"
            )));
        };
        let mut found = incident(&row)?;
        let rows = sqlx::query(
            "SELECT at, actor, action, detail FROM incident_timeline \
             WHERE incident_id = $1 ORDER BY id",
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

    /// A page of incidents, newest first.
    pub async fn incidents(&self, f: &IncidentFilter) -> Result<Page<Incident>> {
        let mut items = self.select_incidents(f, Some(f.limit + 1)).await?;
        Ok(page(&mut items, f.limit, |i| i.id.to_string()))
    }

    /// Every incident that matches, newest first, without paging: for
    /// statistics over a day or a month (thousands, not millions).
    pub async fn all_incidents(&self, f: &IncidentFilter) -> Result<Vec<Incident>> {
        self.select_incidents(f, None).await
    }

    async fn select_incidents(
        &self,
        f: &IncidentFilter,
        limit: Option<i64>,
    ) -> Result<Vec<Incident>> {
        let mut conds = Vec::new();
        if !f.statuses.is_empty() {
            let list: Vec<String> = f.statuses.iter().map(|s| format!("'{s}'")).collect();
            // The statuses are our own enum's names, never user text.
            conds.push((format!("i.status IN ({})", list.join(", ")), None));
        }
        if let Some(c) = &f.city {
            conds.push(("i.city = ?".to_string(), Some(Bind::Text(c.clone()))));
        }
        if let Some(t) = f.from {
            conds.push((
                "i.reported_at >= ?".to_string(),
                Some(Bind::Int(to_millis(t))),
            ));
        }
        if let Some(t) = f.to {
            conds.push((
                "i.reported_at < ?".to_string(),
                Some(Bind::Int(to_millis(t))),
            ));
        }
        if let Some(c) = f.cursor {
            conds.push(("i.id < ?".to_string(), Some(Bind::Int(c))));
        }
        let (clause, binds) = where_clause(&conds);
        let limit = limit.map(|n| format!("LIMIT {n}")).unwrap_or_default();
        let sql = format!("SELECT {COLUMNS} {FROM} {clause} ORDER BY i.id DESC {limit}");
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(incident).collect()
    }

    /// Teams to send to an incident, best first: the elevator's own
    /// maintenance team if free, then free teams in the same district, then
    /// in the same city.
    pub async fn suggestions(&self, id: i64) -> Result<Vec<Suggestion>> {
        let found = self.incident(id).await?;
        let own = self
            .elevator(&found.rescue_code)
            .await
            .map(|e| e.team)
            .unwrap_or_default();
        let rows = sqlx::query(
            "SELECT code, name, company, city, district, phone, status, incident_id, version \
             FROM teams WHERE city = $1 AND status = 'available' \
             ORDER BY CASE WHEN code = $2 THEN 0 WHEN district = $3 THEN 1 ELSE 2 END, code \
             LIMIT 8",
        )
        .bind(found.city.clone())
        .bind(own.clone())
        .bind(found.district.clone())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let t = team_row(&row)?;
            let why = if t.code == own {
                "维保单位本队"
            } else if t.district == found.district {
                "同区县"
            } else {
                "同城市"
            };
            out.push(Suggestion {
                team: t,
                reason: why.to_string(),
            });
        }
        Ok(out)
    }

    /// Applies one step to an incident in one transaction. With
    /// `expected_version`, a record changed since fails with a conflict.
    pub async fn transition(
        &self,
        id: i64,
        step: &Transition,
        expected_version: Option<i64>,
        actor: Actor<'_>,
    ) -> Result<(Incident, Vec<Event>)> {
        let suggested = match step {
            Transition::Dispatch { team: None } => self.suggestions(id).await?.into_iter().next(),
            _ => None,
        };
        let mut tx = self.write().await?;
        let current = self.incident_in(&mut tx, id).await?;
        if let Some(v) = expected_version.filter(|v| *v != current.version) {
            return Err(Error::Conflict {
                detail: if v < current.version {
                    format!(
                        "incident {id} was changed by someone else (you had version {v}, it is \
                         now version {}, {}); look at it again before you act",
                        current.version, current.status
                    )
                } else {
                    format!(
                        "incident {id} is at version {} ({}), not {v}; act on the version \
                         `safedesk incident show {id}` gives",
                        current.version, current.status
                    )
                },
                current: Some(json(&current)),
            });
        }
        step.check(id, current.status).map_err(Error::Invalid)?;
        let now = Utc::now().timestamp_millis();
        let suggested = suggested.map(|s| s.team.code);
        let change = self.plan(&mut tx, &current, step, suggested, now).await?;

        // One UPDATE for every step: the new status, the step's own
        // columns, and the version, guarded by the version read above.
        let mut columns = vec![(
            "status",
            Bind::Text(step.target(current.status).to_string()),
        )];
        columns.extend(change.columns);
        let mut sets: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (col, _))| format!("{col} = ${}", i + 1))
            .collect();
        sets.push("version = version + 1".into());
        let n = columns.len();
        let sql = format!(
            "UPDATE incidents SET {} WHERE id = ${} AND version = ${}",
            sets.join(", "),
            n + 1,
            n + 2
        );
        let mut binds: Vec<Bind> = columns.into_iter().map(|(_, b)| b).collect();
        binds.push(Bind::Int(id));
        binds.push(Bind::Int(current.version));
        let updated = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Err(Error::Conflict {
                detail: format!("incident {id} was changed by someone else; look again"),
                current: None,
            });
        }
        self.timeline_in(&mut tx, id, now, actor.name, step.name(), &change.detail)
            .await?;
        let after = self.incident_in(&mut tx, id).await?;
        let entry = AuditEntry::new("incident", id, step.name())
            .before(&current)
            .after(&after);
        self.append_audit(&mut tx, actor, entry).await?;
        let mut events = vec![
            self.append_event(&mut tx, "incident", &id.to_string(), &json(&after))
                .await?,
        ];
        for code in change.teams {
            let t = self.team_in(&mut tx, &code).await?;
            events.push(self.append_event(&mut tx, "team", &code, &json(&t)).await?);
        }
        tx.commit().await?;
        Ok((after, events))
    }

    /// Works out what a step writes besides the status, and moves the
    /// teams it involves. Refusals here leave the transaction unwritten.
    async fn plan(
        &self,
        tx: &mut Transaction<'static, Any>,
        current: &Incident,
        step: &Transition,
        suggested: Option<String>,
        now: i64,
    ) -> Result<Change> {
        let id = current.id;
        let mut change = Change::default();
        match step {
            Transition::Dispatch { team } => {
                let Some(code) = team.clone().or(suggested) else {
                    return Err(Error::Conflict {
                        detail: format!(
                            "no rescue team is free in {}; name one with `--team`, \
                             or wait for a team to come free",
                            current.city
                        ),
                        current: Some(json(current)),
                    });
                };
                let t = self.team_in(tx, &code).await?;
                if current.team.as_deref() == Some(code.as_str()) {
                    return Err(Error::Invalid(format!(
                        "team {code} is already dispatched to incident {id}"
                    )));
                }
                if !self.take_team(tx, &code, id).await? {
                    return Err(Error::Conflict {
                        detail: format!(
                            "team {code} ({}) is {} and cannot be sent; choose a free team \
                             (`safedesk team list --status available`)",
                            t.name, t.status
                        ),
                        current: Some(json(&t)),
                    });
                }
                if let Some(previous) = &current.team {
                    self.set_team(tx, previous, TeamStatus::Available).await?;
                    change.teams.push(previous.clone());
                }
                change.teams.push(code.clone());
                change.detail = format!("{code} {}", t.name);
                change.columns = vec![
                    ("team_code", Bind::Text(code)),
                    ("dispatched_at", Bind::Int(now)),
                ];
            }
            Transition::Arrive => {
                if let Some(code) = &current.team {
                    self.set_team(tx, code, TeamStatus::OnScene).await?;
                    change.teams.push(code.clone());
                }
                let waited = (now - to_millis(current.reported_at)) / 1000;
                change.detail = format!("到场用时 {}", crate::model::time::elapsed(waited));
                change.columns = vec![("on_scene_at", Bind::Int(now))];
            }
            Transition::Release { freed } => {
                let freed = freed.unwrap_or(current.trapped);
                if freed > current.trapped {
                    return Err(Error::Invalid(format!(
                        "incident {id} has {} trapped, so `freed` cannot be {freed}; \
                         if more were in the car, note it and release with --freed {}",
                        current.trapped, current.trapped
                    )));
                }
                if let Some(code) = &current.team {
                    self.set_team(tx, code, TeamStatus::Available).await?;
                    change.teams.push(code.clone());
                }
                change.detail = format!("解救{freed}人");
                change.columns = vec![("released_at", Bind::Int(now)), ("freed", Bind::Int(freed))];
            }
            Transition::Close => {
                change.columns = vec![("closed_at", Bind::Int(now))];
            }
            Transition::Cancel { reason } => {
                if let Some(code) = &current.team {
                    self.set_team(tx, code, TeamStatus::Available).await?;
                    change.teams.push(code.clone());
                }
                change.detail = reason.trim().to_string();
                change.columns = vec![
                    ("cancelled_at", Bind::Int(now)),
                    ("cancel_reason", Bind::Text(change.detail.clone())),
                ];
            }
            Transition::Escalate { reason } => {
                if let Some(at) = current.escalated_at {
                    return Err(Error::Invalid(format!(
                        "incident {id} was already handed to 119 at {}",
                        crate::model::time::local_minute(at)
                    )));
                }
                change.detail = reason.trim().to_string();
                change.columns = vec![
                    ("priority", Bind::Int(1)),
                    ("escalated_at", Bind::Int(now)),
                    ("escalation_reason", Bind::Text(change.detail.clone())),
                ];
            }
            Transition::Note { text } => change.detail = text.trim().to_string(),
        }
        Ok(change)
    }

    /// Sends a free team to an incident; false when the team is not free.
    async fn take_team(
        &self,
        tx: &mut Transaction<'static, Any>,
        code: &str,
        id: i64,
    ) -> Result<bool> {
        let taken = sqlx::query(
            "UPDATE teams SET status = 'dispatched', incident_id = $1, version = version + 1 \
             WHERE code = $2 AND status = 'available'",
        )
        .bind(id)
        .bind(code.to_string())
        .execute(&mut **tx)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Moves a team on: on scene, or free again (which also drops its
    /// incident). A team off duty stays off duty.
    async fn set_team(
        &self,
        tx: &mut Transaction<'static, Any>,
        code: &str,
        status: TeamStatus,
    ) -> Result<()> {
        let keep_incident = status != TeamStatus::Available;
        sqlx::query(
            "UPDATE teams SET status = $1, \
             incident_id = CASE WHEN $2 = 1 THEN incident_id ELSE NULL END, \
             version = version + 1 WHERE code = $3 AND status <> 'off_duty'",
        )
        .bind(status.as_str())
        .bind(i64::from(keep_incident))
        .bind(code.to_string())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Loads closed incidents from an earlier period, with their timelines,
    /// in one transaction. Used to seed the demo; emits no events.
    pub async fn seed_history(&self, history: &[HistoricIncident]) -> Result<()> {
        let codes: std::collections::HashSet<&str> =
            history.iter().map(|h| h.rescue_code.as_str()).collect();
        let mut elevators = std::collections::HashMap::new();
        for code in codes {
            elevators.insert(code, self.elevator(code).await?);
        }
        let mut tx = self.write().await?;
        for h in history {
            let Some(elevator) = elevators.get(h.rescue_code.as_str()) else {
                continue;
            };
            let priority = initial_priority(h.trapped, &h.vulnerable, elevator.place_type);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO incidents (status, version, priority, rescue_code, city, district, \
                 address, place_type, trapped, freed, vulnerable, caller, note, team_code, \
                 reported_at, dispatched_at, on_scene_at, released_at, closed_at) \
                 VALUES ('closed', 5, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                 $14, $15, $16, $17) RETURNING id",
            )
            .bind(priority)
            .bind(elevator.rescue_code.clone())
            .bind(elevator.city.clone())
            .bind(elevator.district.clone())
            .bind(elevator.address.clone())
            .bind(elevator.place_type.as_str())
            .bind(h.trapped)
            .bind(h.freed)
            .bind(h.vulnerable.join(","))
            .bind(Some(h.caller.clone()).filter(|c| !c.is_empty()))
            .bind(Some(h.note.clone()).filter(|n| !n.is_empty()))
            .bind(h.team.clone())
            .bind(to_millis(h.reported_at))
            .bind(to_millis(h.dispatched_at))
            .bind(to_millis(h.on_scene_at))
            .bind(to_millis(h.released_at))
            .bind(to_millis(h.closed_at))
            .fetch_one(&mut *tx)
            .await?;
            let steps = [
                (h.reported_at, "reported", format!("困{}人", h.trapped)),
                (h.dispatched_at, "dispatch", h.team.clone()),
                (h.on_scene_at, "arrive", String::new()),
                (h.released_at, "release", format!("解救{}人", h.freed)),
                (h.closed_at, "close", String::new()),
            ];
            for (at, action, detail) in steps {
                self.timeline_in(&mut tx, id, to_millis(at), "history", action, &detail)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
