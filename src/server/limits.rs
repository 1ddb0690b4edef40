//! What one caller may ask of the server: how large a request body may be
//! (per route), how many requests a token may make (a token bucket per
//! token), and how long a client may take to send a request.
//!
//! - **Body size.** [`BODY_LIMITS`] gives the routes that take more than
//!   [`DEFAULT_BODY_LIMIT`]; a larger body gets `413` as problem JSON that
//!   names the limit, before anything is read when `Content-Length` says so.
//! - **Rate.** Each token has a bucket of `burst` requests that refills at
//!   `per_sec`; an empty bucket answers `429` with `Retry-After`. Health and
//!   the event stream are exempt. The buckets live in this server's memory,
//!   so behind a load balancer each replica counts on its own.
//! - **Slow clients.** The request head must arrive within
//!   [`Timeouts::header`] (idle keep-alive connections close after it too),
//!   and a request must be read and answered within [`Timeouts::request`]
//!   (`408`). The event stream's response starts at once and is not cut.

use super::{ApiError, App};
use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The largest body a route not in [`BODY_LIMITS`] takes (1 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The largest bulk-import batch (16 MiB).
pub const IMPORT_BATCH_LIMIT: usize = 16 * 1024 * 1024;

/// Routes that take more than [`DEFAULT_BODY_LIMIT`]: method, path as the
/// router writes it (as in `access::ROUTES`), and the largest body in bytes.
pub const BODY_LIMITS: &[(Method, &str, usize)] = &[
    (
        Method::POST,
        "/api/v1/vessels/{id}/photos",
        crate::model::vessel::MAX_PHOTO_BYTES,
    ),
    (
        Method::POST,
        "/api/v1/imports/{kind}/batches",
        IMPORT_BATCH_LIMIT,
    ),
    // 10,000 plates a request; about 120 KB, with room for spaces.
    (Method::POST, "/api/v1/plates/check", 2 * 1024 * 1024),
    // 10,000 passages a request; about 1.3 MB.
    (Method::POST, "/api/v1/passages", 4 * 1024 * 1024),
];

/// The largest body `(method, path)` takes.
pub fn body_limit(method: &Method, path: &str) -> usize {
    BODY_LIMITS
        .iter()
        .find(|(m, p, _)| m == method && *p == path)
        .map_or(DEFAULT_BODY_LIMIT, |(_, _, n)| *n)
}

/// Whether the rate limit leaves `(method, path)` alone: the health check
/// (public anyway) and the event streams (`…/events`, `…/stream`), which a
/// client opens once and holds.
pub fn rate_exempt(method: &Method, path: &str) -> bool {
    *method == Method::GET
        && (path == "/api/v1/health" || path.ends_with("/events") || path.ends_with("/stream"))
}

/// A size in words: `10 MB`, `256 KB`, `100 bytes`.
pub fn size_words(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// How long a client may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From the connection opening (or the last response) to the end of
    /// the request head.
    pub header: Duration,
    /// From the request head to the start of the response, which includes
    /// reading the body.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header: Duration::from_secs(15),
            request: Duration::from_secs(120),
        }
    }
}

/// A request rate per token: `burst` requests at once, refilled at
/// `per_sec` a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests a second, sustained.
    pub per_sec: f64,
    /// Requests a token may make at once after being idle.
    pub burst: f64,
}

impl RateLimit {
    /// The default of `safedesk serve`: 2,000 requests a second per token,
    /// 4,000 at once. A script checking 1,000 plates a second one request
    /// each, and an import, stay well under it.
    pub const DEFAULT: RateLimit = RateLimit {
        per_sec: 2000.0,
        burst: 4000.0,
    };

    /// `per_sec` a second, with a burst of two seconds' worth.
    pub fn per_second(per_sec: f64) -> RateLimit {
        RateLimit {
            per_sec,
            burst: (per_sec * 2.0).max(1.0),
        }
    }
}

/// `N/s`, `N/min`, or a bare `N` (a second); `off` for none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateSetting(pub Option<RateLimit>);

impl FromStr for RateSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if matches!(s, "off" | "none" | "0") {
            return Ok(RateSetting(None));
        }
        let (n, per) = match s.split_once('/') {
            Some((n, unit)) => match unit.trim() {
                "s" | "sec" | "second" => (n, 1.0),
                "m" | "min" | "minute" => (n, 60.0),
                other => {
                    return Err(format!(
                        "`{other}` is not a unit of time; write N/s or N/min (e.g. 2000/s), \
                         or off"
                    ));
                }
            },
            None => (s, 1.0),
        };
        match n.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && n > 0.0 => {
                Ok(RateSetting(Some(RateLimit::per_second(n / per))))
            }
            _ => Err(format!(
                "`{s}` is not a rate; write N/s or N/min with N above 0 (e.g. 2000/s), or off"
            )),
        }
    }
}

/// Beyond this many buckets, the full ones are forgotten (a full bucket is
/// what a new one would be).
const MAX_BUCKETS: usize = 100_000;

/// The buckets of every token seen, keyed by the SHA-256 of the token.
#[derive(Debug, Default)]
pub struct Limiter {
    rate: Option<RateLimit>,
    buckets: Mutex<HashMap<[u8; 32], Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Limiter {
    /// A limiter at `rate`; `None` limits nothing.
    pub fn new(rate: Option<RateLimit>) -> Limiter {
        Limiter {
            rate,
            buckets: Mutex::default(),
        }
    }

    /// The rate it enforces.
    pub fn rate(&self) -> Option<RateLimit> {
        self.rate
    }

    /// Takes one request from `key`'s bucket; when it is empty, how long
    /// until it holds one again.
    pub fn take(&self, key: &[u8; 32]) -> Result<(), Duration> {
        let Some(rate) = self.rate else {
            return Ok(());
        };
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.at).as_secs_f64() * rate.per_sec < rate.burst
            });
        }
        let b = buckets.entry(*key).or_insert(Bucket {
            tokens: rate.burst,
            at: now,
        });
        let refilled = now.duration_since(b.at).as_secs_f64() * rate.per_sec;
        b.tokens = (b.tokens + refilled).min(rate.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / rate.per_sec))
        }
    }
}

/// The `429` for a token whose bucket is empty: `Retry-After` in whole
/// seconds, at least 1.
pub fn too_many(rate: Option<RateLimit>, wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let per = rate.map_or(0.0, |r| r.per_sec);
    ApiError::too_many_requests(
        format!(
            "this token made more than {per} requests a second (the server's --rate-limit); \
             wait {secs} s, as Retry-After says, and try again"
        ),
        secs,
    )
    .into_response()
}

/// The route's body limit and the request timeout, applied to every route
/// of the table; a plain `413` from an extractor becomes problem JSON.
pub async fn guard(State(app): State<App>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let method = req.method().clone();
    let limit = body_limit(&method, &path);
    let too_large = || {
        ApiError::too_large(format!(
            "the request body is larger than {size}: {method} {path} takes at most {size}; \
             send less (split a long list into smaller requests)",
            size = size_words(limit)
        ))
        .into_response()
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > limit as u64) {
        // Read the body away first (up to a bound, in the time a request
        // has): a client still sending when the connection closes sees a
        // broken pipe, not this answer.
        if n <= DRAIN_MAX {
            let within = app.limits.timeouts.request;
            let _ = tokio::time::timeout(within, drain(req.into_body())).await;
        }
        let mut r = too_large();
        r.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
        return r;
    }
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(parts, Body::new(http_body_util::Limited::new(body, limit)));

    let response = if rate_exempt(&method, &path) {
        next.run(req).await
    } else {
        let within = app.limits.timeouts.request;
        match tokio::time::timeout(within, next.run(req)).await {
            Ok(r) => r,
            Err(_) => {
                tracing::warn!(%method, route = %path, "request timed out");
                return ApiError::timeout(format!(
                    "the request was not sent and answered within {} s; send it again \
                     (a slow link: send smaller requests)",
                    within.as_secs()
                ))
                .into_response();
            }
        }
    };
    // An extractor that met the limit answers 413 in its own words (plain
    // text from axum); every 413 says the route's limit the same way.
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large();
    }
    response
}

/// The largest body read away to answer 413 in an orderly way; a larger
/// one gets the answer at once and the connection closed.
const DRAIN_MAX: u64 = 64 * 1024 * 1024;

/// Reads a body to its end, keeping nothing.
async fn drain(mut body: Body) {
    use http_body_util::BodyExt;
    while let Some(Ok(_)) = body.frame().await {}
}

/// What [`App`] keeps of the limits.
#[derive(Debug, Default)]
pub struct Limits {
    /// The per-token request rate.
    pub rate: Limiter,
    /// How long a client may take.
    pub timeouts: Timeouts,
}

/// Serves `router` on `listener` over HTTP/1.1 until `shutdown` completes,
/// then lets connections finish their requests in flight. Unlike
/// `axum::serve`, a connection that does not send its request head within
/// `header_timeout` is closed.
pub async fn serve_connections<L>(
    mut listener: L,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    use tokio::sync::watch;

    let (signal_tx, signal_rx) = watch::channel(());
    tokio::spawn(async move {
        shutdown.await;
        drop(signal_rx);
    });
    let (close_tx, close_rx) = watch::channel(());
    loop {
        let (io, _addr) = tokio::select! {
            conn = listener.accept() => conn,
            _ = signal_tx.closed() => break,
        };
        let io = TokioIo::new(io);
        let service = TowerToHyperService::new(router.clone());
        let signal_tx = signal_tx.clone();
        let close_rx = close_rx.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let conn = builder.serve_connection(io, service).with_upgrades();
            let mut conn = std::pin::pin!(conn);
            let mut closed = std::pin::pin!(signal_tx.closed());
            let mut stopping = false;
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, "connection ended");
                        }
                        break;
                    }
                    // Polled once only: a finished future must not be
                    // polled again.
                    _ = &mut closed, if !stopping => {
                        stopping = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(close_rx);
        });
    }
    drop(close_rx);
    drop(listener);
    close_tx.closed().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(
            "2000/s".parse::<RateSetting>().unwrap().0,
            Some(RateLimit::per_second(2000.0))
        );
        assert_eq!(
            "60/min".parse::<RateSetting>().unwrap().0,
            Some(RateLimit::per_second(1.0))
        );
        assert_eq!(
            "5".parse::<RateSetting>().unwrap().0,
            Some(RateLimit::per_second(5.0))
        );
        assert_eq!("off".parse::<RateSetting>().unwrap().0, None);
        assert!("fast".parse::<RateSetting>().is_err());
        assert!("5/fortnight".parse::<RateSetting>().is_err());
        assert!("-1/s".parse::<RateSetting>().is_err());
    }

    #[test]
    fn a_bucket_empties_and_refills() {
        let l = Limiter::new(Some(RateLimit {
            per_sec: 10.0,
            burst: 3.0,
        }));
        let k = [1u8; 32];
        for _ in 0..3 {
            l.take(&k).unwrap();
        }
        let wait = l.take(&k).unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(
            l.take(&[2u8; 32]).is_ok(),
            "another token has its own bucket"
        );
        std::thread::sleep(Duration::from_millis(120));
        assert!(l.take(&k).is_ok());
        assert!(Limiter::new(None).take(&k).is_ok());
    }

    #[test]
    fn limits_by_route() {
        assert_eq!(
            body_limit(&Method::POST, "/api/v1/vessels/{id}/photos"),
            10 * 1024 * 1024
        );
        assert_eq!(
            body_limit(&Method::POST, "/api/v1/incidents"),
            DEFAULT_BODY_LIMIT
        );
        assert_eq!(size_words(10 * 1024 * 1024), "10 MB");
        assert_eq!(size_words(1024), "1 KB");
        assert_eq!(size_words(1000), "1000 bytes");
    }
}
