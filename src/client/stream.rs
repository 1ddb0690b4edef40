//! The live event stream: reconnects with back-off, resumes from the last
//! id it saw, and never hands on the same event twice.

use super::{Client, ClientError};
use crate::model::Event;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the stream reports.
#[derive(Debug, Clone)]
pub enum StreamItem {
    /// Connected (again); events from here on are live.
    Connected,
    /// A change.
    Event(Event),
    /// The connection was lost; it will retry after the given delay.
    Reconnecting {
        /// Why it dropped.
        reason: String,
        /// How long until the next try.
        retry_in: Duration,
    },
    /// It gave up: the server refused the token.
    Failed(String),
}

/// A running stream; dropping it stops the background task.
pub struct EventStream {
    rx: mpsc::Receiver<StreamItem>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Back-off between reconnects: doubles from half a second to ten.
fn backoff(attempt: u32) -> Duration {
    let ms = 500u64.saturating_mul(1 << attempt.min(5));
    Duration::from_millis(ms.min(10_000))
}

impl EventStream {
    /// Follows the server-sent events at `path`, resuming after `after`.
    pub(super) fn start(client: Client, path: &'static str, after: Option<i64>) -> EventStream {
        let (tx, rx) = mpsc::channel(1024);
        let task = tokio::spawn(run(client, path, after, tx));
        EventStream { rx, task }
    }

    /// The next item; `None` once the stream has stopped for good.
    pub async fn next(&mut self) -> Option<StreamItem> {
        self.rx.recv().await
    }
}

async fn run(
    client: Client,
    path: &'static str,
    mut last: Option<i64>,
    tx: mpsc::Sender<StreamItem>,
) {
    let mut attempt = 0u32;
    loop {
        let reason = match connect(&client, path, &mut last, &tx, &mut attempt).await {
            Ok(()) => "the server closed the stream".to_string(),
            Err(ClientError::Unauthorised(d)) | Err(ClientError::Forbidden(d)) => {
                let _ = tx.send(StreamItem::Failed(d)).await;
                return;
            }
            Err(e) => e.to_string(),
        };
        if tx.is_closed() {
            return;
        }
        let retry_in = backoff(attempt);
        attempt += 1;
        let item = StreamItem::Reconnecting { reason, retry_in };
        if tx.send(item).await.is_err() {
            return;
        }
        tokio::time::sleep(retry_in).await;
    }
}

/// One connection: reads events until it drops. `last` moves with every
/// event handed on, so the next connection resumes after it.
async fn connect(
    client: &Client,
    path: &str,
    last: &mut Option<i64>,
    tx: &mpsc::Sender<StreamItem>,
    attempt: &mut u32,
) -> Result<(), ClientError> {
    let response = client
        .stream_request(path, *last)
        .send()
        .await
        .map_err(|e| ClientError::from_transport(client.base(), e))?;
    let status = response.status();
    if !status.is_success() {
        let problem = response.json().await.ok();
        return Err(ClientError::from_status(status, problem));
    }
    let mut events = response.bytes_stream().eventsource();
    while let Some(item) = events.next().await {
        let item =
            item.map_err(|e| ClientError::Protocol(format!("the event stream broke: {e}")))?;
        let id: Option<i64> = item.id.parse().ok();
        if item.event == "ready" {
            // The server's greeting carries the id it resumes from.
            if last.is_none() {
                *last = id;
            }
            *attempt = 0;
            if tx.send(StreamItem::Connected).await.is_err() {
                return Ok(());
            }
            continue;
        }
        let Ok(event) = serde_json::from_str::<Event>(&item.data) else {
            continue;
        };
        if last.is_some_and(|l| event.id <= l) {
            continue;
        }
        *last = Some(event.id);
        if tx.send(StreamItem::Event(event)).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}
