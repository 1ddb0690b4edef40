//! Notices to other provinces: made in the transaction of the list step
//! that puts another province's vehicle on the grey or black list, listed
//! per province, and marked `sent` and then `acknowledged`.

use super::registers::{page, where_clause};
use super::{Bind, Error, Result, Store, bind_all};
use crate::model::audit::{Actor, AuditEntry};
use crate::model::blacklist::Entry;
use crate::model::notice::{Notice, NoticeState, needs_notice};
use crate::model::time::from_millis;
use crate::model::{Event, Page};
use chrono::Utc;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

/// Filters for `GET /notices`.
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    /// Only notices to this province (full name).
    pub province: Option<String>,
    /// Only notices in this state.
    pub state: Option<NoticeState>,
    /// Start after this notice id (lists run in id order).
    pub cursor: Option<i64>,
    /// Page size.
    pub limit: i64,
}

const COLUMNS: &str = "id, plate, province, stage, reason, listed_at, state, sent_at, \
     acknowledged_at, marked_by, version";

fn notice(row: &sqlx::any::AnyRow) -> Result<Notice> {
    let stage: String = row.try_get("stage")?;
    let state: String = row.try_get("state")?;
    let sent: Option<i64> = row.try_get("sent_at")?;
    let acknowledged: Option<i64> = row.try_get("acknowledged_at")?;
    Ok(Notice {
        id: row.try_get("id")?,
        plate: row.try_get("plate")?,
        province: row.try_get("province")?,
        stage: stage.parse().map_err(Error::Invalid)?,
        reason: row.try_get("reason")?,
        listed_at: from_millis(row.try_get("listed_at")?),
        state: state.parse().map_err(Error::Invalid)?,
        sent_at: sent.map(from_millis),
        acknowledged_at: acknowledged.map(from_millis),
        marked_by: row.try_get("marked_by")?,
        version: row.try_get("version")?,
    })
}

fn no_notice(id: i64) -> Error {
    Error::NotFound(format!(
        "no notice {id}; `safedesk notices list` shows the notices"
    ))
}

impl Store {
    /// Makes a notice, inside the list step's transaction, when `after`
    /// (the vehicle as the step left it) is another province's vehicle on
    /// the grey or black list.
    pub(super) async fn notice_for_step(
        &self,
        tx: &mut Transaction<'static, Any>,
        after: &Entry,
    ) -> Result<()> {
        if !needs_notice(&after.province, after.stage) {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO notices (plate, province, stage, reason, listed_at, state, version) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 1)",
        )
        .bind(after.plate.clone())
        .bind(after.province.clone())
        .bind(after.stage.as_str())
        .bind(after.reason.clone())
        .bind(after.since.timestamp_millis())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// One notice.
    pub async fn notice(&self, id: i64) -> Result<Notice> {
        let sql = format!("SELECT {COLUMNS} FROM notices WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        notice(&row.ok_or_else(|| no_notice(id))?)
    }

    /// A page of notices, in the order they were made.
    pub async fn notices(&self, f: &NoticeFilter) -> Result<Page<Notice>> {
        let mut conds = Vec::new();
        if let Some(p) = &f.province {
            conds.push(("province = ?".to_string(), Some(Bind::Text(p.clone()))));
        }
        if let Some(s) = f.state {
            conds.push(("state = ?".to_string(), Some(Bind::Text(s.to_string()))));
        }
        if let Some(c) = f.cursor {
            conds.push(("id > ?".to_string(), Some(Bind::Int(c))));
        }
        let (clause, binds) = where_clause(&conds);
        let sql = format!(
            "SELECT {COLUMNS} FROM notices {clause} ORDER BY id LIMIT {}",
            f.limit + 1
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows.iter().map(notice).collect::<Result<Vec<_>>>()?;
        Ok(page(&mut items, f.limit, |n| n.id.to_string()))
    }

    /// Marks notice `id` as `to`, one step on from where it stands; a
    /// step out of order is refused, naming the one allowed now.
    pub async fn mark_notice(
        &self,
        id: i64,
        to: NoticeState,
        actor: Actor<'_>,
    ) -> Result<(Notice, Vec<Event>)> {
        let mut tx = self.write().await?;
        let sql = format!("SELECT {COLUMNS} FROM notices WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let before = notice(&row.ok_or_else(|| no_notice(id))?)?;
        before.state.check_mark(id, to).map_err(Error::Invalid)?;
        let column = match to {
            NoticeState::Acknowledged => "acknowledged_at",
            _ => "sent_at",
        };
        let update = format!(
            "UPDATE notices SET state = $1, {column} = $2, marked_by = $3, \
             version = version + 1 WHERE id = $4"
        );
        sqlx::query(AssertSqlSafe(update))
            .bind(to.as_str())
            .bind(Utc::now().timestamp_millis())
            .bind(actor.name.to_string())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let after = notice(&row)?;
        let entry = AuditEntry::new("notice", id, to.as_str())
            .before(&before)
            .after(&after);
        self.append_audit(&mut tx, actor, entry).await?;
        let data = serde_json::to_value(&after).unwrap_or_default();
        let event = self
            .append_event(&mut tx, "notice", &id.to_string(), &data)
            .await?;
        tx.commit().await?;
        Ok((after, vec![event]))
    }
}
