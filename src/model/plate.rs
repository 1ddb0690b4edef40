//! Vehicle plates: normalised, checked and classified (DESIGN §4.3).
//!
//! A plate is a province abbreviation, the issuing office's letter, and
//! five or six characters after it; the kind follows from the shape. The
//! letters I and O are never used, so that they are not read as 1 and 0.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The 31 province abbreviations and the provinces they stand for.
pub const PROVINCES: [(char, &str); 31] = [
    ('京', "北京市"),
    ('津', "天津市"),
    ('沪', "上海市"),
    ('渝', "重庆市"),
    ('冀', "河北省"),
    ('晋', "山西省"),
    ('蒙', "内蒙古自治区"),
    ('辽', "辽宁省"),
    ('吉', "吉林省"),
    ('黑', "黑龙江省"),
    ('苏', "江苏省"),
    ('浙', "浙江省"),
    ('皖', "安徽省"),
    ('闽', "福建省"),
    ('赣', "江西省"),
    ('鲁', "山东省"),
    ('豫', "河南省"),
    ('鄂', "湖北省"),
    ('湘', "湖南省"),
    ('粤', "广东省"),
    ('桂', "广西壮族自治区"),
    ('琼', "海南省"),
    ('川', "四川省"),
    ('贵', "贵州省"),
    ('云', "云南省"),
    ('藏', "西藏自治区"),
    ('陕', "陕西省"),
    ('甘', "甘肃省"),
    ('青', "青海省"),
    ('宁', "宁夏回族自治区"),
    ('新', "新疆维吾尔自治区"),
];

/// The province an abbreviation stands for.
pub fn province_of(abbreviation: char) -> Option<&'static str> {
    PROVINCES
        .iter()
        .find(|(c, _)| *c == abbreviation)
        .map(|(_, name)| *name)
}

/// The province for a filter given as `苏`, `江苏`, `江苏省` or a full name.
pub fn province_filter(text: &str) -> Option<&'static str> {
    let text = text.trim();
    PROVINCES.iter().map(|(_, name)| *name).find(|name| {
        *name == text
            || (!text.is_empty() && name.starts_with(text))
            || text.chars().count() == 1 && text.chars().next().and_then(province_of) == Some(name)
    })
}

/// What kind of plate it is, from its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PlateKind {
    /// Five characters after the office letter (blue small cars, yellow large).
    Ordinary,
    /// Small new-energy car: `D` or `F` first of six characters (green).
    NewEnergySmall,
    /// Large new-energy vehicle: five digits, then `D` or `F` (yellow-green).
    NewEnergyLarge,
    /// Trailer, ending in `挂`.
    Trailer,
    /// Driving-school coach, ending in `学`.
    Coach,
    /// Police, ending in `警`.
    Police,
    /// A Hong Kong vehicle admitted to the mainland, `粤Z…港`.
    HongKong,
    /// A Macao vehicle admitted to the mainland, `粤Z…澳`.
    Macao,
}

impl PlateKind {
    /// The name on the wire and in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            PlateKind::Ordinary => "ordinary",
            PlateKind::NewEnergySmall => "new-energy-small",
            PlateKind::NewEnergyLarge => "new-energy-large",
            PlateKind::Trailer => "trailer",
            PlateKind::Coach => "coach",
            PlateKind::Police => "police",
            PlateKind::HongKong => "hong-kong",
            PlateKind::Macao => "macao",
        }
    }

    /// The plate's colour. An ordinary plate is blue on a small car and
    /// yellow on a large vehicle; the characters alone cannot tell which.
    pub fn colour(self) -> &'static str {
        match self {
            PlateKind::Ordinary => "blue/yellow",
            PlateKind::NewEnergySmall => "green",
            PlateKind::NewEnergyLarge => "yellow-green",
            PlateKind::Trailer | PlateKind::Coach => "yellow",
            PlateKind::Police => "white",
            PlateKind::HongKong | PlateKind::Macao => "black",
        }
    }
}

impl fmt::Display for PlateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checked plate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Plate {
    /// The normalised plate, e.g. `苏A12345`.
    pub plate: String,
    /// What kind of plate.
    pub kind: PlateKind,
    /// The plate's colour (`blue/yellow` for an ordinary plate).
    pub colour: String,
    /// The province that issued it, e.g. `江苏省`.
    pub province: String,
}

/// The plate as it is stored and compared: full-width letters and digits
/// folded to ASCII, upper case, and `·`, `•`, spaces and hyphens removed.
pub fn normalise(input: &str) -> String {
    input
        .chars()
        .filter_map(|c| {
            let c = match c {
                // Full-width ASCII (Ｆ, １) sits 0xFEE0 above the ASCII one.
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                _ => c,
            };
            let dropped = c.is_whitespace() || matches!(c, '·' | '•' | '・' | '-');
            (!dropped).then(|| c.to_ascii_uppercase())
        })
        .collect()
}

/// A plate letter: A to Z without I and O.
fn is_letter(c: char) -> bool {
    c.is_ascii_uppercase() && c != 'I' && c != 'O'
}

/// A serial character: a plate letter or a digit.
fn is_serial(c: char) -> bool {
    c.is_ascii_digit() || is_letter(c)
}

/// Normalises, checks and classifies a plate. The error says what is wrong.
pub fn parse(input: &str) -> Result<Plate, String> {
    let plate = normalise(input);
    let chars: Vec<char> = plate.chars().collect();
    let shown = input.trim();
    let Some(province) = chars.first().and_then(|c| province_of(*c)) else {
        return Err(format!(
            "`{shown}` is not a plate: it must start with a province abbreviation such as 苏"
        ));
    };
    match chars.get(1) {
        Some(c) if is_letter(*c) => {}
        Some('I' | 'O') => {
            return Err(format!(
                "`{shown}` is not a plate: I and O are never plate letters"
            ));
        }
        _ => {
            return Err(format!(
                "`{shown}` is not a plate: the second character must be the office letter (A to Z)"
            ));
        }
    }
    if chars[2..].iter().any(|c| matches!(c, 'I' | 'O')) {
        return Err(format!(
            "`{shown}` is not a plate: I and O are never plate letters"
        ));
    }
    let kind = classify(&chars).ok_or_else(|| {
        format!(
            "`{shown}` is not a plate: {} characters after `{}{}` fit no plate kind \
             (5 for an ordinary plate, 6 for a new-energy one)",
            chars.len().saturating_sub(2),
            chars[0],
            chars[1]
        )
    })?;
    Ok(Plate {
        plate,
        kind,
        colour: kind.colour().to_string(),
        province: province.to_string(),
    })
}

/// The kind of a plate whose first two characters are already checked.
fn classify(chars: &[char]) -> Option<PlateKind> {
    let rest = &chars[2..];
    let digits = |s: &[char]| s.iter().all(char::is_ascii_digit);
    let serial = |s: &[char]| s.iter().all(|c| is_serial(*c));
    let new_energy = |c: char| c == 'D' || c == 'F';
    match rest.len() {
        5 if serial(rest) => Some(PlateKind::Ordinary),
        5 if serial(&rest[..4]) => {
            let hk_macao = chars[0] == '粤' && chars[1] == 'Z';
            match rest[4] {
                '挂' => Some(PlateKind::Trailer),
                '学' => Some(PlateKind::Coach),
                '警' => Some(PlateKind::Police),
                '港' if hk_macao => Some(PlateKind::HongKong),
                '澳' if hk_macao => Some(PlateKind::Macao),
                _ => None,
            }
        }
        6 if new_energy(rest[0]) && is_serial(rest[1]) && digits(&rest[2..]) => {
            Some(PlateKind::NewEnergySmall)
        }
        6 if digits(&rest[..5]) && new_energy(rest[5]) => Some(PlateKind::NewEnergyLarge),
        _ => None,
    }
}

/// What `POST /api/v1/plates/check` takes: the plates to check.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckRequest {
    /// Plates as typed; the server normalises them.
    pub plates: Vec<String>,
}

/// One list a plate is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ListHit {
    /// `illegal-operation` or `muck-pass`.
    pub list: String,
    /// The stage: `suspect`, `grey`, `black`, or `suspended` for a muck pass.
    pub stage: String,
    /// Since when.
    pub since: chrono::DateTime<chrono::Utc>,
    /// Until when, if it ends by itself.
    #[serde(default)]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// Why.
    pub why: String,
}

/// The answer for one plate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlateCheck {
    /// The plate and its classification.
    #[serde(flatten)]
    pub plate: Plate,
    /// Every list it is on now; empty when it is on none.
    pub hits: Vec<ListHit>,
}

/// The most plates one check request may carry; the client sends larger
/// sets in batches of this size.
pub const MAX_CHECK: usize = 10_000;

#[cfg(test)]
mod tests {
    use super::*;

    /// Field case 7: every row of `fixtures/cases/plates.tsv`, a copy of
    /// `../shared/cases/plates.tsv` (CI has no `../shared`).
    #[test]
    fn field_case_7_plates() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cases/plates.tsv");
        let text = std::fs::read_to_string(path).unwrap();
        let mut rows = 0;
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let cols: Vec<&str> = line.split('\t').collect();
            let (input, expected, kind) = (cols[0], cols[1], cols[2]);
            match parse(input) {
                Ok(p) => {
                    assert_eq!(p.plate, expected, "input {input:?}");
                    assert_eq!(p.kind.as_str(), kind.replace(' ', "-"), "input {input:?}");
                }
                Err(e) => assert_eq!(expected, "INVALID", "input {input:?}: {e}"),
            }
            rows += 1;
        }
        assert_eq!(rows, 18);
    }

    #[test]
    fn hong_kong_and_macao_plates_are_guangdong_z() {
        let hk = parse("粤Z1234港").unwrap();
        assert_eq!(
            (hk.kind, hk.colour.as_str()),
            (PlateKind::HongKong, "black")
        );
        assert_eq!(hk.province, "广东省");
        assert_eq!(parse("粤Z0001澳").unwrap().kind, PlateKind::Macao);
        assert!(parse("苏A1234港").is_err());
    }

    #[test]
    fn colour_and_province_come_with_the_kind() {
        let p = parse("皖K88888").unwrap();
        assert_eq!(
            (p.colour.as_str(), p.province.as_str()),
            ("blue/yellow", "安徽省")
        );
        assert_eq!(parse("苏AD12345").unwrap().colour, "green");
        assert_eq!(parse("苏A12345F").unwrap().colour, "yellow-green");
        assert_eq!(parse("苏A1234警").unwrap().colour, "white");
        assert_eq!(parse("苏E-1234学").unwrap().colour, "yellow");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(parse("京O12345").unwrap_err().contains("I and O"));
        assert!(parse("A12345").unwrap_err().contains("province"));
        assert!(parse("苏A123").unwrap_err().contains("3 characters"));
    }

    #[test]
    fn province_filters_take_short_and_full_names() {
        assert_eq!(province_filter("苏"), Some("江苏省"));
        assert_eq!(province_filter("江苏"), Some("江苏省"));
        assert_eq!(province_filter("内蒙古自治区"), Some("内蒙古自治区"));
        assert_eq!(province_filter("火星"), None);
        assert_eq!(PROVINCES.len(), 31);
    }
}
