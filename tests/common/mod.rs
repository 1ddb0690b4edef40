//! The test harness: a real server on 127.0.0.1:0 with a fresh database,
//! the real client, and the real binary.
//!
//! With `SAFEDESK_TEST_PG` set to a PostgreSQL URL (…/postgres or any
//! database the user may create databases from), each server gets a
//! database of its own, dropped when the test ends; otherwise SQLite in a
//! temporary directory.

#![allow(dead_code)]

use safedesk::client::Client;
use safedesk::model::Role;
use safedesk::model::audit::Actor;
use safedesk::server::limits::{RateLimit, Timeouts};
use safedesk::server::{self, App};
use safedesk::store::Store;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

/// A running server and what a test needs to talk to it.
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http://addr`.
    pub api: String,
    /// An admin token.
    pub admin: String,
    /// The store, for checks behind the API's back.
    pub store: Store,
    /// The data directory.
    pub dir: tempfile::TempDir,
    /// The database URL, to start a second server on the same data.
    pub db_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    pg_database: Option<String>,
    limits: (Option<RateLimit>, Timeouts),
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// The PostgreSQL server to test against, if any.
pub fn pg_url() -> Option<String> {
    std::env::var("SAFEDESK_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
}

async fn admin_pg(base: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(base)
        .await
        .expect("connect to SAFEDESK_TEST_PG");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .expect("admin statement on PostgreSQL");
}

fn with_database(base: &str, db: &str) -> String {
    let cut = base.rfind('/').map(|i| &base[..i]).unwrap_or(base);
    format!("{cut}/{db}")
}

/// An empty database: on PostgreSQL one of its own (its name returned so
/// it can be dropped), else a SQLite file in `dir`.
pub async fn fresh_database(dir: &Path) -> (String, Option<String>) {
    match pg_url() {
        Some(base) => {
            let name = format!(
                "safedesk_test_{}_{}",
                std::process::id(),
                NEXT_DB.fetch_add(1, Ordering::SeqCst)
            );
            admin_pg(&base, &format!("DROP DATABASE IF EXISTS {name}")).await;
            admin_pg(&base, &format!("CREATE DATABASE {name}")).await;
            (with_database(&base, &name), Some(name))
        }
        None => (
            format!("sqlite://{}?mode=rwc", dir.join("safedesk.db").display()),
            None,
        ),
    }
}

/// Drops a database made by [`fresh_database`].
pub async fn drop_database(name: Option<String>) {
    if let (Some(base), Some(db)) = (pg_url(), name) {
        admin_pg(&base, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
    }
}

/// A second server on the same database: a replica behind the same load
/// balancer, sharing nothing with the first but the database.
pub struct Replica {
    /// `http://addr`.
    pub api: String,
    store: Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Replica {
    /// A client with `token`.
    pub fn client(&self, token: &str) -> Client {
        Client::new(&self.api, Some(token.to_string())).unwrap()
    }

    /// Stops serving and closes its connections.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.store.close().await;
    }
}

impl TestServer {
    /// Starts another server on this one's database.
    pub async fn replica(&self) -> Replica {
        let store = Store::connect(&self.db_url).await.expect("replica store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let api = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(server::serve(listener, App::new(store.clone()), async {
            let _ = rx.await;
        }));
        Replica {
            api,
            store,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// A server with teams and elevators from the fixtures.
    pub async fn start() -> TestServer {
        Self::start_with(false).await
    }

    /// A server with the fixtures and the history month of incidents.
    pub async fn start_with_history() -> TestServer {
        Self::start_with(true).await
    }

    /// A server with the fixtures, a per-token request rate and client
    /// timeouts (the others have no rate limit and the default timeouts).
    pub async fn start_limited(rate: Option<RateLimit>, timeouts: Timeouts) -> TestServer {
        let mut server = Self::start_with(false).await;
        server.limits = (rate, timeouts);
        server.restart().await;
        server
    }

    async fn start_with(history: bool) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let (db_url, pg_database) = fresh_database(dir.path()).await;
        let store = Store::connect(&db_url).await.expect("open store");
        store
            .upsert_teams(&safedesk::fixtures::teams().unwrap())
            .await
            .unwrap();
        store
            .upsert_elevators(&safedesk::fixtures::elevators().unwrap())
            .await
            .unwrap();
        safedesk::fixtures::seed_highway(&store).await.unwrap();
        if history {
            store
                .seed_history(&safedesk::fixtures::history().unwrap())
                .await
                .unwrap();
            safedesk::fixtures::seed_maritime(&store).await.unwrap();
        }
        let (admin, _) = store
            .create_token("admin", Role::Admin, None, Actor::system("test"))
            .await
            .unwrap();
        let mut server = TestServer {
            addr: "127.0.0.1:0".parse().unwrap(),
            api: String::new(),
            admin,
            store,
            dir,
            db_url,
            stop: None,
            task: None,
            pg_database,
            limits: (None, Timeouts::default()),
        };
        server.listen("127.0.0.1:0".parse().unwrap()).await;
        server
    }

    async fn listen(&mut self, at: SocketAddr) {
        let listener = tokio::net::TcpListener::bind(at).await.expect("bind");
        self.addr = listener.local_addr().unwrap();
        self.api = format!("http://{}", self.addr);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let app = App::new(self.store.clone()).with_limits(self.limits.0, self.limits.1);
        self.task = Some(tokio::spawn(server::serve(listener, app, async {
            let _ = rx.await;
        })));
        self.stop = Some(tx);
    }

    /// Stops serving (the database stays).
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves again on the same address and database.
    pub async fn restart(&mut self) {
        self.stop().await;
        let at = self.addr;
        self.listen(at).await;
    }

    /// A client with the admin token.
    pub fn client(&self) -> Client {
        Client::new(&self.api, Some(self.admin.clone())).unwrap()
    }

    /// A client with a fresh token of `role`.
    pub async fn client_as(&self, role: Role) -> (Client, String) {
        let (token, _) = self
            .store
            .create_token(&format!("{role}-user"), role, None, Actor::system("test"))
            .await
            .unwrap();
        (Client::new(&self.api, Some(token.clone())).unwrap(), token)
    }

    /// Runs the binary with this server's address and the admin token.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_as(&self.admin, args)
    }

    /// Runs the binary with a given token.
    pub fn run_as(&self, token: &str, args: &[&str]) -> Output {
        bin()
            .env("SAFEDESK_API", &self.api)
            .env("SAFEDESK_TOKEN", token)
            .args(args)
            .output()
            .expect("run safedesk")
    }

    /// The data directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Drops the PostgreSQL database (SQLite goes with the temp dir).
    pub async fn finish(mut self) {
        self.stop().await;
        self.store.close().await;
        drop_database(self.pg_database.take()).await;
    }
}

/// The binary under test, with a clean environment for its settings.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_safedesk"));
    for var in [
        "SAFEDESK_API",
        "SAFEDESK_TOKEN",
        "SAFEDESK_FORMAT",
        "SAFEDESK_DB",
    ] {
        c.env_remove(var);
    }
    let home = std::env::temp_dir().join("safedesk-test-home");
    c.env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("NO_COLOR", "1");
    c
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code.
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Parses stdout as JSON.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            stdout(o),
            stderr(o)
        )
    })
}

/// A path inside the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}
