//! Reading an import file: a CSV or Excel file from a county office, turned
//! into a header and a stream of rows.
//!
//! [`open`] tells the format by content (a zip archive is XLSX, an OLE
//! compound file is XLS, anything else must be text), finds the header row
//! among the first 20 rows with the caller's test, and returns a [`Table`]:
//! an iterator of [`Row`]s that reads the file as it goes, with flat memory.
//!
//! Text files are decoded to UTF-8 *before* they are split into fields, so a
//! GBK character whose second byte is `|` never splits a field. The encoding
//! is UTF-8, UTF-16 with a byte-order mark, or GB18030 (a superset of GBK),
//! judged from a generous prefix of the file or forced by the caller. The
//! delimiter is `,`, tab, `|` or `;`, judged on the decoded header line.
//! Workbooks are read with calamine; an XLSX sheet is streamed from a
//! background thread, cell by cell.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use calamine::{Data, DataRef, Reader, Xls, Xlsx};
use chrono::NaiveDateTime;
use encoding_rs::{Decoder, DecoderResult, Encoding, GB18030, UTF_8, UTF_16BE, UTF_16LE};

use super::value;

/// How many rows from the top may hold the header (title rows above it).
pub const HEADER_SEARCH_ROWS: usize = 20;
/// How much of a text file is read to judge its encoding and delimiter.
const SAMPLE_BYTES: usize = 2 << 20;
/// How far past the sample an all-ASCII file is scanned for its first
/// non-ASCII bytes, which tell the encoding.
const ASCII_SCAN_BYTES: u64 = 64 << 20;
/// The delimiters a text file may use, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b'\t', b'|', b';'];
/// Size of the decoder's input and output buffers.
const DECODE_BUFFER: usize = 64 << 10;
/// Rows sent at once from the workbook thread.
const SHEET_BATCH: usize = 256;

/// Which encoding to read a text file in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EncodingChoice {
    /// A byte-order mark decides (UTF-8, UTF-16LE, UTF-16BE); otherwise
    /// UTF-8 when the sampled bytes are valid UTF-8, else GB18030.
    #[default]
    Auto,
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GB18030, which includes GBK and GB2312.
    Gb18030,
}

/// How to read a file; `ReadOptions::default()` guesses everything.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The encoding of a text file; ignored for workbooks.
    pub encoding: EncodingChoice,
    /// The sheet of a workbook, by name (or by 1-based number when no sheet
    /// has that name); `None` for the first sheet. Ignored for text files.
    pub sheet: Option<String>,
    /// The delimiter of a text file; `None` to judge it from the header line.
    pub delimiter: Option<u8>,
}

/// One cell of a data row.
///
/// Text files give only `Empty` and `Text` (the text as written, not
/// trimmed); workbooks also give numbers, dates and booleans. A workbook
/// error value such as `#N/A` is `Text`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing in the cell.
    Empty,
    /// Text, as written.
    Text(String),
    /// A number cell of a workbook (also a time of day or a duration).
    Number(f64),
    /// A date or date-time cell of a workbook, local time, already converted
    /// with the workbook's date system.
    DateTime(NaiveDateTime),
    /// A TRUE/FALSE cell of a workbook.
    Bool(bool),
}

/// One data row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The 1-based number of this data record; blank rows are not counted.
    pub record: u64,
    /// The row number a spreadsheet shows for the record's first line.
    pub line: u64,
    /// Exactly one cell per header; a short row is padded with `Empty`.
    pub cells: Vec<Cell>,
}

/// A row that cannot be read; the table goes on with the next row unless
/// `fatal` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The 1-based number of the record, counted as for [`Row::record`].
    pub record: u64,
    /// The row number a spreadsheet shows for the record's first line.
    pub line: u64,
    /// A sentence that says what is wrong and how to fix it.
    pub message: String,
    /// True when the rest of the file cannot be read; the iterator ends.
    pub fatal: bool,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}: {}", self.line, self.message)
    }
}

impl std::error::Error for RowError {}

/// A file that cannot be read at all. Each message names the file and says
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file does not exist.
    #[error("{} does not exist: check the file name and folder", .path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// Reading failed.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The file has no bytes, or only blank lines.
    #[error("{} is empty: export the list again, with its header row", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// Neither a text file nor a workbook.
    #[error("{} is not a CSV, TSV or Excel file: {reason}", .path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// A workbook that calamine cannot read.
    #[error(
        "{} cannot be read as an Excel workbook ({reason}): open it in Excel, save it \
         again as .xlsx and retry",
        .path.display()
    )]
    Workbook {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// `--sheet` names no sheet of the workbook.
    #[error(
        "{} has no sheet named “{sheet}”; its sheets are: {}. Pass --sheet with one of them",
        .path.display(), .sheets.join(", ")
    )]
    SheetNotFound {
        /// The file.
        path: PathBuf,
        /// The sheet asked for.
        sheet: String,
        /// The sheets there are.
        sheets: Vec<String>,
    },
    /// The bytes fit no encoding the reader knows.
    #[error(
        "{}: {reason}; pass --encoding utf-8 or --encoding gb18030 to read it as one of \
         them, or save it again as CSV UTF-8",
        .path.display()
    )]
    Encoding {
        /// The file.
        path: PathBuf,
        /// What the bytes look like.
        reason: String,
    },
    /// No row among the first 20 is a header.
    #[error(
        "{}: no header row found in the first {HEADER_SEARCH_ROWS} rows (the first row \
         reads “{first_row}”); the header must name the columns of this import",
        .path.display()
    )]
    NoHeader {
        /// The file.
        path: PathBuf,
        /// The first row's cells, joined with ` | ` and shortened.
        first_row: String,
    },
}

/// A header and a stream of data rows; iterate it for the rows.
pub struct Table {
    headers: Vec<String>,
    header_line: u64,
    encoding: &'static str,
    date_1904: bool,
    source: Source,
    record: u64,
    done: bool,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("headers", &self.headers)
            .field("header_line", &self.header_line)
            .field("encoding", &self.encoding)
            .field("date_1904", &self.date_1904)
            .finish_non_exhaustive()
    }
}

impl Table {
    /// The column names: trimmed, without U+FEFF, empty trailing header
    /// cells dropped, an empty header cell before the last named one called
    /// `column_N` (N its 1-based column), and a repeated name suffixed
    /// `_2`, `_3`… (联系电话, 联系电话_2).
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The row number a spreadsheet shows for the header row.
    pub fn header_line(&self) -> u64 {
        self.header_line
    }

    /// How the file was read: "UTF-8", "UTF-8 (BOM)", "GB18030",
    /// "UTF-16LE (BOM)", "UTF-16BE (BOM)", "XLSX" or "XLS".
    pub fn encoding(&self) -> &'static str {
        self.encoding
    }

    /// True when the workbook counts dates from 1904 (pass it to
    /// [`value::date`] for number cells).
    pub fn date_1904(&self) -> bool {
        self.date_1904
    }
}

impl Iterator for Table {
    type Item = Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let width = self.headers.len();
        loop {
            let (line, fitted) = match self.source.next_raw() {
                Raw::End => {
                    self.done = true;
                    return None;
                }
                Raw::Fatal { line, message } => {
                    self.done = true;
                    return Some(Err(self.error(line, message, true)));
                }
                Raw::Bad { line, message } => (line, Err(message)),
                Raw::Text { line } => (line, self.source.csv_cells(width)),
                Raw::Cells { line, cells } => (line, fit_cells(cells, width)),
            };
            match fitted {
                Ok(None) => continue,
                Ok(Some(cells)) => {
                    self.record += 1;
                    return Some(Ok(Row {
                        record: self.record,
                        line,
                        cells,
                    }));
                }
                Err(message) => {
                    self.record += 1;
                    return Some(Err(self.error(line, message, false)));
                }
            }
        }
    }
}

impl Table {
    fn error(&self, line: u64, message: String, fatal: bool) -> RowError {
        RowError {
            record: self.record,
            line,
            message,
            fatal,
        }
    }
}

/// Opens `path` (CSV/TSV/TXT; XLSX/XLSM/XLS by content or extension), finds
/// the header row — the first of the first 20 rows for which
/// `is_header(&cells)` is true, its cells trimmed; title rows above it are
/// skipped — and returns a streaming table.
pub fn open(
    path: &Path,
    opts: &ReadOptions,
    is_header: &dyn Fn(&[String]) -> bool,
) -> Result<Table, ReadError> {
    let mut file = File::open(path).map_err(|e| io_error(path, e))?;
    let (sample, at_eof) = read_up_to(&mut file, SAMPLE_BYTES).map_err(|e| io_error(path, e))?;
    match sniff_format(path, &sample)? {
        Format::Xlsx => open_workbook(path, file, opts, is_header, Book::Xlsx),
        Format::Xls => open_workbook(path, file, opts, is_header, Book::Xls),
        Format::Text => open_text(
            path,
            file,
            Sample {
                bytes: sample,
                at_eof,
            },
            opts,
            is_header,
        ),
    }
}

fn io_error(path: &Path, source: io::Error) -> ReadError {
    let path = path.to_owned();
    match source.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound { path },
        _ => ReadError::Io { path, source },
    }
}

/// Reads up to `limit` bytes; true when the file ended within them.
fn read_up_to(file: &mut impl Read, limit: usize) -> io::Result<(Vec<u8>, bool)> {
    let mut bytes = Vec::with_capacity(limit.min(1 << 16));
    file.take(limit as u64 + 1).read_to_end(&mut bytes)?;
    let at_eof = bytes.len() <= limit;
    bytes.truncate(limit);
    Ok((bytes, at_eof))
}

// ---------------------------------------------------------------- format

enum Format {
    Text,
    Xlsx,
    Xls,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn sniff_format(path: &Path, sample: &[u8]) -> Result<Format, ReadError> {
    if sample.starts_with(ZIP_MAGIC) {
        return Ok(Format::Xlsx);
    }
    if sample.starts_with(OLE_MAGIC) {
        return Ok(Format::Xls);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(
        ext.as_str(),
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" | "et"
    ) {
        return Err(ReadError::UnknownFormat {
            path: path.to_owned(),
            reason: not_a_book(sample),
        });
    }
    if sample.iter().all(u8::is_ascii_whitespace) {
        return Err(ReadError::Empty {
            path: path.to_owned(),
        });
    }
    Ok(Format::Text)
}

fn not_a_book(sample: &[u8]) -> String {
    let start = String::from_utf8_lossy(&sample[..sample.len().min(64)]).to_ascii_lowercase();
    if start.trim_start().starts_with('<') {
        "its name says Excel but it is a web page (HTML) saved under that name; open it in \
         Excel and save it as .xlsx or CSV"
            .to_owned()
    } else if sample.is_empty() {
        "its name says Excel but it is empty; export the list again".to_owned()
    } else {
        "its name says Excel but it is not a workbook (not a zip archive); if it is a text \
         export, rename it to .csv, otherwise save it again from Excel as .xlsx"
            .to_owned()
    }
}

// ---------------------------------------------------------------- encoding

struct Sample {
    bytes: Vec<u8>,
    at_eof: bool,
}

struct Detected {
    encoding: &'static Encoding,
    label: &'static str,
}

fn detect_encoding(
    path: &Path,
    file: &mut File,
    sample: &Sample,
    choice: EncodingChoice,
) -> Result<Detected, ReadError> {
    let bom = Encoding::for_bom(&sample.bytes).map(|(e, _)| e);
    let utf8_label = if bom == Some(UTF_8) {
        "UTF-8 (BOM)"
    } else {
        "UTF-8"
    };
    match (choice, bom) {
        (EncodingChoice::Utf8, _) => Ok(Detected {
            encoding: UTF_8,
            label: utf8_label,
        }),
        (EncodingChoice::Gb18030, _) => Ok(Detected {
            encoding: GB18030,
            label: "GB18030",
        }),
        (EncodingChoice::Auto, Some(e)) if e == UTF_8 => Ok(Detected {
            encoding: UTF_8,
            label: utf8_label,
        }),
        (EncodingChoice::Auto, Some(e)) if e == UTF_16LE => Ok(Detected {
            encoding: UTF_16LE,
            label: "UTF-16LE (BOM)",
        }),
        (EncodingChoice::Auto, Some(e)) if e == UTF_16BE => Ok(Detected {
            encoding: UTF_16BE,
            label: "UTF-16BE (BOM)",
        }),
        (EncodingChoice::Auto, _) => guess_encoding(path, file, sample),
    }
}

fn guess_encoding(path: &Path, file: &mut File, sample: &Sample) -> Result<Detected, ReadError> {
    if sample.bytes.contains(&0) {
        let reason = "it contains NUL bytes, so it is binary or UTF-16 without a byte-order \
                      mark; save it again as CSV UTF-8 or .xlsx";
        return Err(ReadError::UnknownFormat {
            path: path.to_owned(),
            reason: reason.to_owned(),
        });
    }
    let later;
    let (evidence, last) = if sample.bytes.is_ascii() && !sample.at_eof {
        later = first_non_ascii(file, sample.bytes.len() as u64).map_err(|e| io_error(path, e))?;
        match &later {
            Some((bytes, at_eof)) => (bytes.as_slice(), *at_eof),
            None => (&[][..], true),
        }
    } else {
        (sample.bytes.as_slice(), sample.at_eof)
    };
    judge(evidence, last).map_err(|reason| ReadError::Encoding {
        path: path.to_owned(),
        reason,
    })
}

/// UTF-8 when the bytes are valid UTF-8; GB18030 when they have fewer
/// invalid sequences in GB18030 than in UTF-8 (rows with invalid bytes then
/// become row errors); otherwise an explanation.
fn judge(bytes: &[u8], last: bool) -> Result<Detected, String> {
    let (utf8_bad, first_bad) = malformed_count(UTF_8, bytes, last);
    if utf8_bad == 0 {
        return Ok(Detected {
            encoding: UTF_8,
            label: "UTF-8",
        });
    }
    let (gb_bad, _) = malformed_count(GB18030, bytes, last);
    if gb_bad < utf8_bad {
        return Ok(Detected {
            encoding: GB18030,
            label: "GB18030",
        });
    }
    Err(format!(
        "its bytes are neither UTF-8 nor GBK/GB18030 text (the first bad byte is at offset {})",
        first_bad.unwrap_or(0)
    ))
}

/// The number of invalid sequences in `bytes`, and the offset of the first.
fn malformed_count(
    encoding: &'static Encoding,
    bytes: &[u8],
    last: bool,
) -> (usize, Option<usize>) {
    if encoding == UTF_8 && std::str::from_utf8(bytes).is_ok() {
        return (0, None);
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = vec![0u8; DECODE_BUFFER];
    let (mut input, mut consumed, mut count, mut first) = (bytes, 0, 0, None);
    loop {
        let (result, read, _) = decoder.decode_to_utf8_without_replacement(input, &mut out, last);
        input = &input[read..];
        consumed += read;
        match result {
            DecoderResult::InputEmpty => return (count, first),
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(..) => {
                count += 1;
                first.get_or_insert(consumed);
            }
        }
    }
}

/// Scans an all-ASCII file past its sample for the first non-ASCII bytes,
/// and returns up to 1 MiB from there (and whether the file ended in it).
fn first_non_ascii(file: &mut File, from: u64) -> io::Result<Option<(Vec<u8>, bool)>> {
    file.seek(SeekFrom::Start(from))?;
    let mut scanned = 0;
    while scanned < ASCII_SCAN_BYTES {
        let (chunk, at_eof) = read_up_to(file, 1 << 20)?;
        if let Some(at) = chunk.iter().position(|b| !b.is_ascii()) {
            let (mut tail, mut ended) = (chunk[at..].to_vec(), at_eof);
            if tail.len() < DECODE_BUFFER && !at_eof {
                let (more, more_eof) = read_up_to(file, DECODE_BUFFER)?;
                tail.extend_from_slice(&more);
                ended = more_eof;
            }
            return Ok(Some((tail, ended)));
        }
        if at_eof {
            return Ok(None);
        }
        scanned += chunk.len() as u64;
    }
    Ok(None)
}

fn bad_bytes_message(encoding: &'static Encoding) -> String {
    if encoding == UTF_8 {
        "this row has bytes that are not valid UTF-8 (the encoding was judged from the start \
         of the file); if the file was saved as GBK or GB18030, pass --encoding gb18030"
            .to_owned()
    } else if encoding == GB18030 {
        "this row has bytes that are not valid GBK/GB18030: the file may be damaged or in \
         another encoding; if it is UTF-8 pass --encoding utf-8, or save it again as CSV UTF-8"
            .to_owned()
    } else {
        format!(
            "this row has bytes that are not valid {}: save the file again as CSV UTF-8",
            encoding.name()
        )
    }
}

// ---------------------------------------------------------------- decoding

/// A `Read` adapter that transcodes to UTF-8 with encoding_rs, writing
/// U+FFFD for invalid bytes and remembering where (so the row holding them
/// becomes a [`RowError`], never silent replacement characters), and
/// remembering where each line feed is, so rows get the line number a
/// spreadsheet shows.
struct Decoding<R> {
    inner: R,
    decoder: Decoder,
    input: Box<[u8]>,
    in_pos: usize,
    in_len: usize,
    in_eof: bool,
    output: Box<[u8]>,
    out_pos: usize,
    out_len: usize,
    /// Bytes produced before `output[0]`.
    produced: u64,
    finished: bool,
    pending_replacement: bool,
    /// Output offsets of U+FFFD written for invalid input, not yet claimed.
    malformed: VecDeque<u64>,
    /// Output offsets of `\n`, not yet claimed.
    newlines: VecDeque<u64>,
    /// Line feeds claimed so far.
    lines_before: u64,
    /// A `\r` that ended the last chunk: a line end unless `\n` follows.
    pending_cr: Option<u64>,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Self {
        Decoding {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; DECODE_BUFFER].into_boxed_slice(),
            in_pos: 0,
            in_len: 0,
            in_eof: false,
            output: vec![0; DECODE_BUFFER].into_boxed_slice(),
            out_pos: 0,
            out_len: 0,
            produced: 0,
            finished: false,
            pending_replacement: false,
            malformed: VecDeque::new(),
            newlines: VecDeque::new(),
            lines_before: 0,
            pending_cr: None,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.produced += self.out_len as u64;
        (self.out_pos, self.out_len) = (0, 0);
        while self.out_len == 0 && !self.finished {
            if self.pending_replacement {
                self.push_replacement();
            }
            if self.in_pos == self.in_len && !self.in_eof {
                self.fill_input()?;
            }
            self.decode_some();
        }
        self.index_line_breaks();
        Ok(())
    }

    /// Records where lines end: at each `\n`, and at each `\r` not followed
    /// by `\n` (old Mac line endings).
    fn index_line_breaks(&mut self) {
        let base = self.produced;
        let chunk = &self.output[..self.out_len];
        if let Some(cr) = self.pending_cr.take()
            && chunk.first() != Some(&b'\n')
        {
            self.newlines.push_back(cr);
        }
        for (i, &b) in chunk.iter().enumerate() {
            if b > b'\r' {
                continue;
            }
            let lone_cr = b == b'\r' && chunk.get(i + 1).is_some_and(|&next| next != b'\n');
            if b == b'\n' || lone_cr {
                self.newlines.push_back(base + i as u64);
            }
        }
        if chunk.last() == Some(&b'\r') {
            self.pending_cr = Some(base + chunk.len() as u64 - 1);
        }
    }

    fn fill_input(&mut self) -> io::Result<()> {
        loop {
            match self.inner.read(&mut self.input) {
                Ok(n) => {
                    (self.in_pos, self.in_len, self.in_eof) = (0, n, n == 0);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn decode_some(&mut self) {
        loop {
            let input = &self.input[self.in_pos..self.in_len];
            let output = &mut self.output[self.out_len..];
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(input, output, self.in_eof);
            self.in_pos += read;
            self.out_len += written;
            match result {
                DecoderResult::InputEmpty => {
                    self.finished = self.in_eof;
                    return;
                }
                DecoderResult::OutputFull => return,
                DecoderResult::Malformed(..) if self.output.len() - self.out_len < 3 => {
                    self.pending_replacement = true;
                    return;
                }
                DecoderResult::Malformed(..) => self.push_replacement(),
            }
        }
    }

    fn push_replacement(&mut self) {
        self.malformed
            .push_back(self.produced + self.out_len as u64);
        self.output[self.out_len..self.out_len + 3].copy_from_slice("\u{FFFD}".as_bytes());
        self.out_len += 3;
        self.pending_replacement = false;
    }

    /// Claims the bytes before output offset `end` (the end of a record that
    /// has `inner_newlines` line feeds inside its fields): returns the line
    /// the record starts on, and whether it held invalid bytes.
    fn claim(&mut self, end: u64, inner_newlines: u64) -> (u64, bool) {
        let mut last = None;
        while let Some(&at) = self.newlines.front().filter(|&&at| at < end) {
            self.newlines.pop_front();
            self.lines_before += 1;
            last = Some(at);
        }
        let terminated = end > 0 && last == Some(end - 1);
        let line = (1 + self.lines_before).saturating_sub(inner_newlines + u64::from(terminated));
        let mut bad = false;
        while self.malformed.front().is_some_and(|&at| at < end) {
            self.malformed.pop_front();
            bad = true;
        }
        (line, bad)
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos == self.out_len {
            self.refill()?;
        }
        let n = buf.len().min(self.out_len - self.out_pos);
        buf[..n].copy_from_slice(&self.output[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

// ---------------------------------------------------------------- text files

fn open_text(
    path: &Path,
    mut file: File,
    sample: Sample,
    opts: &ReadOptions,
    is_header: &dyn Fn(&[String]) -> bool,
) -> Result<Table, ReadError> {
    let detected = detect_encoding(path, &mut file, &sample, opts.encoding)?;
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => sniff_delimiter(&sample, detected.encoding, is_header),
    };
    drop(sample);
    file.seek(SeekFrom::Start(0))
        .map_err(|e| io_error(path, e))?;
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(DECODE_BUFFER)
        .from_reader(Decoding::new(file, detected.encoding));
    let text = TextSource {
        reader,
        record: csv::StringRecord::new(),
        encoding: detected.encoding,
        line: 1,
        inner_breaks: 0,
    };
    let source = Source::Text(Box::new(text));
    finish_open(path, source, detected.label, false, is_header)
}

/// The delimiter among `,` tab `|` `;` with which a header row is found in
/// the decoded sample; candidates are tried most frequent first. When none
/// finds one, the most frequent (the header search then explains).
fn sniff_delimiter(
    sample: &Sample,
    encoding: &'static Encoding,
    is_header: &dyn Fn(&[String]) -> bool,
) -> u8 {
    let (text, _) = encoding.decode_with_bom_removal(&sample.bytes);
    let text = match (sample.at_eof, text.rfind('\n')) {
        (false, Some(end)) => &text[..=end],
        _ => &text[..],
    };
    let top_end = text
        .match_indices('\n')
        .nth(HEADER_SEARCH_ROWS)
        .map_or(text.len(), |(i, _)| i);
    let top = &text.as_bytes()[..top_end];
    let mut candidates: Vec<(usize, u8)> = DELIMITERS
        .iter()
        .map(|&d| (top.iter().filter(|&&b| b == d).count(), d))
        .collect();
    candidates.sort_by_key(|&(count, _)| std::cmp::Reverse(count));
    let found = candidates
        .iter()
        .filter(|&&(count, _)| count > 0)
        .find(|&&(_, d)| header_in(text.as_bytes(), d, is_header));
    found.map_or(candidates[0].1, |&(_, d)| d)
}

fn header_in(text: &[u8], delimiter: u8, is_header: &dyn Fn(&[String]) -> bool) -> bool {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    reader
        .records()
        .take(HEADER_SEARCH_ROWS)
        .map_while(Result::ok)
        .any(|record| is_header(&record.iter().map(clean).collect::<Vec<_>>()))
}

/// A header or title cell as the header test sees it.
fn clean(cell: &str) -> String {
    value::trim(cell).replace('\u{feff}', "")
}

struct TextSource {
    reader: csv::Reader<Decoding<File>>,
    record: csv::StringRecord,
    encoding: &'static Encoding,
    line: u64,
    /// Line breaks inside the cells of the records read so far.
    inner_breaks: u64,
}

impl TextSource {
    fn next_raw(&mut self) -> Raw {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Raw::End,
            Ok(true) => {
                let end = self.reader.position().byte();
                let inner = line_breaks(self.record.as_slice().as_bytes());
                let (text_line, bad) = self.reader.get_mut().claim(end, inner);
                // A spreadsheet shows a record with a line break inside a
                // cell as one row: count rows, not text lines.
                let line = text_line.saturating_sub(self.inner_breaks);
                self.inner_breaks += inner;
                self.line = line;
                if bad {
                    Raw::Bad {
                        line,
                        message: bad_bytes_message(self.encoding),
                    }
                } else {
                    Raw::Text { line }
                }
            }
            Err(e) => Raw::Fatal {
                line: self.line,
                message: format!("the rest of the file cannot be read: {e}"),
            },
        }
    }

    /// The current record as cells: `Ok(None)` when it is blank.
    fn cells(&self, width: usize) -> Result<Option<Vec<Cell>>, String> {
        let mut cells = Vec::with_capacity(width);
        let mut any = false;
        for (i, field) in self.record.iter().enumerate() {
            if i >= width {
                check_extra(i, field, width)?;
            } else if field.is_empty() {
                cells.push(Cell::Empty);
            } else {
                any = any || !value::trim(field).is_empty();
                cells.push(Cell::Text(field.to_owned()));
            }
        }
        cells.resize(width, Cell::Empty);
        Ok(any.then_some(cells))
    }

    fn strings(&self) -> Vec<String> {
        self.record.iter().map(clean).collect()
    }
}

/// Line breaks inside a record's fields, counted as the decoder indexes
/// them: `\n`, and `\r` not followed by `\n`.
fn line_breaks(bytes: &[u8]) -> u64 {
    let mut count = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b <= b'\r' && (b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))) {
            count += 1;
        }
    }
    count
}

fn check_extra(index: usize, field: &str, width: usize) -> Result<(), String> {
    let field = value::trim(field);
    if field.is_empty() {
        return Ok(());
    }
    Err(extra_message(index, field, width))
}

fn extra_message(index: usize, field: &str, width: usize) -> String {
    let shown: String = field.chars().take(40).collect();
    format!(
        "this row has a value in column {} (“{shown}”) but the header has only {width} \
         columns: a delimiter inside a value needs the value quoted, or the column needs a \
         header",
        index + 1
    )
}

// ---------------------------------------------------------------- workbooks

#[derive(Clone, Copy)]
enum Book {
    Xlsx,
    Xls,
}

/// What the workbook thread sends.
enum Msg {
    Rows(Vec<SheetRow>),
    Failed(String),
}

struct SheetRow {
    line: u64,
    cells: Vec<Cell>,
}

struct SheetSource {
    rx: Receiver<Msg>,
    pending: std::vec::IntoIter<SheetRow>,
    line: u64,
    worker: Option<JoinHandle<()>>,
}

impl SheetSource {
    fn next_raw(&mut self) -> Raw {
        loop {
            if let Some(row) = self.pending.next() {
                self.line = row.line;
                return Raw::Cells {
                    line: row.line,
                    cells: row.cells,
                };
            }
            match self.rx.recv() {
                Ok(Msg::Rows(rows)) => self.pending = rows.into_iter(),
                Ok(Msg::Failed(reason)) => {
                    let message = format!(
                        "the rest of the sheet cannot be read ({reason}): open the file in \
                         Excel, save it again and retry"
                    );
                    return Raw::Fatal {
                        line: self.line,
                        message,
                    };
                }
                Err(_) => return self.ended(),
            }
        }
    }

    /// The end of the rows, or an error when the workbook thread panicked.
    fn ended(&mut self) -> Raw {
        match self.worker.take().map(JoinHandle::join) {
            Some(Err(_)) => Raw::Fatal {
                line: self.line,
                message: "the workbook reader stopped on something in this file it cannot \
                          handle: open the file in Excel, save it again as .xlsx and retry"
                    .to_owned(),
            },
            _ => Raw::End,
        }
    }
}

fn open_workbook(
    path: &Path,
    mut file: File,
    opts: &ReadOptions,
    is_header: &dyn Fn(&[String]) -> bool,
    book: Book,
) -> Result<Table, ReadError> {
    file.seek(SeekFrom::Start(0))
        .map_err(|e| io_error(path, e))?;
    let bad = |reason: String| ReadError::Workbook {
        path: path.to_owned(),
        reason,
    };
    let (tx, rx) = mpsc::sync_channel(4);
    let (label, date_1904, worker) = match book {
        Book::Xlsx => {
            let workbook = Xlsx::new(BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
            let sheet = choose_sheet(path, &workbook.sheet_names(), opts.sheet.as_deref())?;
            let date_1904 = workbook.has_1904_epoch();
            let worker = spawn_reader(path, move || stream_xlsx(workbook, &sheet, date_1904, tx))?;
            ("XLSX", date_1904, worker)
        }
        Book::Xls => {
            let workbook = Xls::new(BufReader::new(file)).map_err(|e| bad(e.to_string()))?;
            let sheet = choose_sheet(path, &workbook.sheet_names(), opts.sheet.as_deref())?;
            let date_1904 = workbook.has_1904_epoch();
            let worker = spawn_reader(path, move || stream_xls(workbook, &sheet, date_1904, tx))?;
            ("XLS", date_1904, worker)
        }
    };
    let sheet = SheetSource {
        rx,
        pending: Vec::new().into_iter(),
        line: 0,
        worker: Some(worker),
    };
    finish_open(path, Source::Sheet(sheet), label, date_1904, is_header)
}

fn spawn_reader(
    path: &Path,
    work: impl FnOnce() + Send + 'static,
) -> Result<JoinHandle<()>, ReadError> {
    std::thread::Builder::new()
        .name("import-sheet".to_owned())
        .spawn(work)
        .map_err(|e| io_error(path, e))
}

/// The sheet named `wanted` (exactly, or trimmed and ignoring case, or by
/// 1-based number), or the first sheet.
fn choose_sheet(path: &Path, names: &[String], wanted: Option<&str>) -> Result<String, ReadError> {
    let not_found = |sheet: &str| ReadError::SheetNotFound {
        path: path.to_owned(),
        sheet: sheet.to_owned(),
        sheets: names.to_vec(),
    };
    let Some(wanted) = wanted else {
        return names.first().cloned().ok_or_else(|| ReadError::Workbook {
            path: path.to_owned(),
            reason: "it has no sheets".to_owned(),
        });
    };
    let loose = |n: &&String| n.trim().to_lowercase() == wanted.trim().to_lowercase();
    let by_number = wanted
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|i| names.get(i.checked_sub(1)?));
    names
        .iter()
        .find(|n| *n == wanted)
        .or_else(|| names.iter().find(loose))
        .or(by_number)
        .cloned()
        .ok_or_else(|| not_found(wanted))
}

/// Groups cells into rows and sends them in batches; false once the table
/// is gone.
struct Batcher {
    tx: SyncSender<Msg>,
    batch: Vec<SheetRow>,
    row: Option<SheetRow>,
}

impl Batcher {
    fn new(tx: SyncSender<Msg>) -> Self {
        Batcher {
            tx,
            batch: Vec::with_capacity(SHEET_BATCH),
            row: None,
        }
    }

    fn push(&mut self, row: u32, col: u32, cell: Cell) -> bool {
        let line = u64::from(row) + 1;
        if self.row.as_ref().is_some_and(|r| r.line != line) && !self.end_row() {
            return false;
        }
        let current = self.row.get_or_insert_with(|| SheetRow {
            line,
            cells: Vec::new(),
        });
        if !matches!(cell, Cell::Empty) {
            let col = col as usize;
            if current.cells.len() <= col {
                current.cells.resize(col + 1, Cell::Empty);
            }
            current.cells[col] = cell;
        }
        true
    }

    fn end_row(&mut self) -> bool {
        if let Some(row) = self.row.take() {
            self.batch.push(row);
        }
        if self.batch.len() < SHEET_BATCH {
            return true;
        }
        self.flush()
    }

    fn flush(&mut self) -> bool {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(SHEET_BATCH));
        self.tx.send(Msg::Rows(batch)).is_ok()
    }

    fn finish(mut self) {
        if let Some(row) = self.row.take() {
            self.batch.push(row);
        }
        self.flush();
    }

    fn fail(self, reason: String) {
        let _ = self.tx.send(Msg::Failed(reason));
    }
}

fn stream_xlsx(mut book: Xlsx<BufReader<File>>, sheet: &str, date_1904: bool, tx: SyncSender<Msg>) {
    let mut out = Batcher::new(tx);
    let mut cells = match book.worksheet_cells_reader(sheet) {
        Ok(cells) => cells,
        Err(e) => return out.fail(e.to_string()),
    };
    loop {
        match cells.next_cell() {
            Ok(Some(cell)) => {
                let (row, col) = cell.get_position();
                if !out.push(row, col, from_data_ref(cell.get_value(), date_1904)) {
                    return;
                }
            }
            Ok(None) => return out.finish(),
            Err(e) => return out.fail(e.to_string()),
        }
    }
}

fn stream_xls(mut book: Xls<BufReader<File>>, sheet: &str, date_1904: bool, tx: SyncSender<Msg>) {
    let mut out = Batcher::new(tx);
    let range = match book.worksheet_range(sheet) {
        Ok(range) => range,
        Err(e) => return out.fail(e.to_string()),
    };
    drop(book);
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (r, cells) in range.rows().enumerate() {
        for (c, data) in cells.iter().enumerate() {
            let (row, col) = (row0 + r as u32, col0 + c as u32);
            if !out.push(row, col, from_data(data, date_1904)) {
                return;
            }
        }
    }
    out.finish();
}

fn from_data_ref(data: &DataRef<'_>, date_1904: bool) -> Cell {
    match data {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => text_cell(s),
        DataRef::SharedString(s) => text_cell(s),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => datetime_cell(dt, date_1904),
        DataRef::DateTimeIso(s) => iso_cell(s),
        DataRef::DurationIso(s) => text_cell(s),
        DataRef::Error(e) => Cell::Text(e.to_string()),
    }
}

fn from_data(data: &Data, date_1904: bool) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => text_cell(s),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => datetime_cell(dt, date_1904),
        Data::DateTimeIso(s) => iso_cell(s),
        Data::DurationIso(s) => text_cell(s),
        Data::Error(e) => Cell::Text(e.to_string()),
    }
}

fn text_cell(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_owned())
    }
}

/// A date cell: a date-time, except a time of day or a duration (serial
/// below 1, or a duration format), which stays a number.
fn datetime_cell(dt: &calamine::ExcelDateTime, date_1904: bool) -> Cell {
    let serial = dt.as_f64();
    if dt.is_duration() || serial < 1.0 {
        return Cell::Number(serial);
    }
    value::excel_serial(serial, date_1904).map_or(Cell::Number(serial), Cell::DateTime)
}

fn iso_cell(s: &str) -> Cell {
    let text = Cell::Text(s.to_owned());
    match value::datetime(&text, false) {
        Ok(Some(dt)) => Cell::DateTime(dt),
        _ => text,
    }
}

/// Fits workbook cells to the header: `Ok(None)` when the row is blank.
fn fit_cells(mut cells: Vec<Cell>, width: usize) -> Result<Option<Vec<Cell>>, String> {
    if let Some((i, extra)) = cells
        .iter()
        .enumerate()
        .skip(width)
        .find(|(_, c)| !is_blank(c))
    {
        return Err(extra_message(
            i,
            &value::text(extra).unwrap_or_default(),
            width,
        ));
    }
    cells.resize(width, Cell::Empty);
    Ok((!cells.iter().all(is_blank)).then_some(cells))
}

fn is_blank(cell: &Cell) -> bool {
    match cell {
        Cell::Empty => true,
        Cell::Text(s) => value::trim(s).is_empty(),
        _ => false,
    }
}

// ---------------------------------------------------------------- both

enum Source {
    Text(Box<TextSource>),
    Sheet(SheetSource),
}

/// One step of a source.
enum Raw {
    End,
    Fatal {
        line: u64,
        message: String,
    },
    Bad {
        line: u64,
        message: String,
    },
    /// A text record, held in the source.
    Text {
        line: u64,
    },
    Cells {
        line: u64,
        cells: Vec<Cell>,
    },
}

impl Source {
    fn next_raw(&mut self) -> Raw {
        match self {
            Source::Text(text) => text.next_raw(),
            Source::Sheet(sheet) => sheet.next_raw(),
        }
    }

    fn csv_cells(&self, width: usize) -> Result<Option<Vec<Cell>>, String> {
        match self {
            Source::Text(text) => text.cells(width),
            Source::Sheet(_) => Ok(None),
        }
    }

    /// The next row's cells as the header test sees them, or `None` at the
    /// end; rows with invalid bytes are offered too (their text is what the
    /// person would see).
    fn next_strings(&mut self) -> Option<Result<(u64, Vec<String>), String>> {
        match self.next_raw() {
            Raw::End => None,
            Raw::Fatal { message, .. } => Some(Err(message)),
            Raw::Bad { line, .. } | Raw::Text { line } => match self {
                Source::Text(text) => Some(Ok((line, text.strings()))),
                Source::Sheet(_) => None,
            },
            Raw::Cells { line, cells } => {
                let strings = cells
                    .iter()
                    .map(|c| value::text(c).unwrap_or_default())
                    .collect();
                Some(Ok((line, strings)))
            }
        }
    }
}

fn finish_open(
    path: &Path,
    mut source: Source,
    encoding: &'static str,
    date_1904: bool,
    is_header: &dyn Fn(&[String]) -> bool,
) -> Result<Table, ReadError> {
    let (header_line, cells) = find_header(path, &mut source, is_header)?;
    Ok(Table {
        headers: make_headers(&cells),
        header_line,
        encoding,
        date_1904,
        source,
        record: 0,
        done: false,
    })
}

fn find_header(
    path: &Path,
    source: &mut Source,
    is_header: &dyn Fn(&[String]) -> bool,
) -> Result<(u64, Vec<String>), ReadError> {
    let mut first_row = None;
    for _ in 0..HEADER_SEARCH_ROWS {
        let (line, cells) = match source.next_strings() {
            None => break,
            Some(Err(reason)) => return Err(stream_failed(path, source, reason)),
            Some(Ok(row)) => row,
        };
        if cells.iter().all(String::is_empty) {
            continue;
        }
        if is_header(&cells) {
            return Ok((line, cells));
        }
        first_row.get_or_insert(cells);
    }
    let Some(first_row) = first_row else {
        return Err(ReadError::Empty {
            path: path.to_owned(),
        });
    };
    let joined = first_row.join(" | ");
    let mut shown: String = joined.chars().take(100).collect();
    if shown.len() < joined.len() {
        shown.push('…');
    }
    Err(ReadError::NoHeader {
        path: path.to_owned(),
        first_row: shown,
    })
}

fn stream_failed(path: &Path, source: &Source, reason: String) -> ReadError {
    match source {
        Source::Text(_) => ReadError::Io {
            path: path.to_owned(),
            source: io::Error::other(reason),
        },
        Source::Sheet(_) => ReadError::Workbook {
            path: path.to_owned(),
            reason,
        },
    }
}

/// Trims, drops empty trailing cells, names empty inner cells `column_N`
/// and suffixes repeated names `_2`, `_3`….
fn make_headers(cells: &[String]) -> Vec<String> {
    let width = cells
        .iter()
        .rposition(|c| !clean(c).is_empty())
        .map_or(0, |i| i + 1);
    let mut headers: Vec<String> = Vec::with_capacity(width);
    for (i, cell) in cells[..width].iter().enumerate() {
        let base = match clean(cell) {
            name if name.is_empty() => format!("column_{}", i + 1),
            name => name,
        };
        let mut name = base.clone();
        let mut n = 1;
        while headers.contains(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        headers.push(name);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], encoding: &'static Encoding) -> (String, VecDeque<u64>) {
        let mut d = Decoding::new(bytes, encoding);
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = d.read(&mut buf).expect("in-memory read");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        (
            String::from_utf8(out).expect("decoder output is UTF-8"),
            d.malformed,
        )
    }

    #[test]
    fn decoder_marks_invalid_bytes() {
        let (text, bad) = decode_all(b"ab\xffc\n\xe7\x99", UTF_8);
        assert_eq!(text, "ab\u{FFFD}c\n\u{FFFD}");
        assert_eq!(bad, VecDeque::from([2, 7]));
        let (text, bad) = decode_all(b"\xcd\xf5\xac||x", GB18030);
        assert_eq!(text, "王瑋|x");
        assert!(bad.is_empty());
    }

    #[test]
    fn line_breaks_across_chunk_boundaries() {
        for (tail, want) in [(&b"\r\nz"[..], DECODE_BUFFER as u64), (b"\rz", 65_535)] {
            let mut bytes = vec![b'x'; DECODE_BUFFER - 1];
            bytes.extend_from_slice(tail);
            let mut d = Decoding::new(&bytes[..], UTF_8);
            io::copy(&mut d, &mut io::sink()).expect("in-memory read");
            assert_eq!(d.newlines, VecDeque::from([want]));
        }
    }

    #[test]
    fn headers_are_trimmed_and_unique() {
        let cells: Vec<String> = [
            "\u{feff}船名",
            " 联系电话",
            "联系电话",
            "",
            "联系电话_2",
            "",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            make_headers(&cells),
            ["船名", "联系电话", "联系电话_2", "column_4", "联系电话_2_2"]
        );
    }

    #[test]
    fn sheets_by_name_case_or_number() {
        let names = vec!["名单".to_owned(), "Sheet2".to_owned()];
        let p = Path::new("x.xlsx");
        assert_eq!(choose_sheet(p, &names, None).expect("first"), "名单");
        assert_eq!(
            choose_sheet(p, &names, Some("sheet2 ")).expect("loose"),
            "Sheet2"
        );
        assert_eq!(
            choose_sheet(p, &names, Some("2")).expect("number"),
            "Sheet2"
        );
        let err = choose_sheet(p, &names, Some("汇总"))
            .expect_err("missing")
            .to_string();
        assert!(
            err.contains("名单, Sheet2") && err.contains("--sheet"),
            "{err}"
        );
    }

    #[test]
    fn encoding_judged_on_evidence() {
        assert_eq!(
            judge("登记号".as_bytes(), true).map(|d| d.label),
            Ok("UTF-8")
        );
        assert_eq!(
            judge(b"\xb5\xc7\xbc\xc7\xba\xc5", true).map(|d| d.label),
            Ok("GB18030")
        );
        // A sample cut in the middle of a character is still UTF-8.
        assert_eq!(
            judge(&"登记号".as_bytes()[..4], false).map(|d| d.label),
            Ok("UTF-8")
        );
    }
}
