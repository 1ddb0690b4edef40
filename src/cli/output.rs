//! The one printer: data to stdout as a table, JSON or CSV; messages to
//! stderr. Tables, JSON and CSV are three renderings of the same rows.

use super::exit::{CliError, CliResult, Exit};
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use serde::Serialize;
use std::io::{IsTerminal, Write};

/// How records are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// The records as the API returns them.
    Json,
    /// Comma-separated, with a header row, for spreadsheets.
    Csv,
}

/// The emphasis a cell asks for; shown in colour only when colour is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// No emphasis.
    Plain,
    /// Needs attention soon (amber).
    Warn,
    /// Needs attention now (red).
    Alert,
    /// Fine (green).
    Good,
}

/// One column of a table: its header, how to read a record's value, and
/// its tone.
pub struct Column<T> {
    /// The header.
    pub header: &'static str,
    /// The cell's text.
    pub value: fn(&T) -> String,
    /// The cell's tone.
    pub tone: fn(&T) -> Tone,
}

impl<T> Column<T> {
    /// A column with no emphasis.
    pub fn new(header: &'static str, value: fn(&T) -> String) -> Column<T> {
        Column {
            header,
            value,
            tone: |_| Tone::Plain,
        }
    }

    /// A column whose cells take a tone from the record.
    pub fn toned(header: &'static str, value: fn(&T) -> String, tone: fn(&T) -> Tone) -> Column<T> {
        Column {
            header,
            value,
            tone,
        }
    }
}

/// Where and how output goes; decided once from the settings.
#[derive(Debug, Clone)]
pub struct Printer {
    /// The data format.
    pub format: Format,
    /// Whether cells may be coloured.
    pub color: bool,
    /// Whether messages on stderr are suppressed.
    pub quiet: bool,
}

/// Writing to a closed pipe (`| head`) is a normal end, not an error.
fn write_out(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Err(CliError::new(Exit::Success, ""))
        }
        Err(e) => Err(e.into()),
    }
}

/// Text with control characters (escape sequences that could move the
/// cursor or retitle the terminal) shown as `�`; line breaks kept.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// Renders a table with two spaces between columns and no trailing blanks.
fn render(mut table: Table) -> String {
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    let mut out = String::new();
    for line in table.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn color_of(tone: Tone) -> Option<Color> {
    match tone {
        Tone::Plain => None,
        Tone::Warn => Some(Color::Yellow),
        Tone::Alert => Some(Color::Red),
        Tone::Good => Some(Color::Green),
    }
}

impl Printer {
    /// A list of records.
    pub fn list<T: Serialize>(&self, items: &[T], columns: &[Column<T>]) -> CliResult {
        match self.format {
            Format::Json => self.json(&items),
            Format::Csv => self.csv(items, columns),
            Format::Table => {
                // Columns with no value in any row are left out.
                let shown: Vec<&Column<T>> = columns
                    .iter()
                    .filter(|c| items.iter().any(|i| !(c.value)(i).is_empty()))
                    .collect();
                let mut table = self.table();
                table.set_header(shown.iter().map(|c| c.header));
                for item in items {
                    table.add_row(
                        shown
                            .iter()
                            .map(|c| self.cell((c.value)(item), (c.tone)(item))),
                    );
                }
                if items.is_empty() {
                    return Ok(());
                }
                write_out(&render(table))
            }
        }
    }

    /// One record: fields down the page in a table, one row in CSV, the
    /// record itself in JSON.
    pub fn record<T: Serialize>(&self, item: &T, fields: &[(&str, String)]) -> CliResult {
        match self.format {
            Format::Json => self.json(item),
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                w.write_record(fields.iter().map(|(k, _)| *k))
                    .and_then(|_| w.write_record(fields.iter().map(|(_, v)| printable(v))))
                    .map_err(|e| CliError::new(Exit::Failure, e.to_string()))?;
                write_out(&String::from_utf8_lossy(
                    &w.into_inner().unwrap_or_default(),
                ))
            }
            Format::Table => {
                let mut table = self.table();
                for (k, v) in fields.iter().filter(|(_, v)| !v.is_empty()) {
                    table.add_row(vec![Cell::new(k), Cell::new(printable(v))]);
                }
                write_out(&render(table))
            }
        }
    }

    /// Any serialisable value as pretty JSON.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> CliResult {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| CliError::new(Exit::Failure, e.to_string()))?;
        write_out(&format!("{text}\n"))
    }

    /// A bare line on stdout (a token, an id).
    pub fn line(&self, text: &str) -> CliResult {
        write_out(&format!("{text}\n"))
    }

    /// A message for the operator on stderr; silent under `-q`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    fn csv<T>(&self, items: &[T], columns: &[Column<T>]) -> CliResult {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut write = || -> csv::Result<()> {
            w.write_record(columns.iter().map(|c| c.header))?;
            for item in items {
                w.write_record(columns.iter().map(|c| printable(&(c.value)(item))))?;
            }
            w.flush()?;
            Ok(())
        };
        write().map_err(|e| CliError::new(Exit::Failure, e.to_string()))?;
        let bytes = w.into_inner().unwrap_or_default();
        write_out(&String::from_utf8_lossy(&bytes))
    }

    fn table(&self) -> Table {
        let mut table = Table::new();
        table.load_style(presets::NOTHING);
        if std::io::stdout().is_terminal() {
            table.set_content_arrangement(ContentArrangement::Dynamic);
        } else {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
        table
    }

    fn cell(&self, text: String, tone: Tone) -> Cell {
        let cell = Cell::new(printable(&text));
        match color_of(tone).filter(|_| self.color) {
            Some(c) => cell.fg(c),
            None => cell,
        }
    }
}
