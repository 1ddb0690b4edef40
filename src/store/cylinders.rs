//! The LPG cylinder register.

use super::registers::page;
use super::registers::where_clause;
use super::{Bind, Error, Result, Store, bind_all};
use crate::model::Page;
use crate::model::cylinder::Cylinder;
use chrono::NaiveDate;
use sqlx::{AssertSqlSafe, Row};

/// Filters for `GET /cylinders`.
#[derive(Debug, Clone, Default)]
pub struct CylinderFilter {
    /// The owner's credit code.
    pub owner: Option<String>,
    /// Wire name of a state.
    pub state: Option<String>,
    /// Only those whose next inspection falls before this day.
    pub due_before: Option<NaiveDate>,
    /// Start after this code.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: i64,
}

const COLUMNS: &str = "code, owner_uscc, owner_uscc_unchecked, owner_name, spec, made_on, \
     last_inspected_on, next_inspection_on, state, version";

fn date(row: &sqlx::any::AnyRow, column: &str) -> Result<Option<NaiveDate>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|_| Error::Invalid(format!("stored {column} `{t}` is not a date")))
    })
    .transpose()
}

fn cylinder(row: &sqlx::any::AnyRow) -> Result<Cylinder> {
    let state: String = row.try_get("state")?;
    let required = |column: &str| {
        date(row, column)?.ok_or_else(|| Error::Invalid(format!("stored {column} is empty")))
    };
    Ok(Cylinder {
        code: row.try_get("code")?,
        owner_uscc: row.try_get("owner_uscc")?,
        owner_uscc_unchecked: row.try_get::<i64, _>("owner_uscc_unchecked")? != 0,
        owner_name: row.try_get("owner_name")?,
        spec: row.try_get("spec")?,
        made_on: required("made_on")?,
        last_inspected_on: date(row, "last_inspected_on")?,
        next_inspection_on: required("next_inspection_on")?,
        state: state.parse().map_err(Error::Invalid)?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// One cylinder by its code.
    pub async fn cylinder(&self, code: &str) -> Result<Cylinder> {
        let sql = format!("SELECT {COLUMNS} FROM cylinders WHERE code = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(code.trim().to_string())
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => cylinder(&row),
            None => Err(Error::NotFound(format!(
                "there is no cylinder `{code}` in the register"
            ))),
        }
    }

    /// A page of the register, in code order.
    pub async fn cylinders(&self, f: &CylinderFilter) -> Result<Page<Cylinder>> {
        let mut conds = Vec::new();
        if let Some(o) = &f.owner {
            conds.push(("owner_uscc = ?".to_string(), Some(Bind::Text(o.clone()))));
        }
        if let Some(s) = &f.state {
            conds.push(("state = ?".to_string(), Some(Bind::Text(s.clone()))));
        }
        if let Some(d) = f.due_before {
            conds.push((
                "next_inspection_on < ?".to_string(),
                Some(Bind::Text(d.to_string())),
            ));
        }
        if let Some(c) = &f.cursor {
            conds.push(("code > ?".to_string(), Some(Bind::Text(c.clone()))));
        }
        let (clause, binds) = where_clause(&conds);
        let sql = format!(
            "SELECT {COLUMNS} FROM cylinders {clause} ORDER BY code LIMIT {}",
            f.limit + 1
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows.iter().map(cylinder).collect::<Result<Vec<_>>>()?;
        Ok(page(&mut items, f.limit, |c| c.code.clone()))
    }
}
