//! Network work of the board: each command runs in its own tokio task and
//! reports back through the board's channel, so the screen never waits on
//! the network.

use crate::client::{Client, ClientError, IncidentQuery, StreamItem, TeamQuery};
use crate::model::Suggestion;
use crate::model::{Incident, NewIncident, Team, Transition};
use tokio::sync::mpsc;
use tracing::instrument::WithSubscriber;

/// How many incidents one snapshot reads at most.
const SNAPSHOT_MAX: usize = 5000;

/// Network work that [`super::action::apply`] asks for.
#[derive(Debug, Clone)]
pub enum Command {
    /// Read the open incidents, today's incidents and all teams.
    LoadSnapshot,
    /// Read one incident with its timeline.
    FetchIncident(i64),
    /// Read the teams suggested for an incident.
    FetchSuggestions(i64),
    /// Take a step, expecting the incident to be at `version`.
    Step {
        /// The incident.
        id: i64,
        /// The step.
        step: Transition,
        /// The version the dispatcher saw.
        version: i64,
    },
    /// Report a new incident.
    Create(NewIncident),
}

/// What the network reports back.
#[derive(Debug, Clone)]
pub enum NetMsg {
    /// An item of the live event stream.
    Stream(StreamItem),
    /// The snapshot loaded after the stream connected.
    Snapshot {
        /// Open incidents, and today's.
        incidents: Vec<Incident>,
        /// Every team.
        teams: Vec<Team>,
    },
    /// One incident, with its timeline.
    Detail(Incident),
    /// Suggested teams for an incident, best first.
    Suggestions {
        /// The incident.
        id: i64,
        /// The teams.
        teams: Vec<Suggestion>,
    },
    /// A step was taken.
    Stepped {
        /// The step's name.
        step: &'static str,
        /// The incident after it.
        incident: Incident,
    },
    /// A new incident was reported.
    Created(Incident),
    /// The server refused a step with 409: someone changed the incident
    /// first, or the team asked for is no longer free.
    Conflict {
        /// The incident.
        id: i64,
        /// The version that was sent.
        sent_version: i64,
        /// The server's sentence.
        detail: String,
        /// The record as it is now (an incident or a team), if sent.
        current: Option<serde_json::Value>,
    },
    /// Some work failed; `what` says which.
    Failed {
        /// The incident concerned, if any.
        id: Option<i64>,
        /// What was being done, e.g. `dispatch incident 12`.
        what: String,
        /// The client's sentence.
        error: String,
    },
}

/// Runs `command` in a task that sends its result to `tx`.
pub fn spawn(client: &Client, command: Command, tx: mpsc::Sender<NetMsg>) {
    let client = client.clone();
    let work = async move {
        let msg = execute(&client, command).await;
        // The board has gone when the channel is closed; nothing to report to.
        let _ = tx.send(msg).await;
    };
    tokio::spawn(work.with_current_subscriber());
}

/// Forwards the live event stream to `tx` until the board closes the channel.
pub fn follow(client: &Client, tx: mpsc::Sender<NetMsg>) -> tokio::task::JoinHandle<()> {
    let mut events = client.events(None);
    let work = async move {
        while let Some(item) = events.next().await {
            match &item {
                StreamItem::Reconnecting { reason, retry_in } => {
                    tracing::warn!(%reason, ?retry_in, "event stream dropped");
                }
                StreamItem::Failed(reason) => tracing::error!(%reason, "event stream refused"),
                StreamItem::Connected => tracing::info!("event stream connected"),
                StreamItem::Event(e) => tracing::debug!(id = e.id, kind = %e.kind, "event"),
            }
            if tx.send(NetMsg::Stream(item)).await.is_err() {
                return;
            }
        }
    };
    tokio::spawn(work.with_current_subscriber())
}

async fn execute(client: &Client, command: Command) -> NetMsg {
    match command {
        Command::LoadSnapshot => snapshot(client).await,
        Command::FetchIncident(id) => match client.incident(id).await {
            Ok(incident) => NetMsg::Detail(incident),
            Err(e) => failed(Some(id), format!("read incident {id}"), e),
        },
        Command::FetchSuggestions(id) => match client.suggestions(id).await {
            Ok(teams) => NetMsg::Suggestions { id, teams },
            Err(e) => failed(Some(id), format!("suggest teams for incident {id}"), e),
        },
        Command::Step { id, step, version } => {
            tracing::info!(id, step = step.name(), version, "step");
            match client.step(id, &step, Some(version)).await {
                Ok(incident) => NetMsg::Stepped {
                    step: step.name(),
                    incident,
                },
                Err(ClientError::Conflict { detail, current }) => NetMsg::Conflict {
                    id,
                    sent_version: version,
                    detail,
                    current,
                },
                Err(e) => failed(Some(id), format!("{} incident {id}", step.name()), e),
            }
        }
        Command::Create(new) => match client.create_incident(&new).await {
            Ok(incident) => NetMsg::Created(incident),
            Err(e) => failed(None, format!("report rescue code {}", new.rescue_code), e),
        },
    }
}

async fn snapshot(client: &Client) -> NetMsg {
    let open = IncidentQuery {
        status: Some("open".into()),
        ..Default::default()
    };
    let today = IncidentQuery {
        day: Some(crate::model::time::today().format("%Y-%m-%d").to_string()),
        ..Default::default()
    };
    let loaded = async {
        let mut incidents = client.all_incidents(&open, SNAPSHOT_MAX).await?;
        incidents.extend(client.all_incidents(&today, SNAPSHOT_MAX).await?);
        let teams = client.teams(&TeamQuery::default()).await?;
        Ok::<_, ClientError>((incidents, teams))
    };
    match loaded.await {
        Ok((incidents, teams)) => {
            tracing::info!(incidents = incidents.len(), teams = teams.len(), "snapshot");
            NetMsg::Snapshot { incidents, teams }
        }
        Err(e) => failed(None, "load the incidents".into(), e),
    }
}

fn failed(id: Option<i64>, what: String, e: ClientError) -> NetMsg {
    tracing::warn!(%what, error = %e, "request failed");
    // Only the first line: the status line has room for one, and the
    // client's hints about flags (--api, --token) are for the CLI.
    let error = e.to_string().lines().next().unwrap_or_default().to_string();
    NetMsg::Failed { id, what, error }
}
