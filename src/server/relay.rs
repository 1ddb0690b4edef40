//! The relay: the one path by which committed events reach a server's live
//! subscribers. It reads the events table after the last id it pushed, in
//! id order, whenever it is woken: by a write on this server, by a
//! PostgreSQL NOTIFY from any replica sharing the database, or by a short
//! poll that covers a lost notification or another process on the same
//! SQLite file. Because it always reads the table in order, a subscriber
//! never sees a later event before an earlier one, whichever replica wrote
//! them.

use super::App;
use crate::store::Backend;
use std::sync::Arc;
use std::time::Duration;

/// How many events one read of the table takes.
const BATCH: i64 = 500;

/// How often the table is read with no wake-up at all.
fn poll_interval(backend: Backend) -> Duration {
    match backend {
        Backend::Sqlite => Duration::from_millis(500),
        Backend::Postgres => Duration::from_secs(2),
    }
}

/// A LISTEN connection on PostgreSQL; `None` on SQLite, or when it cannot
/// be made (the relay then polls, and says so in the log).
async fn listener(app: &App) -> Option<sqlx::postgres::PgListener> {
    if app.store.backend() != Backend::Postgres {
        return None;
    }
    let made = async {
        let mut l = sqlx::postgres::PgListener::connect(app.store.url()).await?;
        l.listen("safedesk_events").await?;
        Ok::<_, sqlx::Error>(l)
    };
    match made.await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(error = %e, "cannot LISTEN for other replicas' events; polling instead");
            None
        }
    }
}

/// Waits for the next notification; forever when there is no listener.
async fn notified(listener: &mut Option<sqlx::postgres::PgListener>) {
    match listener {
        // A dropped LISTEN connection reconnects inside `recv`; what was
        // missed meanwhile is read from the table on the next pass.
        Some(l) => {
            if let Err(e) = l.recv().await {
                tracing::warn!(error = %e, "LISTEN connection failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        None => std::future::pending().await,
    }
}

/// Loads the index of the lists as of the newest event, and returns that
/// event's id: the relay goes on from there. The id is read before the
/// tables, so an event committed in between is applied again (which
/// changes nothing) rather than missed.
async fn load_lists(app: &App) -> crate::store::Result<i64> {
    let cursor = app.store.last_event_id().await?;
    let (entries, violations) = app.store.list_rows(chrono::Utc::now()).await?;
    app.lists.load(cursor, &entries, &violations);
    Ok(cursor)
}

/// Runs until the server stops. Each event is applied to the index of the
/// lists before it is broadcast.
pub async fn run(app: App) {
    let mut stopping = app.stopping.clone();
    let mut cursor = loop {
        match load_lists(&app).await {
            Ok(id) => break id,
            Err(e) => {
                tracing::error!(error = %e, "the relay cannot load the lists; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stopping.changed() => return,
                }
            }
        }
    };
    let mut listener = listener(&app).await;
    let poll = poll_interval(app.store.backend());
    loop {
        loop {
            let events = match app.store.events_after(cursor, BATCH).await {
                Ok(events) => events,
                Err(e) => {
                    tracing::warn!(error = %e, "the relay could not read new events");
                    break;
                }
            };
            let full = events.len() as i64 == BATCH;
            for e in events {
                cursor = e.id;
                app.lists.apply(&e);
                // No subscriber is not an error: the table keeps the event.
                let _ = app.events.send(Arc::new(e));
            }
            if !full {
                break;
            }
        }
        tokio::select! {
            _ = app.wake.notified() => {}
            _ = notified(&mut listener) => {}
            _ = tokio::time::sleep(poll) => {}
            _ = stopping.changed() => return,
        }
    }
}
