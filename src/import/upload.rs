//! From a file to the server: map the headers to a kind's fields, turn each
//! cell into canonical text, cut the rows into numbered batches and send
//! them in order, keeping what was refused and why.
//!
//! Reading runs on a thread of its own, a batch or two ahead of the
//! sending, so the file is read while the server commits. Batches are cut
//! the same way every time the same file is read, which is what lets a
//! broken run be resumed: batches the server already committed are not
//! sent again.

use super::read::{self, Cell, ReadOptions, Row, Table};
use super::value;
use crate::client::{Client, ClientError};
use crate::model::import::{Batch, BatchResult, Field, FieldType, Kind, NewRun, Rejection, Run};
use chrono::{NaiveDateTime, TimeZone};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What to import and how.
#[derive(Debug, Clone)]
pub struct Job {
    /// What the file holds.
    pub kind: Kind,
    /// The file.
    pub path: PathBuf,
    /// How to read it.
    pub read: ReadOptions,
    /// Rows per batch.
    pub batch_size: u64,
    /// Check everything, store nothing.
    pub dry_run: bool,
    /// Take credit codes that fail their check.
    pub accept_bad_uscc: bool,
    /// Continue this run instead of starting one.
    pub resume: Option<String>,
    /// Stop once more rows than this were refused.
    pub max_rejects: Option<u64>,
}

/// Why an import could not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read at all, or does not fit the kind.
    #[error("{0}")]
    File(String),
    /// The server refused or could not be reached.
    #[error("{source}")]
    Server {
        /// The run, when one was started: it can be resumed.
        run_id: Option<String>,
        /// What went wrong.
        source: ClientError,
    },
}

/// A refused row, with the cells it had, for the errors file.
#[derive(Debug, Clone)]
pub struct Refused {
    /// Why.
    pub rejection: Rejection,
    /// The row as the file has it.
    pub cells: Vec<String>,
}

/// How far an import has got, for progress reports.
pub trait Progress: Send {
    /// Rows in the file, roughly (line count), once known.
    fn total(&mut self, rows: u64);
    /// Rows handled so far.
    fn done(&mut self, rows: u64);
    /// A remark for the operator (columns ignored and the like).
    fn note(&mut self, text: &str);
}

/// The end of an import.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The run, for `--resume` and the audit log.
    pub run_id: String,
    /// The file's headers, for the errors file.
    pub headers: Vec<String>,
    /// Rows read from the file.
    pub rows: u64,
    /// New records.
    pub inserted: u64,
    /// Changed records.
    pub updated: u64,
    /// Records already so.
    pub unchanged: u64,
    /// Rows refused, in file order.
    pub refused: Vec<Refused>,
    /// Batches committed by an earlier attempt and not sent again.
    pub skipped_batches: u64,
    /// True when `max_rejects` stopped it early.
    pub stopped_early: bool,
}

/// How the file's columns map to the kind's fields.
#[derive(Debug, Clone)]
struct Columns {
    /// For each field sent, the index of its column in the file.
    sent: Vec<(usize, &'static Field)>,
    headers: Vec<String>,
    date_1904: bool,
}

/// One batch as it leaves the reader: what is sent, what was refused on
/// the way, and the cells of every row to write a refusal out.
struct Cut {
    batch: Batch,
    refused: Vec<Refused>,
    cells: HashMap<u64, Vec<String>>,
    read_rows: u64,
    /// Roughly the size of the batch's body.
    bytes: usize,
}

/// A batch is cut early when its body would pass this, well under the
/// server's limit, however wide the rows.
const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Imports one file, reporting progress as it goes.
pub async fn run(
    client: &Client,
    job: &Job,
    progress: &mut dyn Progress,
) -> Result<Outcome, ImportError> {
    let kind = job.kind;
    let table = open(job)?;
    let columns = map_columns(kind, &table)?;
    for h in ignored(kind, &columns) {
        progress.note(&format!(
            "column `{h}` is not a {} field; it is ignored",
            kind.as_str()
        ));
    }
    let (fingerprint, lines) = fingerprint(&job.path)?;
    progress.total(lines.saturating_sub(table.header_line()));
    let run = start_or_resume(client, job, &columns, fingerprint).await?;
    progress.note(&format!(
        "{} run {} ({}, header on row {})",
        if job.resume.is_some() {
            "resuming"
        } else {
            "started"
        },
        run.run_id,
        table.encoding(),
        table.header_line()
    ));
    let committed: HashMap<u64, BatchResult> = run
        .batches
        .iter()
        .map(|b| (b.batch_no, b.clone()))
        .collect();
    let mut outcome = Outcome {
        run_id: run.run_id.clone(),
        headers: columns.headers.clone(),
        ..Outcome::default()
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Cut, ImportError>>(2);
    let reader = spawn_reader(table, columns, run.run_id.clone(), run.spec.batch_size, tx);
    while let Some(cut) = rx.recv().await {
        let cut = cut?;
        let refused = outcome.refused.len() + cut.refused.len();
        if job.max_rejects.is_some_and(|max| refused as u64 > max) {
            // Refused on the way already: send nothing more.
            outcome.rows += cut.read_rows;
            outcome.refused.extend(cut.refused);
            outcome.stopped_early = true;
            break;
        }
        let result = match committed.get(&cut.batch.batch_no) {
            Some(done) => {
                outcome.skipped_batches += 1;
                done.clone()
            }
            None => send(client, kind, &cut.batch)
                .await
                .map_err(|source| ImportError::Server {
                    run_id: Some(run.run_id.clone()),
                    source,
                })?,
        };
        account(&mut outcome, cut, result);
        progress.done(outcome.rows);
        if job
            .max_rejects
            .is_some_and(|max| outcome.refused.len() as u64 > max)
        {
            outcome.stopped_early = true;
            break;
        }
    }
    drop(rx);
    // The reader ends by itself once the channel is closed.
    let _ = reader.await;
    outcome.refused.sort_by_key(|r| r.rejection.line);
    Ok(outcome)
}

fn open(job: &Job) -> Result<Table, ImportError> {
    let kind = job.kind;
    read::open(&job.path, &job.read, &|cells| kind.is_header(cells)).map_err(|e| {
        let text = e.to_string();
        if text.contains("header") {
            ImportError::File(format!(
                "{text}; a {} file needs a header row naming {} and other fields \
                 (`safedesk import {} --columns` lists them)",
                kind.as_str(),
                kind.key().label,
                kind.as_str()
            ))
        } else {
            ImportError::File(text)
        }
    })
}

/// Matches the file's headers to fields; the key must be there, and no
/// field twice.
fn map_columns(kind: Kind, table: &Table) -> Result<Columns, ImportError> {
    let headers = table.headers().to_vec();
    let mut sent: Vec<(usize, &'static Field)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let Some(field) = kind.field_for_header(h) else {
            continue;
        };
        if let Some((j, _)) = sent.iter().find(|(_, f)| f.name == field.name) {
            return Err(ImportError::File(format!(
                "columns `{}` and `{h}` both mean {} ({}); remove one of them",
                headers[*j], field.label, field.name
            )));
        }
        sent.push((i, field));
    }
    if !sent.iter().any(|(_, f)| f.name == kind.key().name) {
        return Err(ImportError::File(format!(
            "the file has no {} column: {} are matched by it, so a re-import \
             can update them; add the column",
            kind.key().label,
            kind.as_str()
        )));
    }
    Ok(Columns {
        sent,
        headers,
        date_1904: table.date_1904(),
    })
}

fn ignored(kind: Kind, columns: &Columns) -> Vec<String> {
    columns
        .headers
        .iter()
        .filter(|h| kind.field_for_header(h).is_none())
        .cloned()
        .collect()
}

/// A digest of the file's bytes, and its line count for the progress bar.
fn fingerprint(path: &Path) -> Result<(String, u64), ImportError> {
    let cannot =
        |e: std::io::Error| ImportError::File(format!("cannot read {}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut lines = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(cannot)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((digest, lines))
}

async fn start_or_resume(
    client: &Client,
    job: &Job,
    columns: &Columns,
    fingerprint: String,
) -> Result<Run, ImportError> {
    let server = |run_id: Option<String>| move |source| ImportError::Server { run_id, source };
    let names: Vec<String> = columns
        .sent
        .iter()
        .map(|(_, f)| f.name.to_string())
        .collect();
    let Some(run_id) = &job.resume else {
        let spec = NewRun {
            source: job
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            fingerprint,
            columns: names,
            batch_size: job.batch_size,
            dry_run: job.dry_run,
            accept_bad_uscc: job.accept_bad_uscc,
        };
        return client
            .start_import(job.kind, &spec)
            .await
            .map_err(server(None));
    };
    let run = client
        .import_run(job.kind, run_id)
        .await
        .map_err(server(Some(run_id.clone())))?;
    if run.spec.fingerprint != fingerprint || run.spec.columns != names {
        return Err(ImportError::File(format!(
            "{} is not the file run `{run_id}` was importing ({}): it has changed since; \
             import it again without --resume",
            job.path.display(),
            run.spec.source
        )));
    }
    Ok(run)
}

/// Sends a batch, retrying a few times when the network or the server
/// fails: the server commits a batch once, so sending it again is safe.
async fn send(client: &Client, kind: Kind, batch: &Batch) -> Result<BatchResult, ClientError> {
    let mut wait = Duration::from_millis(250);
    let mut tries = 0;
    loop {
        match client.import_batch(kind, batch).await {
            Err(e) if transient(&e) && tries < 5 => {
                tries += 1;
                tracing::warn!(batch = batch.batch_no, "batch failed, retrying: {e}");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            other => return other,
        }
    }
}

/// Failures that may pass: the network, a busy or failing server.
fn transient(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::Unreachable { .. }
            | ClientError::Server { .. }
            | ClientError::Busy(_)
            | ClientError::Protocol(_)
    )
}

fn account(outcome: &mut Outcome, mut cut: Cut, result: BatchResult) {
    outcome.rows += cut.read_rows;
    outcome.inserted += result.inserted;
    outcome.updated += result.updated;
    outcome.unchanged += result.unchanged;
    outcome.refused.append(&mut cut.refused);
    for rejection in result.rejected {
        let cells = cut.cells.remove(&rejection.line).unwrap_or_default();
        outcome.refused.push(Refused { rejection, cells });
    }
}

fn spawn_reader(
    table: Table,
    columns: Columns,
    run_id: String,
    batch_size: u64,
    tx: tokio::sync::mpsc::Sender<Result<Cut, ImportError>>,
) -> tokio::task::JoinHandle<()> {
    tokio::task::spawn_blocking(move || {
        let mut cutter = Cutter::new(columns, run_id, batch_size);
        for item in table {
            if let Err(e) = &item
                && e.fatal
            {
                // The rest cannot be read: send what was, then stop.
                let text =
                    format!("{e}; the rows before it were imported, nothing after it was read");
                let _ = tx.blocking_send(Ok(cutter.finish()));
                let _ = tx.blocking_send(Err(ImportError::File(text)));
                return;
            }
            if let Some(cut) = cutter.push(item)
                && tx.blocking_send(Ok(cut)).is_err()
            {
                return;
            }
        }
        let _ = tx.blocking_send(Ok(cutter.finish()));
    })
}

/// Cuts rows into batches.
struct Cutter {
    columns: Columns,
    run_id: String,
    batch_size: usize,
    next_no: u64,
    current: Cut,
}

impl Cutter {
    fn new(columns: Columns, run_id: String, batch_size: u64) -> Cutter {
        let current = Cutter::empty(&run_id, 1);
        Cutter {
            columns,
            run_id,
            batch_size: batch_size as usize,
            next_no: 1,
            current,
        }
    }

    fn empty(run_id: &str, batch_no: u64) -> Cut {
        Cut {
            batch: Batch {
                run_id: run_id.to_string(),
                batch_no,
                lines: Vec::new(),
                rows: Vec::new(),
            },
            refused: Vec::new(),
            cells: HashMap::new(),
            read_rows: 0,
            bytes: 0,
        }
    }

    /// Adds a row; returns a batch when one is full.
    fn push(&mut self, item: Result<Row, read::RowError>) -> Option<Cut> {
        self.current.read_rows += 1;
        match item {
            Err(e) => self.current.refused.push(Refused {
                rejection: Rejection {
                    line: e.line,
                    field: None,
                    reason: e.message,
                },
                cells: Vec::new(),
            }),
            Ok(row) => {
                let cells: Vec<String> = row.cells.iter().map(cell_text).collect();
                match convert(&self.columns, &row) {
                    Ok(values) => {
                        let size: usize = values.iter().flatten().map(|v| v.len() + 4).sum();
                        self.current.bytes += size + 8;
                        self.current.batch.lines.push(row.line);
                        self.current.batch.rows.push(values);
                        self.current.cells.insert(row.line, cells);
                    }
                    Err(rejection) => self.current.refused.push(Refused { rejection, cells }),
                }
            }
        }
        let full = self.current.batch.rows.len() >= self.batch_size
            || self.current.bytes >= MAX_BATCH_BYTES;
        full.then(|| self.cut())
    }

    fn cut(&mut self) -> Cut {
        self.next_no += 1;
        std::mem::replace(&mut self.current, Cutter::empty(&self.run_id, self.next_no))
    }

    /// The last batch, possibly empty (it still carries refusals).
    fn finish(mut self) -> Cut {
        self.cut()
    }
}

/// A cell as text, for the errors file.
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Number(n) => value::format_number(*n),
        Cell::DateTime(dt) => value::format_datetime(dt),
        other => value::text(other).unwrap_or_default(),
    }
}

/// The canonical text of each sent field of a row.
fn convert(columns: &Columns, row: &Row) -> Result<Vec<Option<String>>, Rejection> {
    columns
        .sent
        .iter()
        .map(|(i, field)| {
            let cell = row.cells.get(*i).unwrap_or(&Cell::Empty);
            canonical(field, cell, columns.date_1904).map_err(|reason| Rejection {
                line: row.line,
                field: Some(field.name.to_string()),
                reason: format!("{}: {reason}", field.label),
            })
        })
        .collect()
}

fn canonical(field: &Field, cell: &Cell, date_1904: bool) -> Result<Option<String>, String> {
    if field.ty.is_identifier() {
        return value::identifier(cell);
    }
    match field.ty {
        FieldType::Date => Ok(value::date(cell, date_1904)?.map(|d| d.to_string())),
        FieldType::DateTime => Ok(value::datetime(cell, date_1904)?.map(local_to_rfc3339)),
        FieldType::Decimal => Ok(value::decimal(cell)?.map(value::format_number)),
        _ => Ok(match cell {
            Cell::Number(n) => Some(value::format_number(*n)),
            other => value::text(other),
        }),
    }
}

/// A time written without an offset is the operator's local time.
fn local_to_rfc3339(t: NaiveDateTime) -> String {
    let zone = crate::model::time::operator_zone();
    match zone.from_local_datetime(&t).single() {
        Some(local) => local.to_rfc3339(),
        None => t.and_utc().to_rfc3339(),
    }
}
