//! The three-no vessel register: typed calls for `/vessels`, `/bases` and
//! `/stats/vessels`.

use super::{Client, Result, encode};
use crate::model::vessel::VesselStats;
use crate::model::{Base, NewVessel, Photo, Vessel, VesselFields, VesselStep};
use reqwest::Method;
use serde::Serialize;

/// Filters for listing vessels.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VesselQuery {
    /// Comma-separated states, or `open`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// City, short or full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Waterway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waterway: Option<String>,
    /// Found on or after this local day, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Continue after this cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Ask for personal data unmasked (`?reveal=true`); audited, and
    /// refused with 403 for a role that may not see it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub reveal: bool,
}

impl Client {
    /// Registers a vessel; the answer carries its case number.
    pub async fn create_vessel(&self, new: &NewVessel) -> Result<Vessel> {
        self.send(self.request(Method::POST, "/vessels").json(new))
            .await
    }

    /// Every vessel that matches, newest first, following the pages, up to
    /// `max`.
    pub async fn vessels(&self, q: &VesselQuery, max: usize) -> Result<Vec<Vessel>> {
        let mut q = q.clone();
        q.limit = None;
        q.cursor = None;
        self.all_pages("/vessels", &q, max).await
    }

    /// One vessel with its timeline.
    pub async fn vessel(&self, id: i64) -> Result<Vessel> {
        self.vessel_revealed(id, false).await
    }

    /// One vessel; with `reveal`, the owner's resident ID unmasked
    /// (audited; maritime officers and admins only).
    pub async fn vessel_revealed(&self, id: i64, reveal: bool) -> Result<Vessel> {
        self.get(&format!("/vessels/{id}"), &super::Reveal::from(reveal))
            .await
    }

    /// Changes a vessel's description; fields left `None` are kept.
    pub async fn update_vessel(
        &self,
        id: i64,
        fields: &VesselFields,
        expected_version: Option<i64>,
    ) -> Result<Vessel> {
        let mut req = self
            .request(Method::PATCH, &format!("/vessels/{id}"))
            .json(fields);
        if let Some(v) = expected_version {
            req = req.header(reqwest::header::IF_MATCH, format!("\"{v}\""));
        }
        self.send(req).await
    }

    /// Takes one step of a vessel's case.
    pub async fn vessel_step(
        &self,
        id: i64,
        step: &VesselStep,
        expected_version: Option<i64>,
    ) -> Result<Vessel> {
        let path = format!("/vessels/{id}/{}", step.name());
        self.post_step(&path, step, expected_version).await
    }

    /// Uploads a photo of a vessel (JPEG or PNG bytes).
    pub async fn add_photo(&self, id: i64, bytes: Vec<u8>) -> Result<Photo> {
        let req = self
            .request(Method::POST, &format!("/vessels/{id}/photos"))
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        self.send(req).await
    }

    /// A vessel's photos.
    pub async fn photos(&self, id: i64) -> Result<Vec<Photo>> {
        self.get(&format!("/vessels/{id}/photos"), &()).await
    }

    /// The bytes of one photo, named by its SHA-256 or a prefix of it.
    pub async fn photo(&self, id: i64, name: &str) -> Result<Vec<u8>> {
        let path = format!("/vessels/{id}/photos/{}", encode(name));
        self.send_raw(self.request(Method::GET, &path)).await
    }

    /// Every detention base and temporary point.
    pub async fn bases(&self) -> Result<Vec<Base>> {
        self.get("/bases", &()).await
    }

    /// One base by code.
    pub async fn detention_base(&self, code: &str) -> Result<Base> {
        self.get(&format!("/bases/{}", encode(code)), &()).await
    }

    /// The register's figures, grouped by `city`, `state` or `month`.
    pub async fn vessel_stats(&self, by: Option<&str>) -> Result<Vec<VesselStats>> {
        self.get("/stats/vessels", &[("by", by)]).await
    }
}
