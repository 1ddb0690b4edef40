//! Gantry passages (DESIGN §4.3): an ETC gantry, toll or checkpoint saw a
//! plate at a time. Passages are the large, append-only table; one is
//! known by its natural key (gantry, time, plate), so storing the same
//! passage twice changes nothing.
//!
//! Each field reads the spellings found in ETC exports: English names,
//! the numeric codes, and the Chinese words.

use super::blacklist::Stage;
use super::plate;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The most passages one `POST /api/v1/passages` may carry.
pub const MAX_PASSAGES: usize = 10_000;

/// The longest gantry id accepted.
const MAX_GANTRY_ID: usize = 32;

/// The event kind of a passage of a grey or black vehicle.
pub const ALERT_KIND: &str = "alert.passage";

/// The vehicle class an ETC gantry records (JT/T 489 toll classes, folded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum VehicleClass {
    /// Class-1 passenger vehicle: a car, up to 9 seats (客1).
    Car,
    /// Class-2 and class-3 passenger vehicles: minibuses and medium buses,
    /// 10 to 39 seats (客2, 客3).
    Passenger,
    /// Class-4 passenger vehicle: a large bus or coach, 40 seats or more (客4).
    Coach,
    /// Goods vehicles of any class (货1 to 货6).
    Truck,
    /// Special-purpose vehicles (专1 to 专6).
    Special,
}

impl VehicleClass {
    /// Every class.
    pub const ALL: [VehicleClass; 5] = [
        VehicleClass::Car,
        VehicleClass::Passenger,
        VehicleClass::Coach,
        VehicleClass::Truck,
        VehicleClass::Special,
    ];

    /// The name on the wire and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            VehicleClass::Car => "car",
            VehicleClass::Passenger => "passenger",
            VehicleClass::Coach => "coach",
            VehicleClass::Truck => "truck",
            VehicleClass::Special => "special",
        }
    }

    /// A bus: what screening looks at.
    pub fn is_bus(self) -> bool {
        matches!(self, VehicleClass::Passenger | VehicleClass::Coach)
    }
}

impl fmt::Display for VehicleClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VehicleClass {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_lowercase();
        let class = match t.as_str() {
            "car" | "1" | "客1" | "一类客车" => VehicleClass::Car,
            "passenger" | "2" | "3" | "客2" | "客3" | "二类客车" | "三类客车" => {
                VehicleClass::Passenger
            }
            "coach" | "4" | "客4" | "四类客车" => VehicleClass::Coach,
            "truck" | "11" | "12" | "13" | "14" | "15" | "16" => VehicleClass::Truck,
            "special" | "21" | "22" | "23" | "24" | "25" | "26" => VehicleClass::Special,
            _ if t.starts_with('货') || t.ends_with("货车") => VehicleClass::Truck,
            _ if t.starts_with('专') || t.ends_with("作业车") => VehicleClass::Special,
            _ => {
                return Err(format!(
                    "unknown vehicle class `{}`; expected car, passenger, coach, truck or \
                     special (or the ETC code 1–4, 11–16, 21–26)",
                    s.trim()
                ));
            }
        };
        Ok(class)
    }
}

/// The plate's colour as the gantry read it (ETC colour codes 0 to 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PlateColour {
    /// 蓝, code 0: small cars.
    Blue,
    /// 黄, code 1: large vehicles, buses, trucks.
    Yellow,
    /// 黑, code 2: foreign and Hong Kong/Macao vehicles.
    Black,
    /// 白, code 3: police and military.
    White,
    /// 绿, code 4: small new-energy cars.
    Green,
    /// 黄绿, code 5: large new-energy vehicles.
    YellowGreen,
}

impl PlateColour {
    /// Every colour, in the order of the ETC codes.
    pub const ALL: [PlateColour; 6] = [
        PlateColour::Blue,
        PlateColour::Yellow,
        PlateColour::Black,
        PlateColour::White,
        PlateColour::Green,
        PlateColour::YellowGreen,
    ];

    /// The name on the wire and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            PlateColour::Blue => "blue",
            PlateColour::Yellow => "yellow",
            PlateColour::Black => "black",
            PlateColour::White => "white",
            PlateColour::Green => "green",
            PlateColour::YellowGreen => "yellow-green",
        }
    }

    fn chinese(self) -> &'static str {
        match self {
            PlateColour::Blue => "蓝",
            PlateColour::Yellow => "黄",
            PlateColour::Black => "黑",
            PlateColour::White => "白",
            PlateColour::Green => "绿",
            PlateColour::YellowGreen => "黄绿",
        }
    }
}

impl fmt::Display for PlateColour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PlateColour {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_lowercase();
        let t = t.trim_end_matches('色');
        PlateColour::ALL
            .into_iter()
            .enumerate()
            .find(|(i, c)| t == c.as_str() || t == c.chinese() || t == i.to_string())
            .map(|(_, c)| c)
            .ok_or_else(|| {
                format!(
                    "unknown plate colour `{}`; expected blue, yellow, black, white, green or \
                     yellow-green (or the ETC code 0–5)",
                    s.trim()
                )
            })
    }
}

/// Which way a gantry faces along its road.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 上行, code 1.
    Up,
    /// 下行, code 2.
    Down,
}

impl Direction {
    /// The name on the wire and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Direction {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().as_str() {
            "up" | "1" | "上行" => Ok(Direction::Up),
            "down" | "2" | "下行" => Ok(Direction::Down),
            _ => Err(format!(
                "unknown direction `{}`; expected up or down (1 or 2, 上行 or 下行)",
                s.trim()
            )),
        }
    }
}

/// An ETC gantry (or toll station, or checkpoint) on the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Gantry {
    /// The gantry's id as the ETC system writes it, e.g. `G004232001001010`.
    pub id: String,
    /// Its name, e.g. `沪宁高速 南京仙林枢纽 上行`.
    pub name: String,
    /// The road, e.g. `G42 沪蓉高速`.
    pub road: String,
    /// The city it stands in (full name).
    pub city: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Which way it faces.
    pub direction: Direction,
}

/// One passage to store, as `POST /api/v1/passages` takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewPassage {
    /// The gantry's id.
    pub gantry: String,
    /// When the vehicle passed.
    pub at: DateTime<Utc>,
    /// The plate as read; the server normalises it.
    pub plate: String,
    /// The plate's colour.
    pub colour: PlateColour,
    /// The vehicle class.
    pub class: VehicleClass,
    /// Which way it went; the gantry's own direction when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

impl NewPassage {
    /// One row of a passage file, field by field as text: checked and
    /// normalised, or a sentence saying what is wrong. `at` is RFC 3339,
    /// or `YYYY-MM-DD HH:MM[:SS]` in the operator's zone (UTC+8).
    pub fn from_fields(
        gantry: &str,
        at: &str,
        plate: &str,
        colour: &str,
        class: &str,
        direction: Option<&str>,
    ) -> Result<NewPassage, String> {
        let new = NewPassage {
            gantry: gantry.to_string(),
            at: parse_passage_time(at)?,
            plate: plate.to_string(),
            colour: colour.parse()?,
            class: class.parse()?,
            direction: direction
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::parse)
                .transpose()?,
        };
        new.checked()
    }

    /// The passage with its gantry id trimmed and its plate normalised, or
    /// what is wrong with it.
    pub fn checked(&self) -> Result<NewPassage, String> {
        let gantry = self.gantry.trim();
        if gantry.is_empty() {
            return Err("the gantry id is empty".into());
        }
        let good = gantry.len() <= MAX_GANTRY_ID
            && gantry
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !good {
            return Err(format!(
                "`{gantry}` is not a gantry id: letters, digits, `-` and `_`, at most \
                 {MAX_GANTRY_ID}"
            ));
        }
        let plate = plate::parse(&self.plate)?.plate;
        Ok(NewPassage {
            gantry: gantry.to_string(),
            plate,
            ..self.clone()
        })
    }
}

/// Reads a passage time: RFC 3339, or a local `YYYY-MM-DD HH:MM[:SS]`.
fn parse_passage_time(text: &str) -> Result<DateTime<Utc>, String> {
    use chrono::{NaiveDateTime, TimeZone};
    let trimmed = text.trim();
    let local = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(trimmed, f).ok());
    match local {
        Some(t) => super::time::operator_zone()
            .from_local_datetime(&t)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| format!("`{trimmed}` is not a time")),
        None => super::muck::parse_time(trimmed),
    }
}

/// A stored passage, with its gantry's name and place when the gantry is
/// on the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Passage {
    /// Its number.
    pub id: i64,
    /// The gantry's id.
    pub gantry: String,
    /// The gantry's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gantry_name: Option<String>,
    /// The road.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub road: Option<String>,
    /// The city.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// When the vehicle passed.
    pub at: DateTime<Utc>,
    /// The normalised plate.
    pub plate: String,
    /// The plate's colour.
    pub colour: PlateColour,
    /// The vehicle class.
    pub class: VehicleClass,
    /// Which way it went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

/// What storing a set of passages did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PassageCounts {
    /// Passages stored now.
    pub inserted: u64,
    /// Passages already stored (same gantry, time and plate), left as they were.
    pub duplicate: u64,
    /// Alerts raised: stored passages of grey or black vehicles.
    #[serde(default)]
    pub alerts: u64,
}

/// A passage of a vehicle on the grey or black list: the data of an
/// `alert.passage` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alert {
    /// The normalised plate.
    pub plate: String,
    /// The province that issued it.
    pub province: String,
    /// Its stage on the illegal-operation list.
    pub stage: Stage,
    /// Why it is there.
    pub reason: String,
    /// When it passed.
    pub at: DateTime<Utc>,
    /// The gantry's id.
    pub gantry: String,
    /// The gantry's name.
    #[serde(default)]
    pub gantry_name: Option<String>,
    /// The road.
    #[serde(default)]
    pub road: Option<String>,
    /// The city.
    #[serde(default)]
    pub city: Option<String>,
    /// Which way it went.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// The vehicle class.
    pub class: VehicleClass,
    /// The plate's colour.
    pub colour: PlateColour,
}

/// An alert with the id of its event, as `GET /api/v1/alerts` lists it
/// and `alerts --follow --format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertRecord {
    /// The event's id; resume after it with `--after`.
    pub id: i64,
    /// The alert.
    #[serde(flatten)]
    pub alert: Alert,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_read_from_etc_spellings() {
        let p = NewPassage::from_fields(
            " G004232001001010 ",
            "2026-11-20 08:31:05",
            "苏 a·12345",
            "1",
            "客4",
            Some("上行"),
        )
        .unwrap();
        assert_eq!(p.gantry, "G004232001001010");
        assert_eq!(p.plate, "苏A12345");
        assert_eq!(p.at.to_rfc3339(), "2026-11-20T00:31:05+00:00");
        assert_eq!(
            (p.colour, p.class, p.direction),
            (
                PlateColour::Yellow,
                VehicleClass::Coach,
                Some(Direction::Up)
            )
        );
        let q =
            NewPassage::from_fields("G1", "2026-11-20T00:31:05Z", "皖K80003", "黄色", "2", None)
                .unwrap();
        assert_eq!((q.class, q.direction), (VehicleClass::Passenger, None));
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = |g, t, p, c, k| NewPassage::from_fields(g, t, p, c, k, None).unwrap_err();
        assert!(bad("", "2026-11-20 08:00", "苏A12345", "blue", "car").contains("gantry"));
        assert!(bad("G1", "yesterday", "苏A12345", "blue", "car").contains("not a time"));
        assert!(bad("G1", "2026-11-20 08:00", "A12345", "blue", "car").contains("province"));
        assert!(bad("G1", "2026-11-20 08:00", "苏A12345", "pink", "car").contains("colour"));
        assert!(bad("G1", "2026-11-20 08:00", "苏A12345", "blue", "boat").contains("class"));
        assert!(bad("G 1", "2026-11-20 08:00", "苏A12345", "blue", "car").contains("gantry id"));
    }

    #[test]
    fn buses_are_passenger_and_coach() {
        let buses: Vec<_> = VehicleClass::ALL.iter().filter(|c| c.is_bus()).collect();
        assert_eq!(buses, [&VehicleClass::Passenger, &VehicleClass::Coach]);
        assert_eq!("货3".parse::<VehicleClass>(), Ok(VehicleClass::Truck));
    }
}
