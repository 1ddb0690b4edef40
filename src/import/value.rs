//! Turning one [`Cell`] of an import file into a typed value.
//!
//! Each function takes the cell as the reader gave it (text from a CSV file,
//! or a number, date or text from a workbook) and returns `Ok(None)` for an
//! empty cell, the value, or `Err(sentence)`: a sentence that names the value
//! and says how to fix the file, ready for the import's errors file.
//!
//! Dates and times are returned naive: they are local times
//! (Asia/Shanghai) as the county office typed them.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

use super::read::Cell;

/// The largest magnitude below which a number cell still holds every digit of
/// an identifier: Excel keeps 15 significant digits.
const EXACT_DIGITS_LIMIT: f64 = 1e15;

/// The forms of date this module reads, for error sentences.
const DATE_FORMS: &str = "2026-03-02, 2026/3/2, 2026.03.02, 2026年3月2日 or 20260302";

/// The text of a cell, trimmed (including full-width spaces and U+FEFF);
/// `None` when the cell is empty or blank.
///
/// A number is written without a trailing `.0`; a date as `2026-03-02` or
/// `2026-03-02 09:15:00`.
pub fn text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty => None,
        Cell::Text(s) => {
            let t = trim(s);
            (!t.is_empty()).then(|| t.to_owned())
        }
        Cell::Number(n) => Some(format_number(*n)),
        Cell::DateTime(dt) => Some(format_datetime(dt)),
        Cell::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.to_owned()),
    }
}

/// An identifier (registration number, ID card number, credit code, …),
/// always as text, with its leading zeros.
///
/// Rejects what a spreadsheet has damaged: scientific notation such as
/// `3.20102E+17` (text) and number cells of 1e15 or more, whose last digits
/// are gone. An integral number cell below that is written without `.0`.
pub fn identifier(cell: &Cell) -> Result<Option<String>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(s) => identifier_text(trim(s)),
        Cell::Number(n) => identifier_number(*n),
        Cell::DateTime(dt) => Err(format!(
            "“{}” is a date, not an identifier: format the column as text in the \
             spreadsheet, type the identifiers again and re-export it",
            format_datetime(dt)
        )),
        Cell::Bool(b) => Err(format!("“{b}” is a yes/no value, not an identifier")),
    }
}

fn identifier_text(s: &str) -> Result<Option<String>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    if is_scientific(s) {
        return Err(precision_lost(s));
    }
    Ok(Some(s.to_owned()))
}

fn identifier_number(n: f64) -> Result<Option<String>, String> {
    if !n.is_finite() || n.abs() >= EXACT_DIGITS_LIMIT {
        return Err(precision_lost(&format_number(n)));
    }
    if n.fract() != 0.0 {
        return Err(format!(
            "“{n}” is a number with a fractional part, not an identifier: \
             re-export the column as text"
        ));
    }
    Ok(Some(format_number(n)))
}

fn precision_lost(shown: &str) -> String {
    format!(
        "“{shown}” is an identifier that the spreadsheet turned into a number: \
         precision was lost and its last digits are gone. Re-export the column as \
         text (format the cells as Text and enter or paste the identifiers again), \
         then import the file again"
    )
}

/// True for `3.20102E+17`, `3.2e17`, `1E+15`: a number in scientific notation.
fn is_scientific(s: &str) -> bool {
    let Some((mantissa, exponent)) = s.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let mantissa = mantissa.strip_prefix(['+', '-']).unwrap_or(mantissa);
    let digits_and_dot = |t: &str| {
        !t.is_empty()
            && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && t.bytes().filter(|&b| b == b'.').count() <= 1
            && t.bytes().any(|b| b.is_ascii_digit())
    };
    digits_and_dot(mantissa) && !exponent.is_empty() && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// A date: text such as 2026-03-02, 2026/3/2, 2026.03.02, 2026年3月2日 or
/// 20260302 (a time after it is allowed and dropped), an Excel serial number
/// (1899-12-30 base, or 1904-01-01 when `date_1904`), or a date cell.
pub fn date(cell: &Cell, date_1904: bool) -> Result<Option<NaiveDate>, String> {
    Ok(datetime(cell, date_1904)?.map(|dt| dt.date()))
}

/// A date and time: what [`date`] reads, plus a time after the date
/// (`2026-03-02 09:15`, `2026-03-02 09:15:30`, `2026/3/2 9:15`,
/// `2026-03-02T09:15:30`) and fractional serial numbers. A date alone is
/// midnight.
pub fn datetime(cell: &Cell, date_1904: bool) -> Result<Option<NaiveDateTime>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::DateTime(dt) => Ok(Some(*dt)),
        Cell::Number(n) => number_datetime(*n, date_1904).map(Some),
        Cell::Text(s) => text_datetime(trim(s), date_1904),
        Cell::Bool(b) => Err(format!("“{b}” is a yes/no value, not a date")),
    }
}

fn number_datetime(n: f64, date_1904: bool) -> Result<NaiveDateTime, String> {
    if let Some(d) = yyyymmdd_number(n) {
        return Ok(d.and_time(NaiveTime::MIN));
    }
    if n < 1.0 {
        return Err(format!(
            "“{}” is a time of day or a count, not a date",
            format_number(n)
        ));
    }
    excel_serial(n, date_1904).ok_or_else(|| {
        format!(
            "“{}” is not a date: as an Excel date serial number it is out of range; \
             write dates as {DATE_FORMS}",
            format_number(n)
        )
    })
}

/// A number cell 20260302 typed as a date without separators.
fn yyyymmdd_number(n: f64) -> Option<NaiveDate> {
    if n.fract() != 0.0 || !(10_000_101.0..=99_991_231.0).contains(&n) {
        return None;
    }
    let v = n as u32;
    NaiveDate::from_ymd_opt((v / 10_000) as i32, v / 100 % 100, v % 100)
}

/// Converts an Excel serial date-time to a naive date-time.
///
/// The 1900 system counts days from 1899-12-30 and keeps Lotus 1-2-3's
/// 1900-02-29 (serial 60), which never existed: serials before it count from
/// 1899-12-31, and 60 itself gives `None`. The 1904 system counts from
/// 1904-01-01. The fraction of a day is the time, rounded to the millisecond.
/// `None` when the serial is negative, not finite or after 9999-12-31.
pub fn excel_serial(serial: f64, date_1904: bool) -> Option<NaiveDateTime> {
    if !serial.is_finite() || !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let mut days = serial.floor() as i64;
    let mut millis = ((serial - serial.floor()) * 86_400_000.0).round() as i64;
    if millis >= 86_400_000 {
        days += 1;
        millis -= 86_400_000;
    }
    let base = match (date_1904, days) {
        (true, _) => NaiveDate::from_ymd_opt(1904, 1, 1)?,
        (false, 60) => return None,
        (false, d) if d < 60 => NaiveDate::from_ymd_opt(1899, 12, 31)?,
        (false, _) => NaiveDate::from_ymd_opt(1899, 12, 30)?,
    };
    let day = base.checked_add_signed(TimeDelta::try_days(days)?)?;
    day.and_time(NaiveTime::MIN)
        .checked_add_signed(TimeDelta::try_milliseconds(millis)?)
}

fn text_datetime(s: &str, date_1904: bool) -> Result<Option<NaiveDateTime>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(dt) = parse_datetime_text(s) {
        return Ok(Some(dt));
    }
    if let Some(serial) = serial_text(s) {
        return number_datetime(serial, date_1904).map(Some);
    }
    Err(format!(
        "“{s}” is not a date: write dates as {DATE_FORMS}, optionally followed by a \
         time such as 09:15 or 09:15:30"
    ))
}

/// A five-digit serial number written as text (`46083`, `46083.385`), as a
/// CSV export of a date column in General format gives.
fn serial_text(s: &str) -> Option<f64> {
    let int = s.split_once('.').map_or(s, |(i, _)| i);
    if int.len() != 5 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_ok = s
        .split_once('.')
        .is_none_or(|(_, f)| f.bytes().all(|b| b.is_ascii_digit()));
    if !frac_ok {
        return None;
    }
    s.parse().ok()
}

/// Parses a date with an optional time after it, separated by a space or `T`.
fn parse_datetime_text(s: &str) -> Option<NaiveDateTime> {
    let (date, rest) = parse_date_prefix(s)?;
    if rest.is_empty() {
        return Some(date.and_time(NaiveTime::MIN));
    }
    let time = rest.strip_prefix([' ', 'T', '\u{3000}'])?.trim_start();
    Some(date.and_time(parse_time(time)?))
}

/// Reads `YYYY?M?D` at the start of `s`; returns the date and what follows.
fn parse_date_prefix(s: &str) -> Option<(NaiveDate, &str)> {
    if s.bytes().take_while(u8::is_ascii_digit).count() == 8 {
        return compact_date(s);
    }
    let (year, rest) = digits(s, 4, 4)?;
    let (sep, rest) = split_first_char(rest)?;
    let (month_sep, day_end): (&[char], &[char]) = match sep {
        '-' | '/' | '.' => (&[sep][..], &[][..]),
        '年' => (&['月'][..], &['日', '号'][..]),
        _ => return None,
    };
    let (month, rest) = digits(rest, 1, 2)?;
    let rest = rest.strip_prefix(month_sep)?;
    let (day, mut rest) = digits(rest, 1, 2)?;
    if let Some(r) = rest.strip_prefix(day_end) {
        rest = r;
    }
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    Some((date, rest))
}

/// `20260302`, possibly followed by a time.
fn compact_date(s: &str) -> Option<(NaiveDate, &str)> {
    let (v, rest) = digits(s, 8, 8)?;
    let date = NaiveDate::from_ymd_opt((v / 10_000) as i32, v / 100 % 100, v % 100)?;
    Some((date, rest))
}

/// `H:MM`, `HH:MM:SS` or `HH:MM:SS.fff`.
fn parse_time(s: &str) -> Option<NaiveTime> {
    let (h, rest) = digits(s, 1, 2)?;
    let (m, rest) = digits(rest.strip_prefix(':')?, 2, 2)?;
    if rest.is_empty() {
        return NaiveTime::from_hms_opt(h, m, 0);
    }
    let (sec, rest) = digits(rest.strip_prefix(':')?, 2, 2)?;
    if rest.is_empty() {
        return NaiveTime::from_hms_opt(h, m, sec);
    }
    let frac = rest.strip_prefix('.')?;
    if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos: u32 = format!("{frac:0<9}").parse().ok()?;
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
}

/// Reads `min..=max` ASCII digits at the start of `s`.
fn digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n < min || n > max {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

fn split_first_char(s: &str) -> Option<(char, &str)> {
    let c = s.chars().next()?;
    Some((c, &s[c.len_utf8()..]))
}

/// A decimal number: a number cell, or text such as `8.5`, `-3`, `1,234.5`,
/// `１２.５` (full-width digits fold).
pub fn decimal(cell: &Cell) -> Result<Option<f64>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) => Ok(Some(*n)),
        Cell::Text(s) => decimal_text(trim(s)),
        Cell::DateTime(dt) => Err(format!("“{}” is a date, not a number", format_datetime(dt))),
        Cell::Bool(b) => Err(format!("“{b}” is a yes/no value, not a number")),
    }
}

fn decimal_text(s: &str) -> Result<Option<f64>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    let plain = normalise_number(s).ok_or_else(|| not_a_number(s))?;
    plain.parse::<f64>().map(Some).map_err(|_| not_a_number(s))
}

fn not_a_number(s: &str) -> String {
    format!(
        "“{s}” is not a number: write it with digits and a decimal point, such as 8.5, \
         without units"
    )
}

/// Folds full-width digits, drops thousands separators in `1,234,567.5`, and
/// keeps only `[+-]digits[.digits][e[+-]digits]`; `None` for anything else.
fn normalise_number(s: &str) -> Option<String> {
    let folded: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '－' | '−' => '-',
            '＋' => '+',
            c => c,
        })
        .collect();
    let plain = strip_thousands(&folded)?;
    let body = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['+', '-']).unwrap_or(e))),
        None => (body, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((i, f)) => {
            (i.is_empty() || all_digits(i))
                && (f.is_empty() || all_digits(f))
                && !(i.is_empty() && f.is_empty())
        }
        None => all_digits(mantissa),
    };
    (mantissa_ok && exponent.is_none_or(all_digits)).then_some(plain)
}

/// `1,234,567.5` → `1234567.5`; text without commas unchanged; `None` when
/// the commas are not every three digits of the integer part.
fn strip_thousands(s: &str) -> Option<String> {
    if !s.contains(',') {
        return Some(s.to_owned());
    }
    let (int, frac) = s.split_once('.').map_or((s, None), |(i, f)| (i, Some(f)));
    let unsigned = int.strip_prefix(['+', '-']).unwrap_or(int);
    let mut groups = unsigned.split(',');
    let first = groups.next()?;
    let ok = (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3);
    if !ok || frac.is_some_and(|f| f.contains(',')) {
        return None;
    }
    Some(s.replace(',', ""))
}

/// A whole number: a number cell without a fractional part, or text such as
/// `42`, `-3`, `1,200` or `42.0`.
pub fn integer(cell: &Cell) -> Result<Option<i64>, String> {
    let shown = text(cell).unwrap_or_default();
    let Some(n) = decimal(cell)? else {
        return Ok(None);
    };
    if n.fract() != 0.0 {
        return Err(format!("“{shown}” is not a whole number"));
    }
    if n.abs() >= 9_007_199_254_740_992.0 {
        return Err(format!("“{shown}” is too large for a whole number here"));
    }
    if let Cell::Text(s) = cell
        && let Some(plain) = normalise_number(trim(s))
        && let Ok(exact) = plain.parse::<i64>()
    {
        return Ok(Some(exact));
    }
    Ok(Some(n as i64))
}

/// Trims white space (including U+3000 and no-break spaces), U+FEFF and
/// zero-width spaces from both ends.
pub fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}'))
}

/// A number as a person would write it: `42`, `8.5`; magnitudes of 1e15 and
/// more in scientific notation (`3.20102E17`), never with invented digits.
pub fn format_number(n: f64) -> String {
    if n.is_finite() && n.abs() < EXACT_DIGITS_LIMIT && n.fract() == 0.0 {
        format!("{}", n as i64)
    } else if n.is_finite() && n.abs() >= EXACT_DIGITS_LIMIT {
        format!("{n:E}")
    } else {
        format!("{n}")
    }
}

/// `2026-03-02` at midnight, otherwise `2026-03-02 09:15:00`.
pub fn format_datetime(dt: &NaiveDateTime) -> String {
    if dt.time() == NaiveTime::MIN {
        format!("{:04}-{:02}-{:02}", dt.year(), dt.month(), dt.day())
    } else if dt.nanosecond() == 0 {
        dt.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        dt.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn ymdhms(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        ymd(y, m, d).and_hms_opt(h, mi, s).expect("valid time")
    }

    #[test]
    fn text_trims_and_formats() {
        assert_eq!(text(&t("  \u{feff}王瑋\u{3000} ")), Some("王瑋".to_owned()));
        assert_eq!(text(&t("   ")), None);
        assert_eq!(text(&Cell::Empty), None);
        assert_eq!(text(&Cell::Number(42.0)), Some("42".to_owned()));
        assert_eq!(text(&Cell::Number(8.5)), Some("8.5".to_owned()));
        assert_eq!(
            text(&Cell::Number(3.20102e17)),
            Some("3.20102E17".to_owned())
        );
    }

    #[test]
    fn identifiers_keep_zeros_and_reject_lost_precision() {
        assert_eq!(identifier(&t("00042")), Ok(Some("00042".to_owned())));
        assert_eq!(identifier(&t(" 0100 ")), Ok(Some("0100".to_owned())));
        assert_eq!(identifier(&Cell::Number(42.0)), Ok(Some("42".to_owned())));
        assert_eq!(
            identifier(&Cell::Number(320_102_199_001_010.0)),
            Ok(Some("320102199001010".to_owned()))
        );
        for bad in [
            t("3.20102E+17"),
            t("3.2e17"),
            t("1E+15"),
            Cell::Number(3.20102199001e17),
        ] {
            let err = identifier(&bad).expect_err("scientific notation is rejected");
            assert!(err.contains("precision was lost"), "{err}");
            assert!(err.contains("re-export the column as text") || err.contains("Re-export"));
            assert!(!err.contains("320102000000000000"), "{err}");
        }
        assert!(identifier(&Cell::Number(12.5)).is_err());
        assert_eq!(
            identifier(&t("JS0000000017E")),
            Ok(Some("JS0000000017E".to_owned()))
        );
        assert_eq!(identifier(&t("E12")), Ok(Some("E12".to_owned())));
    }

    #[test]
    fn dates_in_every_written_form() {
        for s in [
            "2026-03-02",
            "2026/3/2",
            "2026.03.02",
            "2026年3月2日",
            "2026年03月02日",
            "20260302",
            "2026-03-02 09:15",
            "46083",
        ] {
            assert_eq!(date(&t(s), false), Ok(Some(ymd(2026, 3, 2))), "{s}");
        }
        assert_eq!(date(&t(""), false), Ok(None));
        assert_eq!(
            date(&Cell::Number(20260302.0), false),
            Ok(Some(ymd(2026, 3, 2)))
        );
        for bad in [
            "2026-13-02",
            "2026-02-30",
            "3/2/2026",
            "2026-03",
            "yesterday",
            "2026-3/2",
        ] {
            let err = date(&t(bad), false).expect_err(bad);
            assert!(err.contains("is not a date"), "{err}");
        }
    }

    #[test]
    fn serials_in_both_date_systems() {
        let n = |v: f64| Cell::Number(v);
        assert_eq!(date(&n(46083.0), false), Ok(Some(ymd(2026, 3, 2))));
        assert_eq!(date(&n(44621.0), true), Ok(Some(ymd(2026, 3, 2))));
        assert_eq!(date(&n(61.0), false), Ok(Some(ymd(1900, 3, 1))));
        assert_eq!(date(&n(59.0), false), Ok(Some(ymd(1900, 2, 28))));
        assert_eq!(date(&n(1.0), false), Ok(Some(ymd(1900, 1, 1))));
        assert!(date(&n(60.0), false).is_err(), "1900-02-29 never existed");
        assert!(date(&n(-1.0), false).is_err());
        assert!(date(&n(0.4), false).is_err());
        let frac = datetime(&n(46083.385416666664), false);
        assert_eq!(frac, Ok(Some(ymdhms(2026, 3, 2, 9, 15, 0))));
        assert_eq!(
            datetime(&n(46083.999999999), false),
            Ok(Some(ymdhms(2026, 3, 3, 0, 0, 0)))
        );
    }

    #[test]
    fn datetimes_with_times() {
        let want = ymdhms(2026, 3, 2, 9, 15, 0);
        for s in [
            "2026-03-02 09:15",
            "2026/3/2 9:15",
            "2026-03-02T09:15:00",
            "2026年3月2日 9:15",
        ] {
            assert_eq!(datetime(&t(s), false), Ok(Some(want)), "{s}");
        }
        let with_secs = datetime(&t("2026-03-02 09:15:30"), false);
        assert_eq!(with_secs, Ok(Some(ymdhms(2026, 3, 2, 9, 15, 30))));
        assert_eq!(
            datetime(&t("2026-03-02"), false),
            Ok(Some(ymdhms(2026, 3, 2, 0, 0, 0)))
        );
        assert_eq!(datetime(&Cell::DateTime(want), true), Ok(Some(want)));
        for bad in [
            "2026-03-02 25:00",
            "2026-03-02 9",
            "2026-03-0209:15",
            "2026-03-02 09:15 PM",
        ] {
            assert!(datetime(&t(bad), false).is_err(), "{bad}");
        }
    }

    #[test]
    fn decimals_and_integers() {
        assert_eq!(decimal(&t("8.5")), Ok(Some(8.5)));
        assert_eq!(decimal(&t(" -3 ")), Ok(Some(-3.0)));
        assert_eq!(decimal(&t("1,234.5")), Ok(Some(1234.5)));
        assert_eq!(decimal(&t("１２.５")), Ok(Some(12.5)));
        assert_eq!(decimal(&t(".5")), Ok(Some(0.5)));
        assert_eq!(decimal(&Cell::Number(21.0)), Ok(Some(21.0)));
        assert_eq!(decimal(&t("")), Ok(None));
        for bad in ["8.5米", "inf", "NaN", "1,23", "1.2.3", "-", ".", "e5"] {
            let err = decimal(&t(bad)).expect_err(bad);
            assert!(err.contains("is not a number"), "{err}");
        }
        assert_eq!(integer(&t("42")), Ok(Some(42)));
        assert_eq!(integer(&t("1,200")), Ok(Some(1200)));
        assert_eq!(integer(&t("42.0")), Ok(Some(42)));
        assert_eq!(integer(&Cell::Number(7.0)), Ok(Some(7)));
        assert!(integer(&t("9007199254740993")).is_err());
        assert!(
            integer(&t("12.5"))
                .expect_err("fraction")
                .contains("not a whole number")
        );
        assert!(integer(&Cell::Number(12.5)).is_err());
    }
}
