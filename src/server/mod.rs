//! The REST server: one axum router over the store, with the event stream.
//!
//! [`router`] builds the routes from an [`App`]; [`serve`] runs them on a
//! listener until a shutdown future completes; [`run`] is `safedesk serve`.

mod access;
mod audit;
mod auth;
mod blacklist;
mod error;
mod events;
mod extract;
mod imports;
mod incidents;
pub mod limits;
mod lists;
mod muck;
mod notices;
pub mod openapi;
mod passages;
mod plates;
mod registers;
mod relay;
pub mod reveal;
mod screen;
mod stats;
pub mod tls;
mod tokens;
mod vessels;

pub use access::{Access, ROUTES};
pub use auth::Caller;
pub use error::{ApiError, ApiResult};

use crate::model::{Event, Health};
use crate::store::Store;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::routing::{get, post};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// What every handler shares: the store and the live event fan-out.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub store: Store,
    events: broadcast::Sender<Arc<Event>>,
    stopping: watch::Receiver<bool>,
    stop: Arc<watch::Sender<bool>>,
    wake: Arc<tokio::sync::Notify>,
    lists: Arc<lists::Lists>,
    tokens: Arc<auth::TokenCache>,
    limits: Arc<limits::Limits>,
}

impl App {
    /// Wraps a store for serving.
    pub fn new(store: Store) -> App {
        let (events, _) = broadcast::channel(4096);
        let (stop, stopping) = watch::channel(false);
        App {
            store,
            events,
            stopping,
            stop: Arc::new(stop),
            wake: Arc::new(tokio::sync::Notify::new()),
            lists: Arc::default(),
            tokens: Arc::default(),
            limits: Arc::default(),
        }
    }

    /// With a per-token request rate (`None`: no limit, which is what
    /// [`App::new`] starts with) and client timeouts; see [`limits`].
    pub fn with_limits(
        mut self,
        rate: Option<limits::RateLimit>,
        timeouts: limits::Timeouts,
    ) -> App {
        self.limits = Arc::new(limits::Limits {
            rate: limits::Limiter::new(rate),
            timeouts,
        });
        self
    }

    /// Says that events were committed here. The relay reads them from
    /// the events table, in id order, and pushes them to this server's
    /// subscribers; events committed by other replicas reach it the same way.
    /// The events are applied to this server's index of the lists at once,
    /// so a plate check answered after the caller's reply sees the change.
    pub fn publish(&self, events: Vec<Event>) {
        for e in &events {
            self.lists.apply(e);
        }
        if !events.is_empty() {
            self.wake.notify_one();
        }
    }

    /// Ends the event streams, so a graceful shutdown does not wait on them.
    pub fn stop_streams(&self) {
        let _ = self.stop.send(true);
    }
}

/// Every route of the API.
pub fn router(app: App) -> Router {
    let api = Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/events", get(events::stream))
        .route(
            "/api/v1/incidents",
            get(incidents::list).post(incidents::create),
        )
        .route("/api/v1/incidents/{id}", get(incidents::show))
        .route(
            "/api/v1/incidents/{id}/suggestions",
            get(incidents::suggestions),
        )
        .route("/api/v1/incidents/{id}/{action}", post(incidents::step))
        .route("/api/v1/teams", get(registers::teams))
        .route("/api/v1/teams/{code}", get(registers::team))
        .route("/api/v1/elevators", get(registers::elevators))
        .route("/api/v1/elevators/{code}", get(registers::elevator))
        .route("/api/v1/stats/incidents", get(stats::incidents))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route("/api/v1/vessels", get(vessels::list).post(vessels::create))
        .route(
            "/api/v1/vessels/{id}",
            get(vessels::show).patch(vessels::update),
        )
        .route("/api/v1/vessels/{id}/{action}", post(vessels::step))
        .route(
            "/api/v1/vessels/{id}/photos",
            get(vessels::photos)
                .post(vessels::add_photo)
                // Only this route takes a photo-sized body; one byte over
                // the limit lets the handler say "too large" in words.
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::model::vessel::MAX_PHOTO_BYTES + 1,
                )),
        )
        .route("/api/v1/vessels/{id}/photos/{photo}", get(vessels::photo))
        .route("/api/v1/bases", get(vessels::bases))
        .route("/api/v1/bases/{code}", get(vessels::base))
        .route("/api/v1/stats/vessels", get(stats::vessels))
        .route("/api/v1/plates/check", post(plates::check))
        .route("/api/v1/blacklist", get(blacklist::list))
        .route("/api/v1/blacklist/{plate}", get(blacklist::show))
        .route("/api/v1/blacklist/{plate}/{action}", post(blacklist::step))
        .route("/api/v1/muck/violations", get(muck::list).post(muck::add))
        .route("/api/v1/muck/passes/{plate}", get(muck::pass))
        .route("/api/v1/imports/{kind}/runs", post(imports::start))
        .route("/api/v1/imports/{kind}/runs/{run}", get(imports::run))
        .route(
            "/api/v1/imports/{kind}/batches",
            post(imports::batch).layer(axum::extract::DefaultBodyLimit::max(
                imports::BATCH_BODY_LIMIT,
            )),
        )
        .route("/api/v1/cylinders", get(imports::cylinders))
        .route("/api/v1/cylinders/{code}", get(imports::cylinder))
        .route(
            "/api/v1/passages",
            post(passages::store).get(passages::track),
        )
        .route("/api/v1/gantries", get(passages::gantries))
        .route("/api/v1/alerts", get(passages::alerts))
        .route("/api/v1/alerts/stream", get(events::alerts))
        .route(
            "/api/v1/screen/rule",
            get(screen::rule).put(screen::set_rule),
        )
        .route("/api/v1/screen/runs", post(screen::run))
        .route("/api/v1/notices", get(notices::list))
        .route("/api/v1/notices/{id}", get(notices::show))
        .route("/api/v1/notices/{id}/{action}", post(notices::mark))
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/audit/verify", get(audit::verify))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            limits::guard,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::authorise,
        ))
        // `limits::guard` sets each route's body limit.
        .layer(axum::extract::DefaultBodyLimit::disable());
    api.fallback(|| async {
        ApiError::not_found("no such route; the API lives under /api/v1 (see `GET /api/v1/health`)")
    })
    .layer(
        TraceLayer::new_for_http()
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
            .make_span_with(|req: &Request| {
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "unmatched".into());
                tracing::info_span!("request", method = %req.method(), route)
            }),
    )
    .with_state(app)
}

async fn health(State(app): State<App>) -> ApiResult<axum::Json<Health>> {
    app.store.ping().await?;
    Ok(axum::Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database: app.store.backend().as_str().into(),
    }))
}

/// Serves `app` on `listener` until `shutdown` completes, then lets
/// requests in flight finish.
pub async fn serve<L>(
    listener: L,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let streams = app.clone();
    let header_timeout = app.limits.timeouts.header;
    let relay = tokio::spawn(relay::run(app.clone()));
    let routes = router(app);
    let served = limits::serve_connections(listener, routes, header_timeout, async move {
        shutdown.await;
        streams.stop_streams();
    })
    .await;
    relay.abort();
    served
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// The data directory used when none is given: `$XDG_DATA_HOME/safedesk`.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "safedesk")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".safedesk"))
}

/// Opens the store: `db` when given, else SQLite in `data_dir`.
pub async fn open_store(data_dir: &Path, db: Option<&str>) -> anyhow::Result<Store> {
    use anyhow::Context;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data directory {}", data_dir.display()))?;
    let store = match db {
        Some(url) => Store::connect(url)
            .await
            .with_context(|| format!("cannot open the database {}", redact(url)))?,
        None => {
            let path = data_dir.join("safedesk.db");
            Store::open_sqlite(&path)
                .await
                .with_context(|| format!("cannot open the database {}", path.display()))?
        }
    };
    Ok(store)
}

/// A database URL with any password replaced, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &userinfo[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Makes the first admin token if there is none, writes it to
/// `DIR/admin.token` (mode 0600), and says where on stderr.
pub async fn first_start(store: &Store, data_dir: &Path) -> anyhow::Result<()> {
    if let Some(secret) = store.ensure_admin_token().await? {
        let path = data_dir.join("admin.token");
        write_private(&path, &format!("{secret}\n"))?;
        eprintln!(
            "safedesk: first start: the admin token is in {} (readable only by you)",
            path.display()
        );
    }
    Ok(())
}

/// Writes `text` to `path`, readable and writable by the owner only.
pub fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// Options of `safedesk serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the SQLite file and the admin token live.
    pub data_dir: PathBuf,
    /// A database URL instead of SQLite in the data directory.
    pub db: Option<String>,
    /// A PEM certificate chain and private key: serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The per-token request rate; `None` for no limit.
    pub rate_limit: Option<limits::RateLimit>,
}

/// `safedesk serve`: opens the store, makes the first admin token, and
/// serves until Ctrl-C or SIGTERM.
pub async fn run(opts: ServeOptions) -> anyhow::Result<()> {
    use anyhow::Context;
    // Listen first: a taken port fails before anything is written.
    let acceptor = match &opts.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    let listener = TcpListener::bind(opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", opts.listen))?;
    let store = open_store(&opts.data_dir, opts.db.as_deref()).await?;
    first_start(&store, &opts.data_dir).await?;
    let addr = listener.local_addr()?;
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    eprintln!(
        "safedesk: serving {scheme}://{addr}/api/v1 ({})",
        store.backend().as_str()
    );
    tracing::info!(%addr, scheme, db = store.backend().as_str(), "listening");
    let app = App::new(store.clone()).with_limits(opts.rate_limit, limits::Timeouts::default());
    match acceptor {
        Some(a) => serve(tls::TlsListener::new(listener, a)?, app, shutdown_signal()).await?,
        None => serve(listener, app, shutdown_signal()).await?,
    }
    store.close().await;
    Ok(())
}
