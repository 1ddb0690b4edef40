//! The one typed HTTP client of the API, used by the commands, the board,
//! the importer and the demo's simulator.
//!
//! Every HTTP status becomes a plain sentence in [`error`]; the event
//! stream in [`stream`] reconnects on its own and resumes where it left off.

mod audit;
pub mod error;
mod highway;
mod imports;
pub mod stream;
mod vessels;

pub use audit::AuditQuery;
pub use error::ClientError;
pub use highway::NoticeQuery;
pub use imports::CylinderQuery;
pub use stream::{EventStream, StreamItem};
pub use vessels::VesselQuery;

use crate::model::blacklist::{Entry as BlacklistEntry, Step as BlacklistStep};
use crate::model::muck::{NewViolation, Pass, Violation};
use crate::model::plate::{CheckRequest, PlateCheck};
use crate::model::stats::IncidentStats;
use crate::model::{
    Elevator, Health, Incident, IssuedToken, NewIncident, Page, Problem, Role, Suggestion, Team,
    TokenRecord, Transition,
};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Once;
use std::time::Duration;

/// The API address used when none is given.
pub const DEFAULT_API: &str = "http://127.0.0.1:9633";

/// A result from the client.
pub type Result<T> = std::result::Result<T, ClientError>;

/// A handle on one server, cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    stream_http: reqwest::Client,
    base: String,
    token: Option<String>,
    say_waits: bool,
}

/// How many times one request is sent again after a `429`.
pub const MAX_RATE_RETRIES: u32 = 5;

/// The longest `Retry-After` the client waits out; a longer one fails.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Filters for listing incidents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IncidentQuery {
    /// Comma-separated statuses, or `open`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// City, short or full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// A local day, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
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

/// Filters for listing teams.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TeamQuery {
    /// City, short or full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Team status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
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

/// Filters for finding elevators.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ElevatorQuery {
    /// City, short or full name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// District or county.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Text in the address or codes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Continue after this cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Which figures to ask for.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatsQuery {
    /// A local day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<String>,
    /// A month, `YYYY-MM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// `city` or `day`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// Only this city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
}

/// Filters for the illegal-operation list.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BlacklistQuery {
    /// `suspect`, `grey`, `black`, `excluded` or `lifted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// Province of the plate: `苏`, `江苏` or `江苏省`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Continue after this cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// Installs the TLS crypto provider once per process (ring: the same one
/// sqlx uses, and no C build).
pub fn init_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Client {
    /// A client for the API at `base` (e.g. `http://127.0.0.1:9633`).
    pub fn new(base: &str, token: Option<String>) -> Result<Client> {
        Client::with_ca_cert(base, token, None)
    }

    /// A client that also trusts the CA certificate(s) in `ca_pem`, for a
    /// server whose certificate a private CA signed.
    pub fn with_ca_cert(
        base: &str,
        token: Option<String>,
        ca_pem: Option<&[u8]>,
    ) -> Result<Client> {
        init_crypto();
        let extra_roots = match ca_pem {
            Some(pem) => reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| ClientError::Usage(format!("the CA certificate is not PEM: {e}")))?,
            None => Vec::new(),
        };
        let base = base
            .trim_end_matches('/')
            .trim_end_matches("/api/v1")
            .to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ClientError::Usage(format!(
                "`{base}` is not an API address; write it as http://HOST:PORT"
            )));
        }
        let token = token.filter(|t| !t.is_empty());
        if let Some(t) = &token
            && !t.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ClientError::Unauthorised(
                "the token holds spaces, line breaks or non-ASCII characters, which a token \
                 never has; copy it again"
                    .into(),
            ));
        }
        let agent = concat!("safedesk/", env!("CARGO_PKG_VERSION"));
        let build = |b: reqwest::ClientBuilder| {
            b.user_agent(agent)
                .tls_certs_merge(extra_roots.clone())
                .connect_timeout(Duration::from_secs(5))
                // Under the server's 15 s idle limit, so a kept connection
                // is not reused just as the server closes it.
                .pool_idle_timeout(Duration::from_secs(10))
                .build()
                .map_err(|e| ClientError::Usage(format!("cannot set up HTTP: {e}")))
        };
        Ok(Client {
            http: build(reqwest::Client::builder().timeout(Duration::from_secs(30)))?,
            // No total timeout on the stream; a read timeout of three
            // keep-alive intervals finds a dead connection.
            stream_http: build(reqwest::Client::builder().read_timeout(Duration::from_secs(45)))?,
            base,
            token,
            say_waits: false,
        })
    }

    /// Whether a wait of more than a second for a rate-limited request is
    /// said on stderr (the commands, unless `-q`); otherwise it is logged.
    pub fn say_waits(mut self, on: bool) -> Client {
        self.say_waits = on;
        self
    }

    /// The API address, as given.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut r = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r
    }

    async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T> {
        let bytes = self.send_raw(req).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            ClientError::Protocol(format!("the server's answer could not be read: {e}"))
        })
    }

    /// Sends a request and returns the body of a success as it came.
    ///
    /// A `429` was not processed, so the request is sent again, whatever
    /// its method, after the `Retry-After` the server gives (1 s when it
    /// gives none), up to [`MAX_RATE_RETRIES`] times; a request whose body
    /// cannot be sent twice (a stream) is not.
    async fn send_raw(&self, req: RequestBuilder) -> Result<Vec<u8>> {
        let mut req = req;
        let mut tries = 0;
        let response = loop {
            let again = req.try_clone();
            let response = req
                .send()
                .await
                .map_err(|e| ClientError::from_transport(&self.base, e))?;
            let wait = retry_after(&response);
            match (again, wait) {
                (Some(again), Some(wait))
                    if response.status() == StatusCode::TOO_MANY_REQUESTS
                        && tries < MAX_RATE_RETRIES =>
                {
                    tries += 1;
                    self.waiting(wait, tries);
                    tokio::time::sleep(wait).await;
                    req = again;
                }
                _ => break response,
            }
        };
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::from_transport(&self.base, e))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        let problem: Option<Problem> = serde_json::from_slice(&bytes).ok();
        if problem.is_none() && status == StatusCode::NOT_FOUND {
            return Err(ClientError::Unreachable {
                url: self.base.clone(),
                cause: "it answered, but not as a safedesk API (HTTP 404 without a problem \
                        report); check the address"
                    .into(),
            });
        }
        Err(ClientError::from_status(status, problem))
    }

    async fn get<T: DeserializeOwned, Q: Serialize + ?Sized>(
        &self,
        path: &str,
        query: &Q,
    ) -> Result<T> {
        self.send(self.request(Method::GET, path).query(query))
            .await
    }

    /// Every item of a paged list at `path`, following the cursors, up to
    /// `max`. `query` holds the filters; the page size and cursor are added.
    async fn all_pages<T: DeserializeOwned, Q: Serialize + ?Sized>(
        &self,
        path: &str,
        query: &Q,
        max: usize,
    ) -> Result<Vec<T>> {
        let limit = 1000.min(max as i64).max(1);
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut req = self
                .request(Method::GET, path)
                .query(query)
                .query(&[("limit", limit)]);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let page: Page<T> = self.send(req).await?;
            out.extend(page.items);
            match page.next {
                Some(next) if out.len() < max => cursor = Some(next),
                _ => break,
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// `GET /health`: whether the server and its database answer.
    pub async fn health(&self) -> Result<Health> {
        self.get("/health", &()).await
    }

    /// Reports a new incident.
    pub async fn create_incident(&self, new: &NewIncident) -> Result<Incident> {
        self.send(self.request(Method::POST, "/incidents").json(new))
            .await
    }

    /// One page of incidents, newest first.
    pub async fn incidents(&self, q: &IncidentQuery) -> Result<Page<Incident>> {
        self.get("/incidents", q).await
    }

    /// Every incident that matches, following the pages, up to `max`.
    pub async fn all_incidents(&self, q: &IncidentQuery, max: usize) -> Result<Vec<Incident>> {
        let mut q = q.clone();
        q.limit = Some(q.limit.unwrap_or(1000).min(max as i64).max(1));
        let mut out = Vec::new();
        loop {
            let page = self.incidents(&q).await?;
            out.extend(page.items);
            match page.next {
                Some(next) if out.len() < max => q.cursor = Some(next),
                _ => break,
            }
        }
        out.truncate(max);
        Ok(out)
    }

    /// One incident with its timeline.
    pub async fn incident(&self, id: i64) -> Result<Incident> {
        self.incident_revealed(id, false).await
    }

    /// One incident; with `reveal`, the caller's phone unmasked (audited;
    /// dispatchers and admins only).
    pub async fn incident_revealed(&self, id: i64, reveal: bool) -> Result<Incident> {
        self.get(&format!("/incidents/{id}"), &Reveal::from(reveal))
            .await
    }

    /// Teams to send to an incident, best first.
    pub async fn suggestions(&self, id: i64) -> Result<Vec<Suggestion>> {
        self.get(&format!("/incidents/{id}/suggestions"), &()).await
    }

    /// Takes one step of an incident. With `expected_version`, the step
    /// fails with a conflict when someone changed the incident first.
    pub async fn step(
        &self,
        id: i64,
        step: &Transition,
        expected_version: Option<i64>,
    ) -> Result<Incident> {
        let path = format!("/incidents/{id}/{}", step.name());
        self.post_step(&path, step, expected_version).await
    }

    /// Posts a step to `path` (`…/{id}/{action}`): the step's fields without
    /// its `action`, which the path names, and `If-Match` when a version is
    /// expected.
    async fn post_step<S: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        step: &S,
        expected_version: Option<i64>,
    ) -> Result<T> {
        let mut body = serde_json::to_value(step).unwrap_or_default();
        if let Some(map) = body.as_object_mut() {
            map.remove("action");
        }
        let mut req = self.request(Method::POST, path).json(&body);
        if let Some(v) = expected_version {
            req = req.header(reqwest::header::IF_MATCH, format!("\"{v}\""));
        }
        self.send(req).await
    }

    /// Every team that matches, following the pages.
    pub async fn teams(&self, q: &TeamQuery) -> Result<Vec<Team>> {
        let mut q = q.clone();
        q.limit = Some(1000);
        let mut out = Vec::new();
        loop {
            let page: Page<Team> = self.get("/teams", &q).await?;
            out.extend(page.items);
            match page.next {
                Some(next) => q.cursor = Some(next),
                None => break,
            }
        }
        Ok(out)
    }

    /// One team by code.
    pub async fn team(&self, code: &str) -> Result<Team> {
        self.team_revealed(code, false).await
    }

    /// One team; with `reveal`, its phone unmasked (audited; dispatchers
    /// and admins only).
    pub async fn team_revealed(&self, code: &str, reveal: bool) -> Result<Team> {
        self.get(&format!("/teams/{}", encode(code)), &Reveal::from(reveal))
            .await
    }

    /// One elevator by rescue code.
    pub async fn elevator(&self, code: &str) -> Result<Elevator> {
        self.get(&format!("/elevators/{}", encode(code)), &()).await
    }

    /// One page of elevators.
    pub async fn elevators(&self, q: &ElevatorQuery) -> Result<Page<Elevator>> {
        self.get("/elevators", q).await
    }

    /// Incident figures.
    pub async fn stats(&self, q: &StatsQuery) -> Result<Vec<IncidentStats>> {
        self.get("/stats/incidents", q).await
    }

    /// Issues a token.
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        expires_in_days: Option<i64>,
    ) -> Result<IssuedToken> {
        let body =
            serde_json::json!({ "name": name, "role": role, "expires_in_days": expires_in_days });
        self.send(self.request(Method::POST, "/tokens").json(&body))
            .await
    }

    /// Every token.
    pub async fn tokens(&self) -> Result<Vec<TokenRecord>> {
        self.get("/tokens", &()).await
    }

    /// Revokes a token by id.
    pub async fn revoke_token(&self, id: i64) -> Result<TokenRecord> {
        self.send(self.request(Method::DELETE, &format!("/tokens/{id}")))
            .await
    }

    /// Checks plates against every list at once: one request for up to
    /// [`MAX_CHECK`](crate::model::plate::MAX_CHECK) plates, one per batch
    /// of that size beyond, answers in the order asked.
    pub async fn check_plates(&self, plates: &[String]) -> Result<Vec<PlateCheck>> {
        let mut answers = Vec::with_capacity(plates.len());
        for batch in plates.chunks(crate::model::plate::MAX_CHECK) {
            let body = CheckRequest {
                plates: batch.to_vec(),
            };
            let part: Vec<PlateCheck> = self
                .send(self.request(Method::POST, "/plates/check").json(&body))
                .await?;
            answers.extend(part);
        }
        Ok(answers)
    }

    /// Takes one step on the illegal-operation list.
    pub async fn blacklist_step(&self, step: &BlacklistStep) -> Result<BlacklistEntry> {
        let body = serde_json::json!({
            "to": step.to,
            "reason": step.reason,
            "evidence": step.evidence,
        });
        let path = format!("/blacklist/{}/{}", encode(&step.plate), step.action);
        self.send(self.request(Method::POST, &path).json(&body))
            .await
    }

    /// One vehicle on the illegal-operation list, with its history.
    pub async fn blacklist_entry(&self, plate: &str) -> Result<BlacklistEntry> {
        self.get(&format!("/blacklist/{}", encode(plate)), &())
            .await
    }

    /// Every vehicle on the illegal-operation list that matches, following
    /// the pages, up to `max`.
    pub async fn blacklist(&self, q: &BlacklistQuery, max: usize) -> Result<Vec<BlacklistEntry>> {
        let mut q = q.clone();
        q.limit = None;
        q.cursor = None;
        self.all_pages("/blacklist", &q, max).await
    }

    /// Records a muck-truck violation.
    pub async fn add_violation(&self, new: &NewViolation) -> Result<Violation> {
        self.send(self.request(Method::POST, "/muck/violations").json(new))
            .await
    }

    /// Muck-truck violations, newest first; of one truck with `plate`.
    pub async fn violations(&self, plate: Option<&str>, limit: i64) -> Result<Vec<Violation>> {
        let q = serde_json::json!({ "plate": plate, "limit": limit });
        self.get("/muck/violations", &q).await
    }

    /// A muck truck's pass at `at` (now when absent).
    pub async fn muck_pass(
        &self,
        plate: &str,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Pass> {
        let q = serde_json::json!({ "at": at.map(|t| t.to_rfc3339()) });
        self.get(&format!("/muck/passes/{}", encode(plate)), &q)
            .await
    }

    /// The live event stream, resuming after `after` (or from now).
    pub fn events(&self, after: Option<i64>) -> EventStream {
        stream::EventStream::start(self.clone(), "/events", after)
    }

    /// Opens the server-sent events at `path` (`/events`, `/alerts/stream`).
    fn stream_request(&self, path: &str, after: Option<i64>) -> RequestBuilder {
        let mut r = self
            .stream_http
            .get(format!("{}/api/v1{path}", self.base))
            .header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        if let Some(id) = after {
            r = r.header("Last-Event-ID", id.to_string());
        }
        r
    }
}

/// How long a `429` asks to wait: `Retry-After` in seconds (1 s when
/// absent); `None` for any other answer, or a wait over [`MAX_RETRY_AFTER`].
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    if response.status() != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    let secs = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(1);
    let wait = Duration::from_secs(secs);
    (wait <= MAX_RETRY_AFTER).then_some(wait)
}

impl Client {
    /// Says that a rate-limited request waits before it is sent again.
    fn waiting(&self, wait: Duration, attempt: u32) {
        if self.say_waits && wait > Duration::from_secs(1) {
            eprintln!(
                "safedesk: the server asks this token to slow down (HTTP 429); waiting {} s, \
                 then sending again ({attempt} of {MAX_RATE_RETRIES})",
                wait.as_secs()
            );
        } else {
            tracing::info!(
                wait_secs = wait.as_secs(),
                attempt,
                "rate limited; waiting to send again"
            );
        }
    }
}

/// `?reveal=true`, or nothing.
#[derive(Serialize)]
pub(crate) struct Reveal {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    reveal: bool,
}

impl From<bool> for Reveal {
    fn from(reveal: bool) -> Reveal {
        Reveal { reveal }
    }
}

/// Escapes a path segment.
fn encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether a status means the caller should retry later.
pub fn is_retryable(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}
