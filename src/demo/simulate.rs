//! The demo's simulated world: callers, rescue teams and, without the
//! board, a dispatcher. Everything goes through the REST API with its own
//! token, like any other client.
//!
//! Delays follow the provincial report: arrival 13.6 minutes on average
//! from the call, 5.0 minutes of rescue on site; 82 calls a day.

use crate::client::{Client, StreamItem};
use crate::model::{Incident, IncidentStatus, NewIncident, Transition};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::time::Duration;

/// Mean arrival time from the call, in seconds (report: 13.6 min).
const MEAN_ARRIVAL: f64 = 13.6 * 60.0;
/// Mean time on site until release, in seconds (report: 5.0 min).
const MEAN_RESCUE: f64 = 5.0 * 60.0;
/// Calls a day across the province (report: 82).
const CALLS_PER_DAY: f64 = 82.0;

/// Turns simulated seconds into real waits at a given speed.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    speed: f64,
}

impl Pace {
    /// A pace `speed` times faster than real time.
    pub fn new(speed: f64) -> Pace {
        Pace {
            speed: speed.max(0.001),
        }
    }

    /// The real wait for `secs` simulated seconds.
    pub fn real(self, secs: f64) -> Duration {
        Duration::from_secs_f64((secs / self.speed).max(0.05))
    }
}

/// A draw from a log-normal distribution with the given mean and shape.
fn lognormal(rng: &mut StdRng, mean: f64, sigma: f64) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    let mu = mean.ln() - sigma * sigma / 2.0;
    (mu + sigma * z).exp()
}

/// The simulated callers, teams and (optionally) dispatcher.
pub struct Simulator {
    client: Client,
    pace: Pace,
    lifts: Vec<String>,
    dispatcher: bool,
}

impl Simulator {
    /// A simulator for `client`'s server; `dispatcher` makes it take the
    /// dispatcher's steps too (dispatch and close).
    pub fn new(client: Client, pace: Pace, lifts: Vec<String>, dispatcher: bool) -> Simulator {
        Simulator {
            client,
            pace,
            lifts,
            dispatcher,
        }
    }

    /// Runs until aborted.
    pub async fn run(self) {
        let callers = tokio::spawn(callers(self.client.clone(), self.pace, self.lifts.clone()));
        self.teams().await;
        callers.abort();
    }

    /// Watches the event stream and moves each incident on after a delay.
    async fn teams(self) {
        let mut rng = StdRng::seed_from_u64(333);
        let mut scheduled: HashSet<(i64, IncidentStatus)> = HashSet::new();
        let mut stream = self.client.events(None);
        while let Some(item) = stream.next().await {
            let StreamItem::Event(event) = item else {
                continue;
            };
            if event.kind != "incident" {
                continue;
            }
            let Ok(incident) = serde_json::from_value::<Incident>(event.data) else {
                continue;
            };
            if !scheduled.insert((incident.id, incident.status)) {
                continue;
            }
            let Some((step, delay)) = self.next_step(&incident, &mut rng) else {
                continue;
            };
            let client = self.client.clone();
            let wait = self.pace.real(delay);
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                // The dispatcher at the board may have moved it first; then
                // the stale version is refused and the team stays put.
                if let Err(e) = client
                    .step(incident.id, &step, Some(incident.version))
                    .await
                {
                    tracing::debug!(id = incident.id, error = %e, "simulated step not taken");
                }
            });
        }
    }

    /// The next step for an incident and how many simulated seconds later.
    fn next_step(&self, i: &Incident, rng: &mut StdRng) -> Option<(Transition, f64)> {
        match i.status {
            IncidentStatus::Reported if self.dispatcher => Some((
                Transition::Dispatch { team: None },
                rng.random_range(30.0..150.0),
            )),
            IncidentStatus::Dispatched => {
                let since_call = i
                    .dispatched_at
                    .map(|d| (d - i.reported_at).num_seconds() as f64)
                    .unwrap_or(0.0);
                let arrival = lognormal(rng, MEAN_ARRIVAL, 0.45).max(180.0);
                Some((Transition::Arrive, (arrival - since_call).max(60.0)))
            }
            IncidentStatus::OnScene => {
                let rescue = lognormal(rng, MEAN_RESCUE, 0.5).max(45.0);
                Some((Transition::Release { freed: None }, rescue))
            }
            IncidentStatus::Released if self.dispatcher => {
                Some((Transition::Close, rng.random_range(300.0..1200.0)))
            }
            _ => None,
        }
    }
}

/// Calls come in at random, 82 a day on average.
async fn callers(client: Client, pace: Pace, lifts: Vec<String>) {
    const NOTES: [&str; 6] = [
        "轿厢停在两层之间",
        "门区外困人",
        "乘客情绪稳定",
        "轿厢内有异响",
        "停电后困人",
        "",
    ];
    let mut rng = StdRng::seed_from_u64(96333);
    if lifts.is_empty() {
        return;
    }
    loop {
        let mean_gap = 86_400.0 / CALLS_PER_DAY;
        let gap = -mean_gap * rng.random_range(f64::EPSILON..1.0f64).ln();
        tokio::time::sleep(pace.real(gap)).await;
        let trapped = match rng.random_range(0..10) {
            0..=5 => 1,
            6..=8 => 2,
            _ => rng.random_range(3..6),
        };
        let vulnerable = match rng.random_range(0..10) {
            0 => vec!["elderly".to_string()],
            1 => vec!["child".to_string()],
            _ => Vec::new(),
        };
        let new = NewIncident {
            rescue_code: lifts[rng.random_range(0..lifts.len())].clone(),
            trapped,
            vulnerable,
            caller: Some(format!(
                "13{}",
                rng.random_range(100_000_000u64..999_999_999)
            )),
            note: Some(NOTES[rng.random_range(0..NOTES.len())].to_string())
                .filter(|n| !n.is_empty()),
        };
        if let Err(e) = client.create_incident(&new).await {
            tracing::warn!(error = %e, "simulated call not taken");
        }
    }
}
