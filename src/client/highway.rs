//! Highway passages, screening, alerts and notices: typed calls for
//! `/passages`, `/gantries`, `/alerts`, `/screen` and `/notices`.

use super::{Client, EventStream, Result, encode};
use crate::model::Page;
use crate::model::notice::{Notice, NoticeState};
use crate::model::passage::{
    AlertRecord, Gantry, MAX_PASSAGES, NewPassage, Passage, PassageCounts,
};
use crate::model::screen::{Report, Rule, RuleChange, RunRequest};
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Serialize;

/// Filters for listing notices.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NoticeQuery {
    /// Province of the plate: `皖`, `安徽` or `安徽省`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// `pending`, `sent` or `acknowledged`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Continue after this cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Client {
    /// Stores passages: one request per [`MAX_PASSAGES`], the counts added
    /// up. Sending the same passages again stores nothing new.
    pub async fn store_passages(&self, rows: &[NewPassage]) -> Result<PassageCounts> {
        let mut total = PassageCounts::default();
        for batch in rows.chunks(MAX_PASSAGES) {
            let part: PassageCounts = self
                .send(self.request(Method::POST, "/passages").json(batch))
                .await?;
            total.inserted += part.inserted;
            total.duplicate += part.duplicate;
            total.alerts += part.alerts;
        }
        Ok(total)
    }

    /// A vehicle's passages in time order: from `since`, following the
    /// pages up to `max`; without `since`, the latest `max`.
    pub async fn track(
        &self,
        plate: &str,
        since: Option<DateTime<Utc>>,
        max: usize,
    ) -> Result<Vec<Passage>> {
        let limit = 1000.min(max as i64).max(1);
        let mut q = vec![("plate", plate.to_string()), ("limit", limit.to_string())];
        if let Some(t) = since {
            q.push(("since", t.to_rfc3339()));
        }
        let mut out = Vec::new();
        loop {
            let page: Page<Passage> = self.get("/passages", &q).await?;
            out.extend(page.items);
            match page.next {
                Some(next) if out.len() < max => {
                    q.retain(|(k, _)| *k != "cursor");
                    q.push(("cursor", next));
                }
                _ => break,
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// Every gantry on the register.
    pub async fn gantries(&self) -> Result<Vec<Gantry>> {
        self.get("/gantries", &()).await
    }

    /// Alerts, oldest first: the first `limit` after event `after`, or the
    /// latest `limit`.
    pub async fn alerts(&self, after: Option<i64>, limit: i64) -> Result<Vec<AlertRecord>> {
        let mut q = vec![("limit", limit.to_string())];
        if let Some(a) = after {
            q.push(("after", a.to_string()));
        }
        self.get("/alerts", &q).await
    }

    /// The live alerts, resuming after event `after` (or from now); it
    /// reconnects on its own and never hands on an alert twice.
    pub fn alert_stream(&self, after: Option<i64>) -> EventStream {
        EventStream::start(self.clone(), "/alerts/stream", after)
    }

    /// The suspect rule's thresholds.
    pub async fn screen_rule(&self) -> Result<Rule> {
        self.get("/screen/rule", &()).await
    }

    /// Sets the suspect rule's thresholds.
    pub async fn set_screen_rule(&self, change: &RuleChange) -> Result<Rule> {
        self.send(self.request(Method::PUT, "/screen/rule").json(change))
            .await
    }

    /// Runs screening.
    pub async fn run_screen(&self, req: &RunRequest) -> Result<Report> {
        self.send(self.request(Method::POST, "/screen/runs").json(req))
            .await
    }

    /// Every notice that matches, in the order they were made, up to `max`.
    pub async fn notices(&self, q: &NoticeQuery, max: usize) -> Result<Vec<Notice>> {
        let mut q = q.clone();
        q.limit = Some(1000.min(max as i64).max(1));
        let mut out = Vec::new();
        loop {
            let page: Page<Notice> = self.get("/notices", &q).await?;
            out.extend(page.items);
            match page.next {
                Some(next) if out.len() < max => q.cursor = Some(next),
                _ => break,
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// Marks a notice `sent` or `acknowledged`.
    pub async fn mark_notice(&self, id: i64, to: NoticeState) -> Result<Notice> {
        let path = format!("/notices/{id}/{}", encode(to.as_str()));
        self.send(self.request(Method::POST, &path)).await
    }
}
