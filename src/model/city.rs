//! City names: operators type 南京 or 南京市; the store keeps the full name.

/// The full name of a city given by its short or full name: `南京` and
/// `南京市` both give `南京市`. Anything else is returned trimmed, unchanged.
pub fn full_name(city: &str) -> String {
    let c = city.trim();
    if c.is_empty() || c.ends_with('市') {
        c.to_string()
    } else {
        format!("{c}市")
    }
}

/// The province's thirteen cities, full names.
pub const JIANGSU: [&str; 13] = [
    "南京市",
    "无锡市",
    "徐州市",
    "常州市",
    "苏州市",
    "南通市",
    "连云港市",
    "淮安市",
    "盐城市",
    "扬州市",
    "镇江市",
    "泰州市",
    "宿迁市",
];

/// The full name of a city of the province, or a sentence naming them.
pub fn of_province(city: &str) -> Result<String, String> {
    let full = full_name(city);
    if JIANGSU.contains(&full.as_str()) {
        Ok(full)
    } else {
        Err(format!(
            "`{}` is not a city of the province; use one of {}",
            city.trim(),
            JIANGSU.join(" ")
        ))
    }
}

/// The short name shown in narrow columns: `南京市` becomes `南京`.
pub fn short_name(city: &str) -> &str {
    city.strip_suffix('市').unwrap_or(city)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_full_names_meet() {
        assert_eq!(full_name("南京"), "南京市");
        assert_eq!(full_name(" 南京市 "), "南京市");
        assert_eq!(short_name("连云港市"), "连云港");
        assert_eq!(short_name("连云港"), "连云港");
    }
}
