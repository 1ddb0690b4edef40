//! `safedesk import KIND FILE…`: registers from offices' CSV and XLSX files,
//! in batches the server commits once each.

use super::exit::{CliError, CliResult, Exit};
use super::output::{Column, Format, printable};
use super::settings::Settings;
use crate::client::ClientError;
use crate::import::read::{EncodingChoice, ReadOptions};
use crate::import::upload::{self, ImportError, Job, Outcome, Progress};
use crate::model::import::{Field, FieldType, Kind};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a file holds.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// The LPG cylinder register
    Cylinders,
    /// Elevators and their rescue codes
    Elevators,
    /// Rescue teams
    Teams,
    /// Three-no vessels from a register
    Vessels,
    /// Gantry passages (ETC records)
    Passages,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Cylinders => Kind::Cylinders,
            KindArg::Elevators => Kind::Elevators,
            KindArg::Teams => Kind::Teams,
            KindArg::Vessels => Kind::Vessels,
            KindArg::Passages => Kind::Passages,
        }
    }
}

/// How to decode a CSV file.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EncodingArg {
    /// UTF-8 with or without a BOM, else GB18030 (which covers GBK)
    Auto,
    /// UTF-8
    #[value(name = "utf-8")]
    Utf8,
    /// GB18030, GBK or GB2312
    Gb18030,
}

/// Options of `safedesk import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What the files hold
    #[arg(value_enum)]
    pub kind: KindArg,
    /// CSV, TSV or XLSX files; each is its own run
    #[arg(value_name = "FILE", required_unless_present = "columns")]
    pub files: Vec<PathBuf>,
    /// List the fields, the headers accepted for each, and which are required
    #[arg(long, conflicts_with = "files")]
    pub columns: bool,
    /// The worksheet of an XLSX file [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The text encoding of a CSV file
    #[arg(long, value_enum, default_value = "auto", value_name = "ENC")]
    pub encoding: EncodingArg,
    /// Check every row and report what would change; store nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Write refused rows to this CSV file (UTF-8 with BOM), with the row
    /// number a spreadsheet shows and the reason
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
    /// Stop once more than N rows were refused
    #[arg(long, value_name = "N")]
    pub max_rejects: Option<u64>,
    /// Rows per batch; each batch is committed as a whole
    #[arg(
        long,
        default_value_t = 10_000,
        value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..=50_000)
    )]
    pub batch_size: u64,
    /// Continue a run that broke off (the id it printed); the file must be
    /// the same
    #[arg(long, value_name = "RUN")]
    pub resume: Option<String>,
    /// Take owner credit codes that fail their check character (some early
    /// codes do); each one taken is named in the audit log
    #[arg(long)]
    pub accept_bad_uscc: bool,
}

/// One line of the summary.
#[derive(Debug, Serialize)]
struct Summary {
    file: String,
    run_id: String,
    dry_run: bool,
    rows: u64,
    inserted: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    complete: bool,
}

/// Runs `safedesk import`.
pub async fn run(args: ImportArgs, settings: &Settings) -> CliResult {
    let kind = Kind::from(args.kind);
    if args.columns {
        return list_columns(kind, settings);
    }
    if args.resume.is_some() && args.files.len() > 1 {
        return Err(CliError::usage(
            "--resume continues one run: give exactly one file",
        ));
    }
    let client = settings.client()?;
    let mut summaries = Vec::new();
    let mut refused = Vec::new();
    let mut unreadable = 0;
    let mut stopped = None;
    for path in &args.files {
        let job = job(&args, kind, path);
        let mut progress = Report::new(settings.printer.quiet, path);
        let outcome = upload::run(&client, &job, &mut progress).await;
        progress.finish();
        match outcome {
            Ok(outcome) => {
                summaries.push(summary(path, &outcome, args.dry_run));
                say_done(settings, path, &outcome, progress.started.elapsed());
                refused.push((path.clone(), outcome));
            }
            // One file of several that cannot be read: the others go on.
            Err(ImportError::File(text)) if args.files.len() > 1 => {
                eprintln!("error: {text}");
                unreadable += 1;
            }
            Err(e) => {
                stopped = Some(failed(e, kind, path));
                break;
            }
        }
    }
    if let Some(errors) = &args.errors {
        write_errors(errors, &refused)?;
    }
    if !summaries.is_empty() {
        print_summaries(settings, &summaries)?;
    }
    if let Some(err) = stopped {
        return Err(err);
    }
    if unreadable > 0 {
        return Err(CliError::invalid(format!(
            "{unreadable} of {} files could not be read; nothing of them was stored",
            args.files.len()
        )));
    }
    let rejected: u64 = summaries.iter().map(|s| s.rejected).sum();
    if rejected > 0 {
        let hint = match &args.errors {
            Some(p) => format!("they are in {}", p.display()),
            None => "pass --errors FILE to get them with their reasons".into(),
        };
        return Err(CliError::new(
            Exit::Failure,
            format!(
                "{rejected} {} refused; {hint}",
                if rejected == 1 {
                    "row was"
                } else {
                    "rows were"
                }
            ),
        ));
    }
    Ok(())
}

fn job(args: &ImportArgs, kind: Kind, path: &Path) -> Job {
    let encoding = match args.encoding {
        EncodingArg::Auto => EncodingChoice::Auto,
        EncodingArg::Utf8 => EncodingChoice::Utf8,
        EncodingArg::Gb18030 => EncodingChoice::Gb18030,
    };
    Job {
        kind,
        path: path.to_path_buf(),
        read: ReadOptions {
            encoding,
            sheet: args.sheet.clone(),
            delimiter: None,
        },
        batch_size: args.batch_size,
        dry_run: args.dry_run,
        accept_bad_uscc: args.accept_bad_uscc,
        resume: args.resume.clone(),
        max_rejects: args.max_rejects,
    }
}

fn failed(e: ImportError, kind: Kind, path: &Path) -> CliError {
    match e {
        ImportError::File(text) => CliError::invalid(text),
        ImportError::Server { run_id, source } => {
            // A run the server does not know cannot be continued.
            let resumable = !matches!(source, ClientError::NotFound(_));
            let mut err = CliError::from(source);
            if let Some(run) = run_id.filter(|_| resumable) {
                err.message.push_str(&format!(
                    "\n  hint: rows already sent are safe; continue with \
                     `safedesk import {} {} --resume {run}`",
                    kind.as_str(),
                    path.display()
                ));
            }
            err
        }
    }
}

fn summary(path: &Path, o: &Outcome, dry_run: bool) -> Summary {
    Summary {
        file: path.display().to_string(),
        run_id: o.run_id.clone(),
        dry_run,
        rows: o.rows,
        inserted: o.inserted,
        updated: o.updated,
        unchanged: o.unchanged,
        rejected: o.refused.len() as u64,
        complete: !o.stopped_early,
    }
}

fn say_done(settings: &Settings, path: &Path, o: &Outcome, took: Duration) {
    let p = &settings.printer;
    let rate = o.rows as f64 / took.as_secs_f64().max(0.001);
    p.note(&format!(
        "{}: {} rows in {:.1} s ({:.0} rows/s), run {}",
        path.display(),
        o.rows,
        took.as_secs_f64(),
        rate,
        o.run_id
    ));
    if o.skipped_batches > 0 {
        p.note(&format!(
            "{} batches were already committed by the run before",
            o.skipped_batches
        ));
    }
    if o.stopped_early {
        p.note("stopped early: more rows were refused than --max-rejects allows");
    }
}

fn print_summaries(settings: &Settings, rows: &[Summary]) -> CliResult {
    let p = &settings.printer;
    match p.format {
        Format::Json => p.json(rows),
        _ => p.list(
            rows,
            &[
                Column::new("FILE", |s: &Summary| s.file.clone()),
                Column::new("RUN", |s| s.run_id.clone()),
                Column::new("ROWS", |s| s.rows.to_string()),
                Column::new("INSERTED", |s| s.inserted.to_string()),
                Column::new("UPDATED", |s| s.updated.to_string()),
                Column::new("UNCHANGED", |s| s.unchanged.to_string()),
                Column::new("REJECTED", |s| s.rejected.to_string()),
                Column::new("NOTE", |s| {
                    match (s.dry_run, s.complete) {
                        (true, _) => "dry run: nothing stored",
                        (false, false) => "stopped early",
                        _ => "",
                    }
                    .to_string()
                }),
            ],
        ),
    }
}

/// The errors file: UTF-8 with a BOM so a spreadsheet opens it, one line
/// per refused row with the row number, the field, the reason, then the
/// row as the file had it.
fn write_errors(path: &Path, files: &[(PathBuf, Outcome)]) -> CliResult {
    let cannot = |e: &dyn std::fmt::Display| {
        CliError::new(
            Exit::Failure,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let mut out = std::fs::File::create(path).map_err(|e| cannot(&e))?;
    out.write_all("\u{feff}".as_bytes())
        .map_err(|e| cannot(&e))?;
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    let headers = files
        .first()
        .map(|(_, o)| o.headers.clone())
        .unwrap_or_default();
    let mut head = vec![
        "文件".to_string(),
        "行号".into(),
        "字段".into(),
        "原因".into(),
    ];
    head.extend(headers);
    w.write_record(&head).map_err(|e| cannot(&e))?;
    for (file, outcome) in files {
        let name = file.display().to_string();
        for r in &outcome.refused {
            let mut record = vec![
                name.clone(),
                r.rejection.line.to_string(),
                r.rejection.field.clone().unwrap_or_default(),
                r.rejection.reason.clone(),
            ];
            record.extend(r.cells.iter().map(|c| defuse(c)));
            w.write_record(&record).map_err(|e| cannot(&e))?;
        }
    }
    w.flush().map_err(|e| cannot(&e))
}

/// A cell a spreadsheet would run as a formula gets a leading apostrophe.
fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn list_columns(kind: Kind, settings: &Settings) -> CliResult {
    #[derive(Serialize)]
    struct Row {
        field: &'static str,
        header: &'static str,
        aliases: Vec<&'static str>,
        kind: String,
        required: bool,
        key: bool,
    }
    let rows: Vec<Row> = kind
        .fields()
        .iter()
        .map(|f: &Field| Row {
            field: f.name,
            header: f.label,
            aliases: f.aliases.to_vec(),
            kind: type_name(f.ty),
            required: f.required,
            key: f.name == kind.key().name,
        })
        .collect();
    settings.printer.list(
        &rows,
        &[
            Column::new("FIELD", |r: &Row| r.field.to_string()),
            Column::new("HEADER", |r| r.header.to_string()),
            Column::new("ALSO", |r| printable(&r.aliases.join(" "))),
            Column::new("TYPE", |r| r.kind.clone()),
            Column::new("NEEDED", |r| {
                match (r.key, r.required) {
                    (true, _) => "key",
                    (false, true) => "new records",
                    _ => "",
                }
                .to_string()
            }),
        ],
    )
}

fn type_name(ty: FieldType) -> String {
    match ty {
        FieldType::Text => "text".into(),
        FieldType::Id => "identifier".into(),
        FieldType::Date => "date".into(),
        FieldType::DateTime => "time".into(),
        FieldType::Decimal => "number".into(),
        FieldType::Uscc => "credit code".into(),
        FieldType::ResidentId => "resident ID".into(),
        FieldType::Phone => "phone".into(),
        FieldType::City => "city".into(),
        FieldType::RescueCode => "rescue code".into(),
        FieldType::Choice(c) => c
            .values()
            .iter()
            .map(|(_, label)| *label)
            .collect::<Vec<_>>()
            .join("/"),
    }
}

/// Progress on stderr: a bar on a terminal, a plain line every few seconds
/// otherwise, nothing under `-q`.
struct Report {
    bar: Option<indicatif::ProgressBar>,
    plain: bool,
    started: Instant,
    last_line: Instant,
    name: String,
}

impl Report {
    fn new(quiet: bool, path: &Path) -> Report {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {human_pos}/{human_len} rows {per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style.progress_chars("=> "));
            bar.set_message(path.display().to_string());
            bar
        });
        Report {
            bar,
            plain: !quiet && !terminal,
            started: Instant::now(),
            last_line: Instant::now(),
            name: path.display().to_string(),
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Report {
    fn total(&mut self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(rows);
        }
    }

    fn done(&mut self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(rows);
        } else if self.plain && self.last_line.elapsed() >= Duration::from_secs(2) {
            self.last_line = Instant::now();
            let rate = rows as f64 / self.started.elapsed().as_secs_f64().max(0.001);
            eprintln!("{}: {rows} rows ({rate:.0} rows/s)", self.name);
        }
    }

    fn note(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None if self.plain => eprintln!("{}: {text}", self.name),
            None => {}
        }
    }
}
