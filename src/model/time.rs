//! Times: UTC on the wire and in the store, the operator's zone on screen.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// The operators' zone, China Standard Time (UTC+8, no daylight saving).
pub fn operator_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Milliseconds since the epoch, as the store keeps times.
pub fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The instant that the store's milliseconds stand for.
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// `HH:MM:SS` in the operator's zone.
pub fn clock(t: DateTime<Utc>) -> String {
    t.with_timezone(&operator_zone())
        .format("%H:%M:%S")
        .to_string()
}

/// `YYYY-MM-DD HH:MM` in the operator's zone.
pub fn local_minute(t: DateTime<Utc>) -> String {
    t.with_timezone(&operator_zone())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Today's date in the operator's zone.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&operator_zone()).date_naive()
}

/// The UTC instants at which a local day starts and the next one starts.
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let zone = operator_zone();
    let start = zone
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .unwrap_or_default()
        .with_timezone(&Utc);
    (start, start + chrono::Duration::days(1))
}

/// `mm:ss` for an elapsed time, `h:mm:ss` past an hour; negative counts as zero.
pub fn elapsed(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_bounds_are_local_midnights() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 5).unwrap();
        let (start, end) = day_bounds(day);
        assert_eq!(start.to_rfc3339(), "2026-11-04T16:00:00+00:00");
        assert_eq!((end - start).num_hours(), 24);
    }

    #[test]
    fn elapsed_reads_as_a_clock() {
        assert_eq!(elapsed(0), "00:00");
        assert_eq!(elapsed(1661), "27:41");
        assert_eq!(elapsed(3725), "1:02:05");
        assert_eq!(elapsed(-5), "00:00");
    }
}
