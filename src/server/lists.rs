//! The in-memory index of the lists that plate checks answer from: for each
//! normalised plate, where it stands on the illegal-operation list and its
//! recent muck violations.
//!
//! It is loaded from the tables when the relay starts, and kept current
//! from the event stream: the relay applies every committed event, in id
//! order, before broadcasting it, so a change made through any replica
//! reaches every replica's index. A handler that makes a change applies its
//! own events at once too (see [`super::App::publish`]), so a check sent to
//! the same server after the reply sees it. Applying the same event twice,
//! or an older one after a newer one, changes nothing: each plate keeps the
//! id of the event it was last set from, and violations are kept by id.
//!
//! A muck suspension depends on "now", so the index keeps the violations'
//! times and the check works out the pass at the time it is asked.

use crate::model::Event;
use crate::model::blacklist::{Entry, Stage};
use crate::model::muck::{SUSPENSION_DAYS, Violation, ViolationKind};
use crate::model::plate::ListHit;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

/// Where a plate stands on the illegal-operation list, and the event (or
/// the load) it was last set from.
#[derive(Debug, Clone)]
struct Listed {
    from: i64,
    stage: Stage,
    since: DateTime<Utc>,
    reason: String,
}

/// One muck violation, as far as the pass needs it.
#[derive(Debug, Clone, Copy)]
struct Strike {
    id: i64,
    at: DateTime<Utc>,
    kind: ViolationKind,
}

#[derive(Debug, Default)]
struct Index {
    blacklist: HashMap<String, Listed>,
    muck: HashMap<String, Vec<Strike>>,
}

impl Index {
    fn set_entry(&mut self, from: i64, e: &Entry) {
        if self.blacklist.get(&e.plate).is_some_and(|l| l.from >= from) {
            return;
        }
        self.blacklist.insert(
            e.plate.clone(),
            Listed {
                from,
                stage: e.stage,
                since: e.since,
                reason: e.reason.clone(),
            },
        );
    }

    fn add_violation(&mut self, v: &Violation, now: DateTime<Utc>) {
        let strikes = self.muck.entry(v.plate.clone()).or_default();
        // Those that can never suspend again go; the rest stay, since one
        // dated a little ahead does not count until its time comes.
        strikes.retain(|s| now < s.at + Duration::days(SUSPENSION_DAYS));
        if now >= v.at + Duration::days(SUSPENSION_DAYS) || strikes.iter().any(|s| s.id == v.id) {
            return;
        }
        strikes.push(Strike {
            id: v.id,
            at: v.at,
            kind: v.kind,
        });
    }
}

/// The index, shared by the relay and the check handler.
#[derive(Debug, Default)]
pub struct Lists {
    index: RwLock<Index>,
    ready: AtomicBool,
    loaded: Notify,
}

impl Lists {
    /// Loads the tables as they stand, as of event `cursor` (read before
    /// the tables), and marks the index ready.
    pub fn load(&self, cursor: i64, entries: &[Entry], violations: &[Violation]) {
        let now = Utc::now();
        {
            let mut index = self.write();
            for e in entries {
                index.set_entry(cursor, e);
            }
            for v in violations {
                index.add_violation(v, now);
            }
        }
        self.ready.store(true, Ordering::Release);
        self.loaded.notify_waiters();
    }

    /// Applies one committed event; events of other kinds are ignored.
    pub fn apply(&self, event: &Event) {
        match event.kind.as_str() {
            "blacklist" => match serde_json::from_value::<Entry>(event.data.clone()) {
                Ok(e) => self.write().set_entry(event.id, &e),
                Err(e) => tracing::warn!(id = event.id, error = %e, "unreadable blacklist event"),
            },
            "muck_violation" => match serde_json::from_value::<Violation>(event.data.clone()) {
                Ok(v) => self.write().add_violation(&v, Utc::now()),
                Err(e) => tracing::warn!(id = event.id, error = %e, "unreadable violation event"),
            },
            _ => {}
        }
    }

    /// Waits until the index is loaded; at once when it is.
    pub async fn ready(&self) {
        loop {
            if self.ready.load(Ordering::Acquire) {
                return;
            }
            let loaded = self.loaded.notified();
            tokio::pin!(loaded);
            loaded.as_mut().enable();
            if self.ready.load(Ordering::Acquire) {
                return;
            }
            loaded.await;
        }
    }

    /// Every list `plate` (normalised) is on at `now`.
    pub fn hits(&self, plate: &str, now: DateTime<Utc>) -> Vec<ListHit> {
        let index = self.index.read().unwrap_or_else(|p| p.into_inner());
        let mut hits = Vec::new();
        if let Some(l) = index.blacklist.get(plate)
            && matches!(l.stage, Stage::Suspect | Stage::Grey | Stage::Black)
        {
            hits.push(ListHit {
                list: "illegal-operation".into(),
                stage: l.stage.as_str().into(),
                since: l.since,
                until: None,
                why: l.reason.clone(),
            });
        }
        let latest = index
            .muck
            .get(plate)
            .and_then(|s| s.iter().filter(|s| s.at <= now).max_by_key(|s| s.at));
        if let Some(s) = latest {
            let until = s.at + Duration::days(SUSPENSION_DAYS);
            if now < until {
                hits.push(ListHit {
                    list: "muck-pass".into(),
                    stage: "suspended".into(),
                    since: s.at,
                    until: Some(until),
                    why: format!("{} violation", s.kind),
                });
            }
        }
        hits
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(|p| p.into_inner())
    }
}
