//! Bulk import and the cylinder register: typed calls for `/imports` and
//! `/cylinders`.

use super::{Client, Result, encode};
use crate::model::cylinder::Cylinder;
use crate::model::import::{Batch, BatchResult, Kind, NewRun, Run};
use reqwest::Method;
use serde::Serialize;

/// Filters for listing cylinders.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CylinderQuery {
    /// The owner's credit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// State, wire name or label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Next inspection before this day, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_before: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Continue after this cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Client {
    /// Starts an import run.
    pub async fn start_import(&self, kind: Kind, spec: &NewRun) -> Result<Run> {
        let path = format!("/imports/{}/runs", kind.as_str());
        self.send(self.request(Method::POST, &path).json(spec))
            .await
    }

    /// A run and the batches it has committed.
    pub async fn import_run(&self, kind: Kind, run_id: &str) -> Result<Run> {
        let path = format!("/imports/{}/runs/{}", kind.as_str(), encode(run_id));
        self.get(&path, &()).await
    }

    /// Sends one batch. The server commits it once: sending it again
    /// answers with what it did the first time.
    pub async fn import_batch(&self, kind: Kind, batch: &Batch) -> Result<BatchResult> {
        let path = format!("/imports/{}/batches", kind.as_str());
        self.send(self.request(Method::POST, &path).json(batch))
            .await
    }

    /// Every cylinder that matches, in code order, up to `max`.
    pub async fn cylinders(&self, q: &CylinderQuery, max: usize) -> Result<Vec<Cylinder>> {
        let mut q = q.clone();
        q.limit = None;
        q.cursor = None;
        self.all_pages("/cylinders", &q, max).await
    }

    /// One cylinder by its code.
    pub async fn cylinder(&self, code: &str) -> Result<Cylinder> {
        self.get(&format!("/cylinders/{}", encode(code)), &()).await
    }
}
