//! `/api/v1/events`: server-sent events, replayed from `Last-Event-ID`.
//!
//! A subscriber first listens to the live fan-out, then reads what it
//! missed from the events table, and from then on skips any event at or
//! below the last id it sent; so nothing is lost in the gap between the
//! two and nothing is sent twice. A subscriber that falls behind the
//! fan-out reads the table again.

use super::access::Access;
use super::extract::Query;
use super::{ApiError, ApiResult, App, Caller};
use crate::model::Event;
use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

/// How many events one read of the table returns.
const REPLAY_PAGE: i64 = 500;

/// Query of `GET /events`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Replay events after this id (like `Last-Event-ID`).
    after: Option<i64>,
}

/// Which events a subscriber gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    /// Every event.
    All,
    /// Every event but alerts: for roles that may not follow alerts.
    NoAlerts,
    /// Alerts only.
    Alerts,
}

impl Only {
    fn keeps(self, e: &Event) -> bool {
        let alert = e.kind.starts_with("alert.");
        match self {
            Only::All => true,
            Only::NoAlerts => !alert,
            Only::Alerts => alert,
        }
    }
}

struct Feed {
    app: App,
    only: Only,
    live: broadcast::Receiver<Arc<Event>>,
    stopping: watch::Receiver<bool>,
    cursor: i64,
    backlog: VecDeque<Event>,
    table_has_more: bool,
}

impl Feed {
    async fn refill(&mut self) -> bool {
        match self.app.store.events_after(self.cursor, REPLAY_PAGE).await {
            Ok(events) => {
                self.table_has_more = events.len() as i64 == REPLAY_PAGE;
                self.backlog.extend(events);
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "event replay failed; closing the stream");
                false
            }
        }
    }

    async fn next(&mut self) -> Option<Event> {
        loop {
            if *self.stopping.borrow() {
                return None;
            }
            while let Some(e) = self.backlog.pop_front() {
                if e.id > self.cursor {
                    self.cursor = e.id;
                    if self.only.keeps(&e) {
                        return Some(e);
                    }
                }
            }
            if self.table_has_more && !self.refill().await {
                return None;
            }
            if !self.backlog.is_empty() {
                continue;
            }
            tokio::select! {
                got = self.live.recv() => match got {
                    Ok(e) => self.backlog.push_back((*e).clone()),
                    Err(RecvError::Lagged(_)) => {
                        if !self.refill().await {
                            return None;
                        }
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = self.stopping.changed() => return None,
            }
        }
    }
}

fn to_sse(e: &Event) -> sse::Event {
    sse::Event::default()
        .id(e.id.to_string())
        .event(e.kind.clone())
        .data(serde_json::to_string(e).unwrap_or_default())
}

/// `GET /events`: every change; alerts only for the roles that may
/// follow them.
pub async fn stream(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>> {
    let only = if Access::Patrol.allows(caller.role) {
        Only::All
    } else {
        Only::NoAlerts
    };
    feed(app, only, headers, q).await
}

/// `GET /alerts/stream`: the alerts only, replayed from `Last-Event-ID`
/// like every event stream.
pub async fn alerts(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>> {
    feed(app, Only::Alerts, headers, q).await
}

async fn feed(
    app: App,
    only: Only,
    headers: HeaderMap,
    q: EventsQuery,
) -> ApiResult<Sse<impl Stream<Item = Result<sse::Event, Infallible>>>> {
    let from_header = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .unwrap_or("")
                .trim()
                .parse::<i64>()
                .map_err(|_| {
                    ApiError::bad_request("`Last-Event-ID` must be the id of an event, a number")
                })?,
        ),
        None => None,
    };
    let live = app.events.subscribe();
    let stopping = app.stopping.clone();
    let (cursor, replay) = match from_header.or(q.after) {
        Some(after) => (after, true),
        None => (app.store.last_event_id().await?, false),
    };
    let feed = Feed {
        app,
        only,
        live,
        stopping,
        cursor,
        backlog: VecDeque::new(),
        table_has_more: replay,
    };
    // The greeting tells the client the id it resumes from, so a client
    // that connects and drops before any change still resumes without a gap.
    let ready = sse::Event::default()
        .id(cursor.to_string())
        .event("ready")
        .data(format!("{{\"last_event_id\":{cursor}}}"));
    let changes = futures_util::stream::unfold(feed, |mut feed| async move {
        let e = feed.next().await?;
        Some((Ok(to_sse(&e)), feed))
    });
    let events =
        futures_util::StreamExt::chain(futures_util::stream::once(async { Ok(ready) }), changes);
    Ok(Sse::new(events).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keep-alive"),
    ))
}
