//! The audit log: typed calls for `/audit` and `/audit/verify` (admins).

use super::{Client, Result};
use crate::model::Page;
use crate::model::audit::{AuditRow, Verification};
use serde::Serialize;

/// Filters for listing the audit log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditQuery {
    /// Only changes by this token name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Only changes at or after: RFC 3339, or a local day `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Only this kind of record (`incident`), or one record (`incident:12`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Continue after this cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Client {
    /// One page of the audit log, newest first.
    pub async fn audit_page(&self, q: &AuditQuery) -> Result<Page<AuditRow>> {
        self.get("/audit", q).await
    }

    /// Every audit row that matches, newest first, following the pages, up
    /// to `max`.
    pub async fn audit(&self, q: &AuditQuery, max: usize) -> Result<Vec<AuditRow>> {
        let mut q = q.clone();
        q.limit = Some(1000.min(max as i64).max(1));
        let mut out = Vec::new();
        loop {
            let page = self.audit_page(&q).await?;
            out.extend(page.items);
            match page.next {
                Some(next) if out.len() < max => q.cursor = Some(next),
                _ => break,
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// Walks the audit chain on the server and says whether it is intact.
    pub async fn verify_audit(&self) -> Result<Verification> {
        self.get("/audit/verify", &()).await
    }
}
