//! Three-no vessels (三无船舶: no name, no port of registry, no
//! certificate): the record, its state machine, detention bases, photos
//! and the report's statistics.

use super::incident::MAX_TEXT;
use super::{TimelineEntry, idcard};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The largest photo accepted, in bytes (10 MiB).
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// Where a vessel is: `found → registered → dismantled | left_voluntarily |
/// detained | regulated`. A detained vessel may still be dismantled, leave
/// or be regulated; that releases its place at the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VesselState {
    /// Reported, not yet entered in the register (imports).
    Found,
    /// In the register, photographed; awaiting disposal.
    Registered,
    /// Broken up (拆解).
    Dismantled,
    /// Left the waters of its own accord (自愿驶离).
    LeftVoluntarily,
    /// Held at a detention base or temporary point (扣押).
    Detained,
    /// Brought under regulation (纳入规范化管理).
    Regulated,
}

impl VesselState {
    /// Every state, in the order of the flow.
    pub const ALL: [VesselState; 6] = [
        VesselState::Found,
        VesselState::Registered,
        VesselState::Dismantled,
        VesselState::LeftVoluntarily,
        VesselState::Detained,
        VesselState::Regulated,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            VesselState::Found => "found",
            VesselState::Registered => "registered",
            VesselState::Dismantled => "dismantled",
            VesselState::LeftVoluntarily => "left_voluntarily",
            VesselState::Detained => "detained",
            VesselState::Regulated => "regulated",
        }
    }

    /// Whether the case still waits for a disposal.
    pub fn is_open(self) -> bool {
        matches!(self, VesselState::Found | VesselState::Registered)
    }
}

impl fmt::Display for VesselState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VesselState {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VesselState::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown state `{s}`; expected found, registered, dismantled, \
                     left_voluntarily, detained or regulated"
                )
            })
    }
}

/// What a hull is made of.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Material {
    /// 木质
    Wood,
    /// 钢质
    Steel,
    /// 玻璃钢
    Fiberglass,
    /// 水泥
    Cement,
    /// 其他
    Other,
}

impl Material {
    /// Every material.
    pub const ALL: [Material; 5] = [
        Material::Wood,
        Material::Steel,
        Material::Fiberglass,
        Material::Cement,
        Material::Other,
    ];

    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Material::Wood => "wood",
            Material::Steel => "steel",
            Material::Fiberglass => "fiberglass",
            Material::Cement => "cement",
            Material::Other => "other",
        }
    }

    /// The Chinese name shown in tables.
    pub fn label(self) -> &'static str {
        match self {
            Material::Wood => "木质",
            Material::Steel => "钢质",
            Material::Fiberglass => "玻璃钢",
            Material::Cement => "水泥",
            Material::Other => "其他",
        }
    }
}

impl FromStr for Material {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Material::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                format!("unknown material `{s}`; expected wood, steel, fiberglass, cement or other")
            })
    }
}

/// How a case ends, as `vessel dispose --as` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Disposal {
    /// Broken up.
    Dismantled,
    /// Left voluntarily.
    Left,
    /// Held at a detention base (needs `--base`).
    Detained,
    /// Brought under regulation.
    Regulated,
}

/// The fields of a vessel's description, as given at registration or in an
/// update; every one optional in an update.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, utoipa::ToSchema)]
pub struct VesselFields {
    /// Waterway where it was found (长江, 京杭运河 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waterway: Option<String>,
    /// City, full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Latitude, degrees north.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude, degrees east.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Hull type, free text (平底船, 快艇 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hull: Option<String>,
    /// What the hull is made of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<Material>,
    /// Length in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_m: Option<f64>,
    /// Engine power in kW.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_kw: Option<f64>,
    /// Marks, paint, numbers seen on the hull.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marks: Option<String>,
    /// The known owner's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_name: Option<String>,
    /// The known owner's resident ID number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
}

/// What an officer registers.
#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq, utoipa::ToSchema)]
pub struct NewVessel {
    /// When it was found; now when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_at: Option<DateTime<Utc>>,
    /// Where and what it is; `waterway` and `city` are required.
    #[serde(flatten)]
    pub fields: VesselFields,
    /// A remark for the timeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn text_ok(name: &str, value: &Option<String>, max: usize) -> Result<(), String> {
    match value {
        Some(v) if v.chars().count() > max => Err(format!(
            "`{name}` is {} characters; keep it under {max}",
            v.chars().count()
        )),
        _ => Ok(()),
    }
}

/// Jiangsu's bounding box, with a margin: a position outside it is a typo.
const LAT: (f64, f64) = (30.0, 36.0);
const LON: (f64, f64) = (116.0, 122.5);

impl VesselFields {
    /// Checks the fields that are set; a resident ID must pass its check
    /// character. Returns the fields with the ID normalised.
    pub fn validate(mut self) -> Result<VesselFields, String> {
        for (name, value) in [("waterway", &self.waterway), ("city", &self.city)] {
            if value.as_ref().is_some_and(|v| v.trim().is_empty()) {
                return Err(format!("`{name}` cannot be empty"));
            }
            text_ok(name, value, 50)?;
        }
        for (name, value) in [
            ("hull", &self.hull),
            ("marks", &self.marks),
            ("owner_name", &self.owner_name),
        ] {
            text_ok(name, value, 200)?;
        }
        if let Some(lat) = self.lat.filter(|v| !(LAT.0..=LAT.1).contains(v)) {
            return Err(format!(
                "`lat {lat}` is outside Jiangsu; give degrees north, {} to {}",
                LAT.0, LAT.1
            ));
        }
        if let Some(lon) = self.lon.filter(|v| !(LON.0..=LON.1).contains(v)) {
            return Err(format!(
                "`lon {lon}` is outside Jiangsu; give degrees east, {} to {}",
                LON.0, LON.1
            ));
        }
        if self.lat.is_some() != self.lon.is_some() {
            return Err("give both `lat` and `lon`, or neither".into());
        }
        if let Some(l) = self.length_m.filter(|l| !(*l > 0.0 && *l <= 200.0)) {
            return Err(format!(
                "`length {l}` metres: give the hull length, above 0 up to 200"
            ));
        }
        if let Some(k) = self.engine_kw.filter(|k| !(*k >= 0.0 && *k <= 10_000.0)) {
            return Err(format!(
                "`engine-kw {k}`: give the engine power, 0 to 10000 kW"
            ));
        }
        if let Some(id) = &self.owner_id {
            self.owner_id = Some(idcard::validate(id)?);
        }
        self.city = self.city.map(|c| super::city::full_name(&c));
        self.waterway = self.waterway.map(|w| w.trim().to_string());
        Ok(self)
    }
}

impl NewVessel {
    /// Checks a registration: waterway and city given, every field in range.
    pub fn validate(mut self, now: DateTime<Utc>) -> Result<NewVessel, String> {
        if self.fields.waterway.is_none() {
            return Err(
                "`waterway` is required: where was the vessel found (长江, 京杭运河 …)?".into(),
            );
        }
        if self.fields.city.is_none() {
            return Err("`city` is required: the city whose waters it was found in".into());
        }
        if self
            .found_at
            .is_some_and(|t| t > now + chrono::Duration::minutes(5))
        {
            return Err("`found_at` is in the future; give when the vessel was found".into());
        }
        text_ok("note", &self.note, MAX_TEXT)?;
        self.fields = self.fields.validate()?;
        Ok(self)
    }
}

/// A step of a vessel's case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum VesselStep {
    /// Enter a found vessel in the register.
    Register {
        /// A remark.
        #[serde(default)]
        note: Option<String>,
    },
    /// It was broken up.
    Dismantle {
        /// A remark.
        #[serde(default)]
        note: Option<String>,
    },
    /// It left of its own accord.
    Leave {
        /// A remark.
        #[serde(default)]
        note: Option<String>,
    },
    /// Hold it at a detention base or temporary point, by code.
    Detain {
        /// The base's code (`base list`).
        base: String,
        /// A remark.
        #[serde(default)]
        note: Option<String>,
    },
    /// Bring it under regulation.
    Regulate {
        /// A remark.
        #[serde(default)]
        note: Option<String>,
    },
    /// Add a note to the timeline.
    Note {
        /// The note.
        text: String,
    },
}

/// Every step's name, for the URL and for listing what is allowed.
pub const STEPS: [&str; 6] = [
    "register",
    "dismantle",
    "leave",
    "detain",
    "regulate",
    "note",
];

impl VesselStep {
    /// The step a `dispose --as` asks for.
    pub fn dispose(how: Disposal, base: Option<String>, note: Option<String>) -> VesselStep {
        match how {
            Disposal::Dismantled => VesselStep::Dismantle { note },
            Disposal::Left => VesselStep::Leave { note },
            Disposal::Detained => VesselStep::Detain {
                base: base.unwrap_or_default(),
                note,
            },
            Disposal::Regulated => VesselStep::Regulate { note },
        }
    }

    /// The verb, as in the URL and the timeline.
    pub fn name(&self) -> &'static str {
        match self {
            VesselStep::Register { .. } => "register",
            VesselStep::Dismantle { .. } => "dismantle",
            VesselStep::Leave { .. } => "leave",
            VesselStep::Detain { .. } => "detain",
            VesselStep::Regulate { .. } => "regulate",
            VesselStep::Note { .. } => "note",
        }
    }

    /// The states a step named `name` may start from.
    fn allowed_from(name: &str) -> &'static [VesselState] {
        use VesselState::*;
        match name {
            "register" => &[Found],
            "detain" => &[Registered],
            "dismantle" | "leave" | "regulate" => &[Registered, Detained],
            _ => &VesselState::ALL,
        }
    }

    /// The state after this step; a note keeps the state.
    pub fn target(&self, from: VesselState) -> VesselState {
        match self {
            VesselStep::Register { .. } => VesselState::Registered,
            VesselStep::Dismantle { .. } => VesselState::Dismantled,
            VesselStep::Leave { .. } => VesselState::LeftVoluntarily,
            VesselStep::Detain { .. } => VesselState::Detained,
            VesselStep::Regulate { .. } => VesselState::Regulated,
            VesselStep::Note { .. } => from,
        }
    }

    /// The remark or note text, trimmed.
    pub fn text(&self) -> String {
        match self {
            VesselStep::Note { text } => text.trim().to_string(),
            VesselStep::Register { note }
            | VesselStep::Dismantle { note }
            | VesselStep::Leave { note }
            | VesselStep::Detain { note, .. }
            | VesselStep::Regulate { note } => note.as_deref().unwrap_or("").trim().to_string(),
        }
    }

    /// Checks that this step may be taken from `from` and that its fields
    /// are filled. The error names the steps that are allowed now.
    pub fn check(&self, id: i64, from: VesselState) -> Result<(), String> {
        match self {
            VesselStep::Note { text } if text.trim().is_empty() => {
                return Err("a note needs some text".into());
            }
            VesselStep::Detain { base, .. } if base.trim().is_empty() => {
                return Err(
                    "detaining needs the base: add `--base CODE` (`safedesk base list`)".into(),
                );
            }
            _ => {}
        }
        let text = self.text();
        if text.chars().count() > MAX_TEXT {
            return Err(format!(
                "the text is {} characters; keep it under {MAX_TEXT}",
                text.chars().count()
            ));
        }
        if Self::allowed_from(self.name()).contains(&from) {
            return Ok(());
        }
        let allowed: Vec<&str> = STEPS
            .into_iter()
            .filter(|s| Self::allowed_from(s).contains(&from))
            .collect();
        Err(format!(
            "vessel {id} is {from}, and `{}` cannot be done from {from}; allowed now: {}",
            self.name(),
            allowed.join(", ")
        ))
    }
}

/// A three-no vessel, as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Vessel {
    /// The case number.
    pub id: i64,
    /// Where the case is.
    pub state: VesselState,
    /// Bumped on every change; send it back in `If-Match`.
    pub version: i64,
    /// When it was found.
    pub found_at: DateTime<Utc>,
    /// Waterway, city, position, hull, owner (the resident ID masked).
    #[serde(flatten)]
    pub fields: VesselFields,
    /// The base it is held at, by code, while detained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// The base's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_name: Option<String>,
    /// When it reached its end state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposed_at: Option<DateTime<Utc>>,
    /// How many photos it has.
    pub photos: i64,
    /// The number in the county register it was imported from (登记号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_no: Option<String>,
    /// The name painted on it, if any (船名).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its home port, when the register gives one (船籍港).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_port: Option<String>,
    /// Every step so far; present on `show`, empty in lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
}

/// A detention base (扣押基地) or temporary point (临时扣押点).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Base {
    /// Its code, `B01`… for bases, `T01`… for temporary points.
    pub code: String,
    /// Its name.
    pub name: String,
    /// `base` or `temporary`.
    pub kind: String,
    /// City, full name.
    pub city: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// How many vessels it can hold.
    pub capacity: i64,
    /// How many it holds now.
    pub occupied: i64,
}

impl Base {
    /// Places left.
    pub fn free(&self) -> i64 {
        (self.capacity - self.occupied).max(0)
    }

    /// `基地` or `临时点`, for tables.
    pub fn kind_label(&self) -> &'static str {
        if self.kind == "temporary" {
            "临时点"
        } else {
            "基地"
        }
    }
}

/// Great-circle distance in km between two points given in degrees.
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1, la2, lo2) = (
        a.0.to_radians(),
        a.1.to_radians(),
        b.0.to_radians(),
        b.1.to_radians(),
    );
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// A photo of a vessel, stored once by its SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Photo {
    /// The SHA-256 of its bytes, hex; the photo's name.
    pub sha256: String,
    /// `image/jpeg` or `image/png`, from its content.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// When it was added to this vessel.
    pub added_at: DateTime<Utc>,
    /// Who added it.
    pub added_by: String,
}

/// The image type of `bytes`, read from its first bytes: JPEG (`FF D8 FF`)
/// or PNG; `None` for anything else.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// Checks a photo's size and type; the error says what is wrong with
/// `name` (a file name or `the photo`).
pub fn check_photo(name: &str, bytes: &[u8]) -> Result<&'static str, String> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(format!(
            "{name} is {} bytes; a photo may be at most {} MB ({MAX_PHOTO_BYTES} bytes), so \
             send a smaller one",
            bytes.len(),
            MAX_PHOTO_BYTES / 1_048_576
        ));
    }
    image_type(bytes)
        .ok_or_else(|| format!("{name} is not a JPEG or PNG image (by its content); send a photo"))
}

/// The register's figures for one group, in the report's categories.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, utoipa::ToSchema)]
pub struct VesselStats {
    /// A city, a month (`2026-05`), a state, or `total`.
    pub group: String,
    /// Vessels found (排查发现).
    pub found: i64,
    /// Dismantled (拆解).
    pub dismantled: i64,
    /// Left voluntarily (自愿驶离).
    pub left: i64,
    /// Detained (扣押).
    pub detained: i64,
    /// Regulated (纳入规范化管理).
    pub regulated: i64,
    /// Still waiting for a disposal.
    pub open: i64,
}

impl VesselStats {
    /// Counts one vessel in state `state`.
    pub fn add(&mut self, state: VesselState) {
        self.found += 1;
        match state {
            VesselState::Dismantled => self.dismantled += 1,
            VesselState::LeftVoluntarily => self.left += 1,
            VesselState::Detained => self.detained += 1,
            VesselState::Regulated => self.regulated += 1,
            VesselState::Found | VesselState::Registered => self.open += 1,
        }
    }
}

/// Groups `(key, state)` pairs, groups sorted by key, with `total` last.
pub fn vessel_stats(rows: impl IntoIterator<Item = (String, VesselState)>) -> Vec<VesselStats> {
    let mut groups: std::collections::BTreeMap<String, VesselStats> = Default::default();
    let mut total = VesselStats {
        group: "total".into(),
        ..Default::default()
    };
    for (key, state) in rows {
        let g = groups.entry(key.clone()).or_insert_with(|| VesselStats {
            group: key,
            ..Default::default()
        });
        g.add(state);
        total.add(state);
    }
    let mut out: Vec<VesselStats> = groups.into_values().collect();
    out.push(total);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use VesselState::*;

    #[test]
    fn the_flow_runs_from_found_to_an_end() {
        let mut s = Found;
        for step in [
            VesselStep::Register { note: None },
            VesselStep::Detain {
                base: "B01".into(),
                note: None,
            },
            VesselStep::Dismantle { note: None },
        ] {
            step.check(1, s).unwrap();
            s = step.target(s);
        }
        assert_eq!(s, Dismantled);
    }

    #[test]
    fn a_forbidden_step_names_the_allowed_ones() {
        let err = VesselStep::Leave { note: None }
            .check(9, Dismantled)
            .unwrap_err();
        assert_eq!(
            err,
            "vessel 9 is dismantled, and `leave` cannot be done from dismantled; allowed now: note"
        );
        let err = VesselStep::Register { note: None }
            .check(9, Registered)
            .unwrap_err();
        assert!(
            err.ends_with("allowed now: dismantle, leave, detain, regulate, note"),
            "{err}"
        );
    }

    #[test]
    fn detaining_needs_a_base() {
        let step = VesselStep::dispose(Disposal::Detained, None, None);
        assert!(step.check(1, Registered).unwrap_err().contains("--base"));
    }

    #[test]
    fn photos_are_typed_by_content() {
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert!(check_photo("a.jpg", b"GIF89a").is_err());
        let big = vec![0xFF; MAX_PHOTO_BYTES + 1];
        assert!(
            check_photo("big.jpg", &big)
                .unwrap_err()
                .contains("at most 10 MB")
        );
    }

    #[test]
    fn registration_checks_the_owner_id() {
        let new = NewVessel {
            fields: VesselFields {
                waterway: Some("长江".into()),
                city: Some("南京".into()),
                owner_id: Some("110105194912310021".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(new.clone().validate(Utc::now()).is_err());
        let mut ok = new;
        ok.fields.owner_id = Some("11010519491231002x".into());
        let v = ok.validate(Utc::now()).unwrap();
        assert_eq!(v.fields.city.as_deref(), Some("南京市"));
        assert_eq!(v.fields.owner_id.as_deref(), Some("11010519491231002X"));
    }

    #[test]
    fn stats_follow_the_report_categories() {
        let rows = vec![
            ("南京市".to_string(), Dismantled),
            ("南京市".to_string(), Detained),
            ("镇江市".to_string(), Registered),
        ];
        let s = vessel_stats(rows);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].found, 2);
        assert_eq!(s[2].group, "total");
        assert_eq!((s[2].found, s[2].open, s[2].detained), (3, 1, 1));
    }

    #[test]
    fn distances_are_great_circle() {
        let nanjing = (32.06, 118.80);
        let zhenjiang = (32.20, 119.45);
        let d = distance_km(nanjing, zhenjiang);
        assert!((55.0..70.0).contains(&d), "{d}");
    }
}
