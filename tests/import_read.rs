//! The import file reader on the field cases (copies of
//! shared/cases/import in fixtures/import/cases) and on small workbooks made
//! by fixtures/import/make_xlsx.py: encodings, delimiters, headers, line
//! numbers, workbooks, and values.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use safedesk::import::read::{
    self, Cell, EncodingChoice, ReadError, ReadOptions, Row, RowError, Table,
};
use safedesk::import::value;

/// Header names the tests' import kinds know.
const KNOWN: &[&str] = &[
    "登记号",
    "船名",
    "钢瓶编号",
    "联系电话",
    "城市",
    "数量",
    "id",
    "name",
    "船主姓名",
];

fn is_header(cells: &[String]) -> bool {
    cells.iter().any(|c| KNOWN.contains(&c.as_str()))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

fn case(name: &str) -> PathBuf {
    fixture(&format!("cases/{name}"))
}

fn open(path: &Path) -> Result<Table, ReadError> {
    read::open(path, &ReadOptions::default(), &is_header)
}

fn open_ok(path: &Path) -> Table {
    open(path).unwrap_or_else(|e| panic!("{e}"))
}

fn rows(table: Table) -> Vec<Row> {
    table.map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect()
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    let mut f = std::fs::File::create(&path).expect("create temp file");
    f.write_all(bytes).expect("write temp file");
    (dir, path)
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

fn datetime(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test date-time")
}

const VESSEL_HEADERS: [&str; 7] = [
    "登记号",
    "船名",
    "发现时间",
    "所在水域",
    "城市",
    "船体材质",
    "船长(米)",
];

// ---------------------------------------------------------------- cases 1–6

#[test]
fn case1_gbk_csv_without_bom_is_detected() {
    let table = open_ok(&case("vessels-gbk.csv"));
    assert_eq!(table.encoding(), "GB18030");
    assert_eq!(table.headers(), VESSEL_HEADERS);
    assert_eq!(table.header_line(), 1);
    let rows = rows(table);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].cells[1], text("无名木船"));
    assert_eq!(rows[0].cells[6], text("8.5"));
    assert_eq!(rows[2].cells[0], text("SW-2026-0003"));
    assert_eq!(
        rows[2].cells[1],
        Cell::Empty,
        "a three-no vessel has no name"
    );
    assert_eq!(
        rows.iter().map(|r| (r.record, r.line)).collect::<Vec<_>>(),
        [(1, 2), (2, 3), (3, 4)]
    );
}

#[test]
fn case2_utf8_bom_leaves_no_feff_on_the_first_header() {
    let table = open_ok(&case("vessels-utf8-bom.csv"));
    assert_eq!(table.encoding(), "UTF-8 (BOM)");
    assert_eq!(table.headers()[0], "登记号");
    assert_eq!(table.headers(), VESSEL_HEADERS);
    let utf8 = rows(table);
    let gbk = rows(open_ok(&case("vessels-gbk.csv")));
    assert_eq!(utf8, gbk, "the same rows in either encoding");
}

#[test]
fn case3_gbk_pipe_file_is_decoded_before_it_is_split() {
    let table = open_ok(&case("owners-gbk-pipe.csv"));
    assert_eq!(table.encoding(), "GB18030");
    assert_eq!(table.headers(), ["登记号", "船主姓名", "船籍港"]);
    let rows = rows(table);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].cells,
        [text("SW-2026-0009"), text("王瑋"), text("苏州")]
    );
}

#[test]
fn case4_duplicate_headers_trailing_empty_headers_and_a_short_row() {
    let table = open_ok(&case("dup-headers.csv"));
    assert_eq!(table.headers(), ["船名", "联系电话", "联系电话_2", "备注"]);
    let rows = rows(table);
    assert_eq!(rows.len(), 2, "no row dropped");
    assert_eq!(
        rows[0].cells,
        [
            text("苏货临2"),
            text("025-5550101"),
            text("13900000000"),
            text("夜间发现")
        ]
    );
    assert_eq!(
        rows[1].cells,
        [
            text("苏货临3"),
            text("025-5550102"),
            Cell::Empty,
            Cell::Empty
        ]
    );
    assert_eq!((rows[1].record, rows[1].line), (2, 3));
}

#[test]
fn case5_quoted_newline_is_one_record_and_lines_are_spreadsheet_rows() {
    let rows = rows(open_ok(&case("quoted-newline.csv")));
    assert_eq!(rows.len(), 2, "two records, not three");
    assert_eq!(rows[0].cells[1], text("南京市鼓楼区\n江边路1号"));
    assert_eq!((rows[0].record, rows[0].line), (1, 2));
    assert_eq!(
        (rows[1].record, rows[1].line),
        (2, 3),
        "a spreadsheet shows record 2 on row 3: the line break is inside a cell"
    );
    assert_eq!(rows[1].cells, [text("SW-2026-0012"), text("苏州市")]);
}

#[test]
fn case6_identifiers_keep_zeros_and_scientific_notation_is_rejected() {
    let table = open_ok(&case("ids-mangled.csv"));
    assert_eq!(
        table.headers(),
        ["钢瓶编号", "产权单位信用代码", "送气员身份证号", "设备代码"]
    );
    let rows = rows(table);
    assert_eq!(
        value::identifier(&rows[0].cells[0]),
        Ok(Some("00042".to_owned()))
    );
    assert_eq!(
        value::identifier(&rows[0].cells[3]),
        Ok(Some("0100".to_owned()))
    );
    let err = value::identifier(&rows[0].cells[2]).expect_err("3.20102E+17 is rejected");
    assert!(err.contains("precision was lost"), "{err}");
    assert!(
        err.to_lowercase().contains("re-export the column as text"),
        "{err}"
    );
    assert!(!err.contains("320102000000000000"), "{err}");
    let as_text = value::text(&rows[0].cells[2]).unwrap_or_default();
    assert!(!as_text.contains("320102000000000000"), "{as_text}");
    assert_eq!(
        value::identifier(&rows[1].cells[2]),
        Ok(Some("320102199001010010".to_owned()))
    );
    assert_eq!(
        value::identifier(&rows[1].cells[3]),
        Ok(Some("00042".to_owned()))
    );
}

// ---------------------------------------------------------------- encodings

/// An ASCII body longer than the 2 MiB sample.
fn ascii_rows(n: usize) -> String {
    (0..n).map(|i| format!("SW-{i:07},boat-{i}\n")).collect()
}

#[test]
fn a_later_gbk_row_in_a_utf8_file_is_a_row_error_never_replacement_characters() {
    let mut bytes = "登记号,船名\n".as_bytes().to_vec();
    bytes.extend_from_slice(ascii_rows(120_000).as_bytes());
    bytes.extend_from_slice(&gbk("SW-9999999,王瑋\n"));
    bytes.extend_from_slice(b"SW-last,after\n");
    assert!(bytes.len() > 2 << 20);
    let (_dir, path) = temp_file("mixed.csv", &bytes);
    let table = open_ok(&path);
    assert_eq!(table.encoding(), "UTF-8");
    let all: Vec<Result<Row, RowError>> = table.collect();
    assert_eq!(all.len(), 120_002);
    let bad = all[120_000].as_ref().expect_err("the GBK row is an error");
    assert!(
        bad.message.contains("--encoding gb18030"),
        "{}",
        bad.message
    );
    assert_eq!((bad.record, bad.line, bad.fatal), (120_001, 120_002, false));
    let last = all[120_001].as_ref().expect("the reader goes on after it");
    assert_eq!(last.cells, [text("SW-last"), text("after")]);
    let replaced = all
        .iter()
        .flatten()
        .flat_map(|r| &r.cells)
        .any(|c| match c {
            Cell::Text(s) => s.contains('\u{FFFD}'),
            _ => false,
        });
    assert!(!replaced, "no silent U+FFFD");
}

#[test]
fn an_ascii_start_does_not_hide_gbk_further_on() {
    let mut bytes = b"id,name\n".to_vec();
    bytes.extend_from_slice(ascii_rows(120_000).as_bytes());
    bytes.extend_from_slice(&gbk("SW-9999999,王瑋\n"));
    let (_dir, path) = temp_file("late-gbk.csv", &bytes);
    let table = open_ok(&path);
    assert_eq!(table.encoding(), "GB18030");
    let last = table.last().expect("rows").expect("valid GB18030");
    assert_eq!(last.cells[1], text("王瑋"));
}

#[test]
fn forcing_an_encoding_turns_bad_rows_into_errors() {
    let mut bytes = "登记号,船名\nSW-1,甲\n".as_bytes().to_vec();
    bytes.extend_from_slice(&gbk("SW-2,王瑋\n"));
    let (_dir, path) = temp_file("forced.csv", &bytes);
    let opts = ReadOptions {
        encoding: EncodingChoice::Utf8,
        ..ReadOptions::default()
    };
    let all: Vec<_> = read::open(&path, &opts, &is_header)
        .expect("opens")
        .collect();
    assert!(all[0].is_ok());
    assert!(
        all[1]
            .as_ref()
            .expect_err("GBK in UTF-8")
            .message
            .contains("gb18030")
    );
}

#[test]
fn utf16_with_bom_is_read() {
    for (bom, encode, label) in [
        (
            &[0xFF, 0xFE][..],
            u16::to_le_bytes as fn(u16) -> [u8; 2],
            "UTF-16LE (BOM)",
        ),
        (
            &[0xFE, 0xFF][..],
            u16::to_be_bytes as fn(u16) -> [u8; 2],
            "UTF-16BE (BOM)",
        ),
    ] {
        let mut bytes = bom.to_vec();
        for unit in "登记号\t船名\r\nSW-1\t王瑋\r\n".encode_utf16() {
            bytes.extend_from_slice(&encode(unit));
        }
        let (_dir, path) = temp_file("utf16.txt", &bytes);
        let table = open_ok(&path);
        assert_eq!(table.encoding(), label);
        assert_eq!(table.headers(), ["登记号", "船名"]);
        let rows = rows(table);
        assert_eq!(rows[0].cells, [text("SW-1"), text("王瑋")]);
    }
}

#[test]
fn utf16_without_bom_is_refused_clearly() {
    let bytes: Vec<u8> = "登记号,船名\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let (_dir, path) = temp_file("utf16.csv", &bytes);
    let err = open(&path).expect_err("NUL bytes").to_string();
    assert!(err.contains("utf16.csv") && err.contains("UTF-16"), "{err}");
}

// ---------------------------------------------------------------- shapes

#[test]
fn crlf_blank_lines_and_title_rows_keep_spreadsheet_line_numbers() {
    let csv = "某县三无船舶登记表,,\r\n\r\n登记号,船名,城市\r\nSW-1,甲,南京市\r\n\r\n,,\r\n\
               SW-2,\"乙\r\n船\",苏州市\r\nSW-3,丙,无锡市";
    let (_dir, path) = temp_file("crlf.csv", csv.as_bytes());
    let table = open_ok(&path);
    assert_eq!(table.header_line(), 3);
    assert_eq!(table.headers(), ["登记号", "船名", "城市"]);
    let rows = rows(table);
    let at: Vec<_> = rows.iter().map(|r| (r.record, r.line)).collect();
    assert_eq!(
        at,
        [(1, 4), (2, 7), (3, 8)],
        "a cell's line break is not a row"
    );
    assert_eq!(rows[1].cells[1], text("乙\r\n船"));
    assert_eq!(
        rows[2].cells[2],
        text("无锡市"),
        "no CR left on the last cell"
    );
}

#[test]
fn old_mac_line_endings_keep_spreadsheet_line_numbers() {
    let mac = "登记号,船名\rSW-1,甲\r\rSW-2,\"乙\r船\"\rSW-3,丙\r";
    let (_dir, path) = temp_file("mac.csv", mac.as_bytes());
    let rows = rows(open_ok(&path));
    let at: Vec<_> = rows.iter().map(|r| (r.record, r.line)).collect();
    assert_eq!(
        at,
        [(1, 2), (2, 4), (3, 5)],
        "a cell's line break is not a row"
    );
    assert_eq!(rows[1].cells[1], text("乙\r船"));
}

#[test]
fn extra_cells_beyond_the_header_are_a_row_error_and_reading_goes_on() {
    let csv = "登记号,船名\nSW-1,甲,,\nSW-2,乙,多余\nSW-3,丙\n";
    let (_dir, path) = temp_file("extra.csv", csv.as_bytes());
    let all: Vec<_> = open_ok(&path).collect();
    assert_eq!(all.len(), 3);
    assert_eq!(
        all[0].as_ref().expect("empty extras are fine").cells.len(),
        2
    );
    let err = all[1].as_ref().expect_err("a value past the header");
    assert_eq!((err.record, err.line), (2, 3));
    assert!(
        err.message.contains("column 3") && err.message.contains("多余"),
        "{}",
        err.message
    );
    assert_eq!(err.to_string(), format!("row 3: {}", err.message));
    assert_eq!(all[2].as_ref().expect("goes on").record, 3);
}

#[test]
fn delimiters_are_sniffed_on_the_header_line() {
    for (name, sep) in [("tab.tsv", "\t"), ("semi.csv", ";"), ("pipe.txt", "|")] {
        let others: String = [",", "\t", "|", ";"]
            .into_iter()
            .filter(|d| *d != sep)
            .collect();
        let csv = format!("登记号{sep}船名{sep}备注\nSW-1{sep}甲 乙{sep}a{others}b\n");
        let (_dir, path) = temp_file(name, csv.as_bytes());
        let rows = rows(open_ok(&path));
        let want = [text("SW-1"), text("甲 乙"), text(&format!("a{others}b"))];
        assert_eq!(rows[0].cells, want, "{name}");
    }
    let csv = "登记号;船名\nSW-1;甲\n";
    let (_dir, path) = temp_file("forced.csv", csv.as_bytes());
    let opts = ReadOptions {
        delimiter: Some(b';'),
        ..ReadOptions::default()
    };
    let table = read::open(&path, &opts, &is_header).expect("opens");
    assert_eq!(table.headers(), ["登记号", "船名"]);
}

#[test]
fn empty_header_only_and_headerless_files() {
    for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\n\n  \r\n"] {
        let (_dir, path) = temp_file("empty.csv", bytes);
        let err = open(&path).expect_err("empty");
        assert!(matches!(err, ReadError::Empty { .. }), "{err}");
        assert!(err.to_string().contains("empty.csv is empty"), "{err}");
    }
    let (_dir, path) = temp_file("header.csv", "登记号,船名\r\n".as_bytes());
    let table = open_ok(&path);
    assert_eq!(table.headers(), ["登记号", "船名"]);
    assert_eq!(rows(table).len(), 0);

    let (_dir, path) = temp_file("other.csv", "编号,名称\n1,甲\n".as_bytes());
    let err = open(&path).expect_err("no header").to_string();
    assert!(
        err.contains("other.csv") && err.contains("编号 | 名称"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_named() {
    let err = open(Path::new("/nonexistent/vessels.csv")).expect_err("missing");
    assert!(matches!(err, ReadError::NotFound { .. }));
    assert!(
        err.to_string()
            .contains("/nonexistent/vessels.csv does not exist"),
        "{err}"
    );
}

// ---------------------------------------------------------------- workbooks

#[test]
fn xlsx_title_row_dates_and_numeric_ids() {
    let table = open_ok(&fixture("vessels-title.xlsx"));
    assert_eq!(table.encoding(), "XLSX");
    assert!(!table.date_1904());
    assert_eq!(table.header_line(), 2, "the merged title row is skipped");
    assert_eq!(
        table.headers(),
        [
            "登记号",
            "船名",
            "发现时间",
            "登记日期",
            "船长(米)",
            "身份证号",
            "编号",
            "备注"
        ]
    );
    let rows = rows(table);
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [3, 4, 5]);
    let first = &rows[0].cells;
    assert_eq!(first[2], Cell::DateTime(datetime("2026-03-02 09:15:00")));
    assert_eq!(first[3], Cell::DateTime(datetime("2026-03-02 00:00:00")));
    assert_eq!(first[4], Cell::Number(8.5));
    let err = value::identifier(&first[5]).expect_err("an 18-digit number cell");
    assert!(err.contains("precision was lost"), "{err}");
    assert_eq!(value::identifier(&first[6]), Ok(Some("42".to_owned())));
    assert_eq!(first[7], Cell::Empty);
    let second = &rows[1].cells;
    assert_eq!(
        value::identifier(&second[5]),
        Ok(Some("320102199001010010".to_owned()))
    );
    assert_eq!(value::identifier(&second[6]), Ok(Some("00042".to_owned())));
    assert_eq!(second[2], Cell::DateTime(datetime("2026-03-02 10:40:30")));
    assert_eq!(value::decimal(&second[4]), Ok(Some(21.0)));
    assert_eq!(rows[2].cells[1], Cell::Empty);
}

#[test]
fn xlsx_sheet_option_and_a_missing_sheet() {
    let opts = ReadOptions {
        sheet: Some("汇总".to_owned()),
        ..ReadOptions::default()
    };
    let table = read::open(&fixture("vessels-title.xlsx"), &opts, &is_header).expect("opens");
    assert_eq!(table.headers(), ["城市", "数量"]);
    assert_eq!(rows(table)[0].cells, [text("南京市"), Cell::Number(3.0)]);

    let opts = ReadOptions {
        sheet: Some("名单".to_owned()),
        ..ReadOptions::default()
    };
    let err = read::open(&fixture("vessels-title.xlsx"), &opts, &is_header).expect_err("no sheet");
    let msg = err.to_string();
    assert!(matches!(err, ReadError::SheetNotFound { .. }));
    assert!(
        msg.contains("“名单”") && msg.contains("登记表, 汇总") && msg.contains("--sheet"),
        "{msg}"
    );
}

#[test]
fn xlsx_1904_date_system() {
    let table = open_ok(&fixture("dates-1904.xlsx"));
    assert!(table.date_1904());
    let date_1904 = table.date_1904();
    let rows = rows(table);
    assert_eq!(
        rows[0].cells[1],
        Cell::DateTime(datetime("2026-03-02 09:15:00"))
    );
    let day = NaiveDate::from_ymd_opt(2026, 3, 2);
    assert_eq!(value::date(&rows[0].cells[2], date_1904), Ok(day));
    assert_eq!(
        rows[1].cells[2],
        Cell::Number(44621.0),
        "a bare serial in General format"
    );
    assert_eq!(value::date(&rows[1].cells[2], date_1904), Ok(day));
    assert_eq!(
        rows[1].cells[1],
        Cell::DateTime(datetime("1904-01-02 12:00:00"))
    );
}

#[test]
fn an_xlsx_that_is_not_a_workbook_is_a_read_error() {
    let err = open(&fixture("not-a-zip.xlsx")).expect_err("not a zip");
    assert!(matches!(err, ReadError::UnknownFormat { .. }), "{err}");
    assert!(err.to_string().contains("not-a-zip.xlsx"), "{err}");

    let (_dir, path) = temp_file("broken.xlsx", b"PK\x03\x04 this is no zip archive");
    let err = open(&path).expect_err("broken zip");
    assert!(matches!(err, ReadError::Workbook { .. }), "{err}");
    assert!(err.to_string().contains("save it again as .xlsx"), "{err}");

    let (_dir, path) = temp_file(
        "page.xls",
        b"<html><table><tr><td>1</td></tr></table></html>",
    );
    let err = open(&path).expect_err("HTML").to_string();
    assert!(err.contains("HTML"), "{err}");
}

#[test]
fn dropping_a_workbook_table_early_does_not_hang() {
    let mut table = open_ok(&fixture("vessels-title.xlsx"));
    assert!(table.next().is_some());
    drop(table);
}
