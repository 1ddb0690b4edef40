//! The store: every SQL query lives here, behind one [`Store`].
//!
//! One set of `$1`-placeholder queries runs on SQLite (the embedded
//! default) and PostgreSQL through sqlx's `Any` driver. Times are kept as
//! epoch milliseconds, so both dialects compare and subtract them alike.

mod audit;
mod blacklist;
mod cylinders;
mod events;
mod imports;
mod incidents;
mod muck;
mod notices;
mod passages;
mod plates;
mod registers;
mod reveal;
mod schema;
mod screen;
mod tokens;
mod vessels;

pub use audit::{AuditFilter, GENESIS};
pub use blacklist::BlacklistFilter;
pub use cylinders::CylinderFilter;
pub use imports::MAX_BATCH_ROWS;
pub use incidents::{HistoricIncident, IncidentFilter};
pub use notices::NoticeFilter;
pub use passages::PassageFilter;
pub use registers::{ElevatorFilter, TeamFilter};
pub use reveal::Column as PersonalColumn;
pub use vessels::{HistoricVessel, VesselFilter};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded file database.
    Sqlite,
    /// A shared PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The name shown in `health`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// What can go wrong in the store, in terms the API can answer with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Someone changed the record first, or it is held by something else.
    #[error("{detail}")]
    Conflict {
        /// What conflicts, in a sentence.
        detail: String,
        /// The record as it stands now.
        current: Option<serde_json::Value>,
    },
    /// The request asks for something the rules forbid.
    #[error("{0}")]
    Invalid(String),
    /// The database failed; logged, never sent to the client.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// A result from the store.
pub type Result<T> = std::result::Result<T, Error>;

/// The handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where write transactions run: one connection on SQLite, the same
    /// pool on PostgreSQL.
    writer: AnyPool,
    backend: Backend,
    url: std::sync::Arc<str>,
}

impl Store {
    /// Opens the SQLite database file at `path`, creating it if needed.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Store::connect(&url).await
    }

    /// Connects to `sqlite://…` or `postgres://…` and brings the schema up
    /// to date.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let options = AnyConnectOptions::from_str(url)?;
        let connections = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = pool_options(backend, connections, "")
            .connect_with(options.clone())
            .await?;
        // SQLite has one writer at a time whatever we do; giving it one
        // connection of its own keeps that connection's page cache warm
        // from one write to the next (a write through another connection
        // would make it read its pages again), and writers queue here
        // instead of on the file lock.
        let writer = match backend {
            Backend::Sqlite => {
                pool_options(
                    backend,
                    1,
                    "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384;",
                )
                .connect_with(options)
                .await?
            }
            Backend::Postgres => pool.clone(),
        };
        let store = Store {
            pool,
            writer,
            backend,
            url: url.into(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The database URL, for a connection of its own (PostgreSQL's LISTEN).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection; pending writes are already committed.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead
    /// of failing with "database is locked" when one upgrades a read.
    async fn write(&self) -> Result<Transaction<'static, Any>> {
        let tx = match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }
}

/// Pool options for `backend`; `extra` is run on each new SQLite connection
/// after the settings every connection gets.
fn pool_options(backend: Backend, connections: u32, extra: &'static str) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // WAL lets readers run beside the one writer; the busy
                    // timeout makes a second writer wait instead of failing.
                    let settings = format!(
                        "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000; \
                         PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; {extra}"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(settings))
                        .execute(conn)
                        .await?;
                }
                Ok(())
            })
        })
}

/// A value bound to a query built at run time.
#[derive(Debug, Clone)]
enum Bind {
    Int(i64),
    Real(f64),
    Text(String),
}

/// Binds `binds` in order to `query`.
fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    binds: &[Bind],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    for b in binds {
        query = match b {
            Bind::Int(i) => query.bind(*i),
            Bind::Real(r) => query.bind(*r),
            Bind::Text(s) => query.bind(s.clone()),
        };
    }
    query
}
