//! The event log: every change appended with a monotonic id, so a client
//! that lost its connection can ask for what it missed.

use super::{Backend, Result, Store};
use crate::model::Event;
use crate::model::time::from_millis;
use sqlx::{Any, Row, Transaction};

fn event(row: &sqlx::any::AnyRow) -> Result<Event> {
    let data: String = row.try_get("data")?;
    Ok(Event {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        key: row.try_get("key")?,
        at: from_millis(row.try_get("at")?),
        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
    })
}

impl Store {
    /// Appends an event inside the caller's write transaction. On
    /// PostgreSQL the appends of concurrent transactions are serialised
    /// until commit, so ids become visible in order and a reader resuming
    /// after id N never misses a smaller id committed later.
    pub(super) async fn append_event(
        &self,
        tx: &mut Transaction<'static, Any>,
        kind: &str,
        key: &str,
        data: &serde_json::Value,
    ) -> Result<Event> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(96335)")
                .execute(&mut **tx)
                .await?;
        }
        let at = chrono::Utc::now().timestamp_millis();
        let row = sqlx::query(
            "INSERT INTO events (kind, key, at, data) VALUES ($1, $2, $3, $4) \
             RETURNING id, kind, key, at, data",
        )
        .bind(kind.to_string())
        .bind(key.to_string())
        .bind(at)
        .bind(data.to_string())
        .fetch_one(&mut **tx)
        .await?;
        if self.backend == Backend::Postgres {
            // Delivered at commit to every replica listening; the payload is
            // only a wake-up, the table is the truth.
            sqlx::query("SELECT pg_notify('safedesk_events', '')")
                .execute(&mut **tx)
                .await?;
        }
        event(&row)
    }

    /// Events after `after`, oldest first, at most `limit`.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>> {
        let rows = sqlx::query(
            "SELECT id, kind, key, at, data FROM events WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event).collect()
    }

    /// The id of the newest event, 0 when there is none.
    pub async fn last_event_id(&self) -> Result<i64> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(id.unwrap_or(0))
    }
}
