//! `safedesk demo`: the server on a loopback port with a fresh database
//! seeded from the fixtures, a feed of incidents at the report's rate (82 a
//! day, sped up), simulated teams that move dispatched incidents on, and
//! the board on top.

mod simulate;

use crate::client::Client;
use crate::model::audit::Actor;
use crate::model::{NewIncident, Role};
use crate::server::{self, App};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::TcpListener;

pub use simulate::{Pace, Simulator};

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Where the server listens.
    pub listen: SocketAddr,
    /// The demo's data directory; its database is emptied at start.
    pub data_dir: PathBuf,
    /// How much faster than real time.
    pub speed: f64,
    /// Whether to run the board (else a simulated dispatcher takes calls).
    pub board: bool,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Draw the board without colour.
    pub no_color: bool,
    /// Say nothing on stderr.
    pub quiet: bool,
}

/// The file that marks a directory as the demo's own, safe to empty.
const MARK: &str = ".safedesk-demo";

/// Removes the demo's previous database, so each run starts fresh. A
/// directory that holds anything but an earlier demo is refused: pointing
/// `--data-dir` at a real server's data must not destroy it.
fn wipe(dir: &std::path::Path) -> anyhow::Result<()> {
    let in_use = std::fs::read_dir(dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if in_use && !dir.join(MARK).exists() {
        anyhow::bail!(
            "{} holds data the demo did not make; the demo empties its directory, so give it \
             an empty or new one with --data-dir",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(
        dir.join(MARK),
        "made by safedesk demo; emptied at each demo start\n",
    )?;
    for name in [
        "safedesk.db",
        "safedesk.db-wal",
        "safedesk.db-shm",
        "admin.token",
    ] {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
    }
    Ok(())
}

/// A few calls already waiting when the demo opens, their clocks at 4, 12,
/// 23 and 33 minutes, so the board shows every colour from the first second.
async fn open_calls(store: &crate::store::Store, codes: &[String]) -> anyhow::Result<()> {
    let ages = [33, 23, 12, 4];
    for (n, minutes) in ages.into_iter().enumerate() {
        let Some(code) = codes.get(n * 97 % codes.len().max(1)) else {
            break;
        };
        let new = NewIncident {
            rescue_code: code.clone(),
            trapped: 1 + n as i64 % 3,
            vulnerable: if n == 0 {
                vec!["elderly".into()]
            } else {
                Vec::new()
            },
            caller: Some(format!("1390000{:04}", 1000 + n)),
            note: Some(
                [
                    "轿厢停在两层之间",
                    "门区外困人",
                    "乘客情绪稳定",
                    "有老人心慌",
                ][n]
                    .into(),
            ),
        };
        let at = chrono::Utc::now() - chrono::Duration::minutes(minutes);
        store
            .create_incident_at(&new, Actor::system("96333"), at)
            .await?;
    }
    Ok(())
}

/// Runs the demo until the board is quit, Ctrl-C, or the duration ends.
pub async fn run(opts: DemoOptions) -> anyhow::Result<()> {
    let say = |s: &str| {
        if !opts.quiet {
            eprintln!("{s}");
        }
    };
    wipe(&opts.data_dir)?;
    let store = server::open_store(&opts.data_dir, None).await?;
    let seeded = crate::fixtures::seed(&store).await?;
    crate::fixtures::seed_highway(&store).await?;
    crate::fixtures::seed_passages(&store).await?;
    crate::fixtures::seed_maritime(&store).await?;
    let lifts: Vec<String> = crate::fixtures::elevators()?
        .into_iter()
        .filter(|e| e.registration_code.starts_with("31"))
        .map(|e| e.rescue_code)
        .collect();
    open_calls(&store, &lifts).await?;
    server::first_start(&store, &opts.data_dir).await?;
    let (sim_token, _) = store
        .create_token("simulator", Role::Dispatcher, None, Actor::system("demo"))
        .await?;
    let (desk_token, _) = store
        .create_token("dispatcher", Role::Dispatcher, None, Actor::system("demo"))
        .await?;

    let listener = TcpListener::bind(opts.listen).await.with_context(|| {
        format!(
            "cannot listen on {} (is another safedesk running?)",
            opts.listen
        )
    })?;
    let addr = listener.local_addr()?;
    let api = format!("http://{addr}");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_task = tokio::spawn(server::serve(listener, App::new(store.clone()), async {
        let _ = stop_rx.await;
    }));
    say(&format!(
        "demo: serving {api}/api/v1 with {} elevators, {} teams and {} closed incidents of 2026-11",
        seeded.elevators, seeded.teams, seeded.incidents
    ));
    let default_place =
        opts.listen.port() == 9633 && opts.data_dir == server::default_data_dir().join("demo");
    let token_hint = if default_place {
        String::new()
    } else {
        format!(
            " --token \"$(cat {})\"",
            opts.data_dir.join("admin.token").display()
        )
    };
    say(&format!(
        "demo: data in {}; in another terminal: safedesk --api {api}{token_hint} incident list \
         --status open",
        opts.data_dir.display()
    ));
    say(&format!(
        "demo: feed at {}x: about one call every {:.0} s",
        opts.speed,
        86_400.0 / 82.0 / opts.speed
    ));

    let pace = Pace::new(opts.speed);
    let sim_client = Client::new(&api, Some(sim_token))?;
    let simulator = Simulator::new(sim_client, pace, lifts, !opts.board);
    let sim_task = tokio::spawn(simulator.run());

    let ended = async {
        match opts.duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    let result = if opts.board {
        let client = Client::new(&api, Some(desk_token))?;
        let board = crate::tui::run(
            client,
            crate::tui::BoardOptions {
                api_label: api.clone(),
                log_file: Some(opts.data_dir.join("board.log")),
                no_color: opts.no_color,
            },
        );
        tokio::select! {
            r = board => r,
            _ = ended => Ok(()),
        }
    } else {
        tokio::select! {
            _ = server::shutdown_signal() => Ok(()),
            _ = ended => Ok(()),
        }
    };
    sim_task.abort();
    let _ = stop_tx.send(());
    let _ = server_task.await;
    store.close().await;
    say("demo: stopped");
    result
}
