//! Elevators and rescue teams.

use super::{Bind, Error, Result, Store, bind_all};
use crate::model::{Elevator, Page, Team};
use sqlx::{AssertSqlSafe, Row};

/// Filters for `GET /teams`.
#[derive(Debug, Clone, Default)]
pub struct TeamFilter {
    /// Full city name.
    pub city: Option<String>,
    /// Team status.
    pub status: Option<String>,
    /// Start after this team code.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: i64,
}

/// Filters for `GET /elevators`.
#[derive(Debug, Clone, Default)]
pub struct ElevatorFilter {
    /// Full city name.
    pub city: Option<String>,
    /// District or county.
    pub district: Option<String>,
    /// Text found in the address or codes.
    pub text: Option<String>,
    /// Start after this rescue code.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: i64,
}

const TEAM_COLUMNS: &str =
    "code, name, company, city, district, phone, status, incident_id, version";
const ELEVATOR_COLUMNS: &str = "rescue_code, registration_code, city, district, street, address, \
     place_type, maintenance_company, team_code";

pub(super) fn team(row: &sqlx::any::AnyRow) -> Result<Team> {
    let status: String = row.try_get("status")?;
    Ok(Team {
        code: row.try_get("code")?,
        name: row.try_get("name")?,
        company: row.try_get("company")?,
        city: row.try_get("city")?,
        district: row.try_get("district")?,
        // Masked like every phone; `?reveal=true` shows it to those who may.
        phone: crate::model::phone::mask(&row.try_get::<String, _>("phone")?),
        status: status.parse().map_err(Error::Invalid)?,
        incident: row.try_get("incident_id")?,
        version: row.try_get("version")?,
    })
}

fn elevator(row: &sqlx::any::AnyRow) -> Result<Elevator> {
    let place: String = row.try_get("place_type")?;
    Ok(Elevator {
        rescue_code: row.try_get("rescue_code")?,
        registration_code: row.try_get("registration_code")?,
        city: row.try_get("city")?,
        district: row.try_get("district")?,
        street: row.try_get("street")?,
        address: row.try_get("address")?,
        place_type: place.parse().map_err(Error::Invalid)?,
        maintenance_company: row.try_get("maintenance_company")?,
        team: row.try_get("team_code")?,
    })
}

/// Builds `WHERE a = $1 AND b = $2 …` from the conditions that are set;
/// each `?` in a condition becomes the next placeholder, bound to its value.
pub(super) fn where_clause(conds: &[(String, Option<Bind>)]) -> (String, Vec<Bind>) {
    if conds.is_empty() {
        return (String::new(), Vec::new());
    }
    let mut binds = Vec::new();
    let mut parts = Vec::new();
    for (cond, bind) in conds {
        let mut part = String::new();
        for piece in cond.split_inclusive('?') {
            match (piece.strip_suffix('?'), bind) {
                (Some(head), Some(b)) => {
                    binds.push(b.clone());
                    part.push_str(&format!("{head}${}", binds.len()));
                }
                _ => part.push_str(piece),
            }
        }
        parts.push(part);
    }
    (format!("WHERE {}", parts.join(" AND ")), binds)
}

impl Store {
    /// Adds or replaces teams, in one transaction (fixtures, imports).
    pub async fn upsert_teams(&self, teams: &[Team]) -> Result<()> {
        let mut tx = self.write().await?;
        for t in teams {
            sqlx::query(
                "INSERT INTO teams (code, name, company, city, district, phone, status, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
                 company = excluded.company, city = excluded.city, \
                 district = excluded.district, phone = excluded.phone, \
                 version = teams.version + 1",
            )
            .bind(t.code.clone())
            .bind(t.name.clone())
            .bind(t.company.clone())
            .bind(t.city.clone())
            .bind(t.district.clone())
            .bind(t.phone.clone())
            .bind(t.status.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds or replaces elevators, in one transaction (fixtures, imports).
    pub async fn upsert_elevators(&self, elevators: &[Elevator]) -> Result<()> {
        let mut tx = self.write().await?;
        for e in elevators {
            sqlx::query(
                "INSERT INTO elevators (rescue_code, registration_code, city, district, street, \
                 address, place_type, maintenance_company, team_code) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (rescue_code) DO UPDATE SET \
                 registration_code = excluded.registration_code, city = excluded.city, \
                 district = excluded.district, street = excluded.street, \
                 address = excluded.address, place_type = excluded.place_type, \
                 maintenance_company = excluded.maintenance_company, \
                 team_code = excluded.team_code",
            )
            .bind(e.rescue_code.clone())
            .bind(e.registration_code.clone())
            .bind(e.city.clone())
            .bind(e.district.clone())
            .bind(e.street.clone())
            .bind(e.address.clone())
            .bind(e.place_type.as_str())
            .bind(e.maintenance_company.clone())
            .bind(e.team.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// One team by its code.
    pub async fn team(&self, code: &str) -> Result<Team> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE code = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(code.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => team(&row),
            None => Err(Error::NotFound(format!(
                "no team `{code}`; `safedesk team list` shows the teams"
            ))),
        }
    }

    /// A page of teams, by code.
    pub async fn teams(&self, f: &TeamFilter) -> Result<Page<Team>> {
        let mut conds = Vec::new();
        if let Some(c) = &f.city {
            conds.push(("city = ?".to_string(), Some(Bind::Text(c.clone()))));
        }
        if let Some(s) = &f.status {
            conds.push(("status = ?".to_string(), Some(Bind::Text(s.clone()))));
        }
        if let Some(c) = &f.cursor {
            conds.push(("code > ?".to_string(), Some(Bind::Text(c.clone()))));
        }
        let (clause, binds) = where_clause(&conds);
        let sql = format!(
            "SELECT {TEAM_COLUMNS} FROM teams {clause} ORDER BY code LIMIT {}",
            f.limit + 1
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows.iter().map(team).collect::<Result<Vec<_>>>()?;
        Ok(page(&mut items, f.limit, |t| t.code.clone()))
    }

    /// One elevator by its rescue code.
    pub async fn elevator(&self, rescue_code: &str) -> Result<Elevator> {
        let sql = format!("SELECT {ELEVATOR_COLUMNS} FROM elevators WHERE rescue_code = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(rescue_code.to_string())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => elevator(&row),
            None => Err(Error::NotFound(format!(
                "no elevator with rescue code `{rescue_code}`; check the sticker number, \
                 or search with `safedesk elevator find --text …`"
            ))),
        }
    }

    /// A page of elevators, by rescue code.
    pub async fn elevators(&self, f: &ElevatorFilter) -> Result<Page<Elevator>> {
        let mut conds = Vec::new();
        if let Some(c) = &f.city {
            conds.push(("city = ?".to_string(), Some(Bind::Text(c.clone()))));
        }
        if let Some(d) = &f.district {
            conds.push(("district = ?".to_string(), Some(Bind::Text(d.clone()))));
        }
        if let Some(t) = &f.text {
            let like = format!("%{}%", t.replace(['%', '_'], ""));
            conds.push((
                "(address LIKE ? OR street LIKE ? OR rescue_code LIKE ? \
                 OR registration_code LIKE ?)"
                    .to_string(),
                Some(Bind::Text(like)),
            ));
        }
        if let Some(c) = &f.cursor {
            conds.push(("rescue_code > ?".to_string(), Some(Bind::Text(c.clone()))));
        }
        let (clause, binds) = where_clause(&conds);
        let sql = format!(
            "SELECT {ELEVATOR_COLUMNS} FROM elevators {clause} ORDER BY rescue_code LIMIT {}",
            f.limit + 1
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows.iter().map(elevator).collect::<Result<Vec<_>>>()?;
        Ok(page(&mut items, f.limit, |e| e.rescue_code.clone()))
    }
}

/// Cuts a fetched `limit + 1` rows to a page, with a cursor when more follow.
pub(super) fn page<T>(items: &mut Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() as i64 > limit;
    items.truncate(limit.max(0) as usize);
    let next = if more { items.last().map(key) } else { None };
    Page {
        items: std::mem::take(items),
        next,
    }
}
