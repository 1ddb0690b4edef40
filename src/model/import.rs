//! Bulk import of registers: which kinds there are, their fields and the
//! header names offices use for them, how one value is checked, and the
//! shapes of runs and batches on the wire.
//!
//! The client reads a file and sends each value as canonical text (dates
//! `2026-03-02`, times RFC 3339, numbers in plain notation); the server
//! checks every value again with [`check`] before it stores anything.

use super::{city, cylinder::CylinderState, idcard, phone, uscc};
use super::{team::PlaceType, vessel::Material};
use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The LPG cylinder register.
    Cylinders,
    /// Elevators with their rescue codes.
    Elevators,
    /// Rescue teams.
    Teams,
    /// Three-no vessels from a county's register.
    Vessels,
    /// Gantry passages (ETC records): appended, never updated.
    Passages,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 5] = [
        Kind::Cylinders,
        Kind::Elevators,
        Kind::Teams,
        Kind::Vessels,
        Kind::Passages,
    ];

    /// The name in commands and paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cylinders => "cylinders",
            Kind::Elevators => "elevators",
            Kind::Teams => "teams",
            Kind::Vessels => "vessels",
            Kind::Passages => "passages",
        }
    }

    /// Its fields, the key first.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Kind::Cylinders => CYLINDER_FIELDS,
            Kind::Elevators => ELEVATOR_FIELDS,
            Kind::Teams => TEAM_FIELDS,
            Kind::Vessels => VESSEL_FIELDS,
            Kind::Passages => PASSAGE_FIELDS,
        }
    }

    /// The field that identifies a record: a re-import updates by it.
    pub fn key(self) -> &'static Field {
        &self.fields()[0]
    }

    /// The field called `name`.
    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// The field a file's header names, through the aliases.
    pub fn field_for_header(self, header: &str) -> Option<&'static Field> {
        let h = normalise_header(header);
        self.fields().iter().find(|f| {
            f.name == h
                || normalise_header(f.label) == h
                || f.aliases.iter().any(|a| normalise_header(a) == h)
        })
    }

    /// Whether a row of a file looks like this kind's header row: one of
    /// its cells names the key. Title rows above it do not.
    pub fn is_header(self, cells: &[String]) -> bool {
        cells.iter().any(|c| {
            self.field_for_header(c)
                .is_some_and(|f| f.name == self.key().name)
        })
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown import kind `{s}`; use cylinders, elevators, teams, vessels \
                     or passages"
                )
            })
    }
}

/// Folds the spellings of one header together: case, spaces, full-width
/// brackets.
fn normalise_header(h: &str) -> String {
    h.trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// How a field's text is read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Free text.
    Text,
    /// An identifier: always text, leading zeros kept.
    Id,
    /// A calendar day.
    Date,
    /// A moment, in the operator's zone when the file gives no offset.
    DateTime,
    /// A number that may have a fraction.
    Decimal,
    /// A unified social credit code, check character verified.
    Uscc,
    /// A resident ID number, check character verified.
    ResidentId,
    /// A phone number.
    Phone,
    /// A city of the province, full or short name.
    City,
    /// A 6-digit elevator rescue code.
    RescueCode,
    /// One of a fixed set, by wire name or label.
    Choice(Choices),
}

impl FieldType {
    /// Whether the value is an identifier the reader must keep as text.
    pub fn is_identifier(self) -> bool {
        matches!(
            self,
            FieldType::Id
                | FieldType::Uscc
                | FieldType::ResidentId
                | FieldType::Phone
                | FieldType::RescueCode
        )
    }
}

/// A fixed set of values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choices {
    /// Cylinder states.
    CylinderState,
    /// Hull materials.
    Material,
    /// Elevator place types.
    PlaceType,
}

impl Choices {
    /// `(wire name, label)` of every value.
    pub fn values(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Choices::CylinderState => CylinderState::ALL
                .iter()
                .map(|s| (s.as_str(), s.label()))
                .collect(),
            Choices::Material => Material::ALL
                .iter()
                .map(|m| (m.as_str(), m.label()))
                .collect(),
            Choices::PlaceType => PlaceType::ALL
                .iter()
                .map(|p| (p.as_str(), p.label()))
                .collect(),
        }
    }

    fn parse(self, s: &str) -> Result<&'static str, String> {
        self.values()
            .into_iter()
            .find(|(wire, label)| *wire == s || *label == s)
            .map(|(wire, _)| wire)
            .ok_or_else(|| {
                let known: Vec<String> = self
                    .values()
                    .iter()
                    .map(|(w, l)| format!("{l} ({w})"))
                    .collect();
                format!("`{s}` is not one of {}", known.join(", "))
            })
    }
}

/// One field of a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its name on the wire and in the store.
    pub name: &'static str,
    /// The header offices most often give it.
    pub label: &'static str,
    /// Other headers that mean it, Chinese and English.
    pub aliases: &'static [&'static str],
    /// How its text is read.
    pub ty: FieldType,
    /// Whether a new record must have it. An update may leave it out.
    pub required: bool,
}

const fn field(
    name: &'static str,
    label: &'static str,
    aliases: &'static [&'static str],
    ty: FieldType,
    required: bool,
) -> Field {
    Field {
        name,
        label,
        aliases,
        ty,
        required,
    }
}

const CYLINDER_FIELDS: &[Field] = &[
    field(
        "code",
        "气瓶编码",
        &[
            "钢瓶编号",
            "钢瓶编码",
            "气瓶编号",
            "瓶号",
            "气瓶条码",
            "cylinder_code",
        ],
        FieldType::Id,
        true,
    ),
    field(
        "owner_uscc",
        "产权单位信用代码",
        &[
            "产权单位统一社会信用代码",
            "统一社会信用代码",
            "信用代码",
            "uscc",
        ],
        FieldType::Uscc,
        true,
    ),
    field(
        "owner_name",
        "产权单位",
        &["产权单位名称", "所属企业", "充装单位", "owner"],
        FieldType::Text,
        false,
    ),
    field(
        "spec",
        "规格型号",
        &["规格", "型号", "容积"],
        FieldType::Text,
        false,
    ),
    field(
        "made_on",
        "制造日期",
        &["出厂日期", "生产日期", "made"],
        FieldType::Date,
        true,
    ),
    field(
        "last_inspected_on",
        "上次检验日期",
        &["检验日期", "最近检验日期", "last_inspection"],
        FieldType::Date,
        false,
    ),
    field(
        "next_inspection_on",
        "下次检验日期",
        &["下检日期", "下次检验", "next_inspection"],
        FieldType::Date,
        true,
    ),
    field(
        "state",
        "状态",
        &["气瓶状态", "使用状态", "status"],
        FieldType::Choice(Choices::CylinderState),
        false,
    ),
];

const ELEVATOR_FIELDS: &[Field] = &[
    field(
        "rescue_code",
        "救援识别码",
        &["应急救援识别码", "96333识别码", "救援码", "识别码"],
        FieldType::RescueCode,
        true,
    ),
    field(
        "registration_code",
        "注册代码",
        &["设备注册代码", "设备代码", "registration"],
        FieldType::Id,
        true,
    ),
    field(
        "city",
        "城市",
        &["地市", "所在城市", "市"],
        FieldType::City,
        true,
    ),
    field(
        "district",
        "区县",
        &["所在区县", "县区", "区"],
        FieldType::Text,
        true,
    ),
    field(
        "street",
        "街道",
        &["乡镇街道", "乡镇(街道)", "镇街"],
        FieldType::Text,
        true,
    ),
    field(
        "address",
        "安装地址",
        &["详细地址", "地址", "使用地点"],
        FieldType::Text,
        true,
    ),
    field(
        "place_type",
        "场所类型",
        &["使用场所", "场所", "place"],
        FieldType::Choice(Choices::PlaceType),
        true,
    ),
    field(
        "maintenance_company",
        "维保单位",
        &["维护保养单位", "维保公司", "maintenance"],
        FieldType::Text,
        true,
    ),
    field(
        "team_code",
        "救援队伍编号",
        &["维保队伍", "队伍编号", "team"],
        FieldType::Id,
        true,
    ),
];

const TEAM_FIELDS: &[Field] = &[
    field(
        "code",
        "队伍编号",
        &["救援队伍编号", "编号", "team_code"],
        FieldType::Id,
        true,
    ),
    field(
        "name",
        "队伍名称",
        &["名称", "救援队伍"],
        FieldType::Text,
        true,
    ),
    field(
        "company",
        "所属单位",
        &["维保单位", "单位", "公司"],
        FieldType::Text,
        true,
    ),
    field(
        "city",
        "城市",
        &["地市", "所在城市", "市"],
        FieldType::City,
        true,
    ),
    field(
        "district",
        "区县",
        &["所在区县", "县区", "区"],
        FieldType::Text,
        true,
    ),
    field(
        "phone",
        "值班电话",
        &["联系电话", "电话", "tel"],
        FieldType::Phone,
        true,
    ),
];

const VESSEL_FIELDS: &[Field] = &[
    field(
        "register_no",
        "登记号",
        &["登记编号", "登记号码", "register"],
        FieldType::Id,
        true,
    ),
    field(
        "name",
        "船名",
        &["船舶名称", "船名号"],
        FieldType::Text,
        false,
    ),
    field(
        "found_at",
        "发现时间",
        &["发现日期", "found"],
        FieldType::DateTime,
        true,
    ),
    field(
        "waterway",
        "所在水域",
        &["水域", "发现水域"],
        FieldType::Text,
        true,
    ),
    field(
        "city",
        "城市",
        &["所在城市", "地市", "市"],
        FieldType::City,
        true,
    ),
    field(
        "hull",
        "船型",
        &["船舶类型", "船体类型"],
        FieldType::Text,
        false,
    ),
    field(
        "material",
        "船体材质",
        &["材质", "船质"],
        FieldType::Choice(Choices::Material),
        false,
    ),
    field(
        "length_m",
        "船长(米)",
        &["船长", "长度", "总长", "length"],
        FieldType::Decimal,
        false,
    ),
    field(
        "engine_kw",
        "主机功率(千瓦)",
        &["主机功率", "功率", "engine"],
        FieldType::Decimal,
        false,
    ),
    field(
        "marks",
        "标识",
        &["船体标识", "标记"],
        FieldType::Text,
        false,
    ),
    field(
        "owner_name",
        "船主姓名",
        &["船主", "所有人", "owner"],
        FieldType::Text,
        false,
    ),
    field(
        "owner_id",
        "船主身份证号",
        &["身份证号", "船主身份证", "所有人身份证号"],
        FieldType::ResidentId,
        false,
    ),
    field(
        "home_port",
        "船籍港",
        &["港籍", "port"],
        FieldType::Text,
        false,
    ),
];

/// Passages have no key of their own: a passage is the same passage when
/// its gantry, time and plate are; the gantry column is what marks the
/// header row.
const PASSAGE_FIELDS: &[Field] = &[
    field(
        "gantry",
        "门架编号",
        &["门架ID", "门架", "收费单元编号", "gantry_id"],
        FieldType::Id,
        true,
    ),
    field(
        "at",
        "通行时间",
        &["交易时间", "过车时间", "通过时间", "time"],
        FieldType::DateTime,
        true,
    ),
    field(
        "plate",
        "车牌号码",
        &["车牌号", "车牌", "号牌号码"],
        FieldType::Text,
        true,
    ),
    field(
        "colour",
        "车牌颜色",
        &["号牌颜色", "颜色", "color", "plate_colour"],
        FieldType::Text,
        true,
    ),
    field(
        "class",
        "车型",
        &["车辆类型", "收费车型", "vehicle_class"],
        FieldType::Text,
        true,
    ),
    field("direction", "方向", &["行驶方向"], FieldType::Text, false),
];

/// A checked value, ready for the store.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The file left it empty.
    Null,
    /// Text, dates as `YYYY-MM-DD`.
    Text(String),
    /// Epoch milliseconds, for moments.
    Int(i64),
    /// A number.
    Real(f64),
}

/// What [`check`] may relax.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Take credit codes whose check character fails (recorded).
    pub accept_bad_uscc: bool,
}

/// A value [`check`] took, and whether it needed an override.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The value to store.
    pub value: Value,
    /// True when a credit code failed its check and was taken on the
    /// admin's override.
    pub overridden: bool,
}

/// Checks one field's canonical text, as the server does before it stores
/// anything; `None` is an empty cell.
pub fn check(field: &Field, text: Option<&str>, opts: CheckOptions) -> Result<Checked, String> {
    let plain = |value| {
        Ok(Checked {
            value,
            overridden: false,
        })
    };
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return plain(Value::Null);
    };
    match field.ty {
        FieldType::Text => plain(Value::Text(t.to_string())),
        FieldType::Id => check_id(t).map(|v| Checked {
            value: v,
            overridden: false,
        }),
        FieldType::Date => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| Checked {
                value: Value::Text(d.to_string()),
                overridden: false,
            })
            .map_err(|_| format!("`{t}` is not a date; write it as 2026-03-02")),
        FieldType::DateTime => DateTime::parse_from_rfc3339(t)
            .map(|d| Checked {
                value: Value::Int(d.timestamp_millis()),
                overridden: false,
            })
            .map_err(|_| format!("`{t}` is not a time with its offset (RFC 3339)")),
        FieldType::Decimal => match t.parse::<f64>() {
            Ok(n) if n.is_finite() && n >= 0.0 => plain(Value::Real(n)),
            _ => Err(format!("`{t}` is not a number")),
        },
        FieldType::Uscc => match uscc::validate(t) {
            Ok(code) => plain(Value::Text(code)),
            Err(uscc::UsccError::Check { code, .. }) if opts.accept_bad_uscc => Ok(Checked {
                value: Value::Text(code),
                overridden: true,
            }),
            Err(e) => Err(e.to_string()),
        },
        FieldType::ResidentId => idcard::validate(t).map(|id| Checked {
            value: Value::Text(id),
            overridden: false,
        }),
        FieldType::Phone => phone::validate(t).map(|p| Checked {
            value: Value::Text(p),
            overridden: false,
        }),
        FieldType::City => city::of_province(t).map(|c| Checked {
            value: Value::Text(c),
            overridden: false,
        }),
        FieldType::RescueCode => super::team::validate_rescue_code(t).map(|()| Checked {
            value: Value::Text(t.to_string()),
            overridden: false,
        }),
        FieldType::Choice(c) => c.parse(t).map(|w| Checked {
            value: Value::Text(w.to_string()),
            overridden: false,
        }),
    }
}

/// An identifier: printable, no spaces inside, and not a number a
/// spreadsheet has already rounded.
fn check_id(t: &str) -> Result<Value, String> {
    if looks_rounded(t) {
        return Err(format!(
            "`{t}` is a number a spreadsheet rounded: the digits after the first 15 \
             were lost; format the column as text in the spreadsheet and export it again"
        ));
    }
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{t}` is not an identifier: it has spaces inside"));
    }
    Ok(Value::Text(t.to_string()))
}

/// Scientific notation such as `3.20102E+17`.
pub fn looks_rounded(t: &str) -> bool {
    let Some((mantissa, exp)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let m_ok = match mantissa.split_once('.') {
        Some((a, b)) => digits(a) && digits(b),
        None => digits(mantissa),
    };
    m_ok && digits(exp.trim_start_matches('+'))
}

/// A request to start an import run.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewRun {
    /// The file names, for the record.
    pub source: String,
    /// A digest of the files' content: rows of the same file are told
    /// apart from rows of another file with the same key.
    pub fingerprint: String,
    /// The fields the batches carry, in order.
    pub columns: Vec<String>,
    /// Rows per batch; a resumed run must cut its batches the same way.
    pub batch_size: u64,
    /// Check only: every batch is rolled back.
    #[serde(default)]
    pub dry_run: bool,
    /// Take credit codes whose check character fails; each one is named in
    /// the audit log.
    #[serde(default)]
    pub accept_bad_uscc: bool,
}

/// An import run, as the server keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Run {
    /// Its id, for `--resume`.
    pub run_id: String,
    /// What it imports.
    pub kind: Kind,
    /// What it was started with.
    #[serde(flatten)]
    pub spec: NewRun,
    /// Who started it.
    pub actor: String,
    /// When it started.
    pub started_at: DateTime<chrono::Utc>,
    /// The batches committed so far, by number.
    #[serde(default)]
    pub batches: Vec<BatchResult>,
}

/// One batch of rows of a run.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Batch {
    /// The run it belongs to.
    pub run_id: String,
    /// Its number in the run, from 1.
    pub batch_no: u64,
    /// The spreadsheet row number of each row.
    pub lines: Vec<u64>,
    /// The rows, one value per run column; `null` for an empty cell.
    pub rows: Vec<Vec<Option<String>>>,
}

/// A row the server would not take, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rejection {
    /// The row number a spreadsheet shows.
    pub line: u64,
    /// The field at fault, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Why, in a sentence.
    pub reason: String,
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchResult {
    /// Its number in the run.
    pub batch_no: u64,
    /// Rows it carried.
    pub rows: u64,
    /// New records.
    pub inserted: u64,
    /// Records that changed.
    pub updated: u64,
    /// Records that were already so.
    pub unchanged: u64,
    /// Rows refused.
    pub rejected: Vec<Rejection>,
    /// True when the batch had been committed before and this answer is
    /// the stored one.
    #[serde(default)]
    pub replayed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_through_aliases() {
        let k = Kind::Vessels;
        assert_eq!(
            k.field_for_header("船长（米）").map(|f| f.name),
            Some("length_m")
        );
        assert_eq!(
            k.field_for_header(" 登记号 ").map(|f| f.name),
            Some("register_no")
        );
        assert_eq!(
            k.field_for_header("Register_No").map(|f| f.name),
            Some("register_no")
        );
        assert!(k.field_for_header("备注").is_none());
        let title = vec!["2026年苏州市三无船舶登记表".to_string(), String::new()];
        assert!(!k.is_header(&title));
        assert!(k.is_header(&["登记号".into(), "地址".into()]));
        assert!(!k.is_header(&["船名".into(), "城市".into()]));
    }

    #[test]
    fn every_alias_is_unique_within_a_kind() {
        for kind in Kind::ALL {
            let mut seen = std::collections::HashSet::new();
            for f in kind.fields() {
                for h in std::iter::once(&f.name).chain([&f.label]).chain(f.aliases) {
                    assert!(seen.insert(normalise_header(h)), "{kind:?}: `{h}` twice");
                }
            }
        }
    }

    #[test]
    fn rounded_numbers_are_refused_as_identifiers() {
        let id = Kind::Cylinders.key();
        let err = check(id, Some("3.20102E+17"), CheckOptions::default()).unwrap_err();
        assert!(err.contains("export it again"), "{err}");
        let kept = check(id, Some("00042"), CheckOptions::default()).unwrap();
        assert_eq!(kept.value, Value::Text("00042".into()));
        assert!(!looks_rounded("JS1E5"));
    }

    #[test]
    fn a_bad_credit_code_needs_the_override() {
        let f = Kind::Cylinders.field("owner_uscc").unwrap();
        assert!(check(f, Some("914403001922038217"), CheckOptions::default()).is_err());
        let opts = CheckOptions {
            accept_bad_uscc: true,
        };
        let taken = check(f, Some("914403001922038217"), opts).unwrap();
        assert!(taken.overridden);
        assert!(
            check(f, Some("9144"), opts).is_err(),
            "shape is never overridden"
        );
    }
}
