//! Resident ID numbers (居民身份证号码): checked by their ISO 7064 MOD 11-2
//! check character on the way in, masked on the way out.

/// The weights of the first 17 digits, `2^(17-i) mod 11`.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character for each remainder of the weighted sum mod 11.
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character the first 17 digits call for, or `None` when they
/// are not 17 ASCII digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Checks an 18-character resident ID: 17 digits, a valid birth date, and
/// the check character. Returns it trimmed with a lower-case `x` raised.
pub fn validate(id: &str) -> Result<String, String> {
    let id = id.trim().to_ascii_uppercase();
    let shape = id.len() == 18 && id.is_ascii();
    let Some(expected) = shape.then(|| check_char(&id[..17])).flatten() else {
        return Err(format!(
            "`{id}` is not a resident ID number; it has 18 characters: 17 digits and a \
             check digit or X"
        ));
    };
    if chrono::NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").is_err() {
        return Err(format!(
            "`{id}` is not a resident ID number: `{}` is not a birth date",
            &id[6..14]
        ));
    }
    if !id.ends_with(expected) {
        return Err(format!(
            "`{id}` is not a valid resident ID number: its check character should be \
             `{expected}`; check the number for a mistyped digit"
        ));
    }
    Ok(id)
}

/// Masks a resident ID so only the region code and the last two characters
/// show: `320102199001010010` becomes `320102**********10`.
pub fn mask(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let n = chars.len();
    if n > 8 {
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[n - 2..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(n - 8))
    } else {
        "*".repeat(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Field case 8 of `cases/README.md`.
    #[test]
    fn field_case_8_resident_ids() {
        assert_eq!(
            validate("320102199001010010").unwrap(),
            "320102199001010010"
        );
        assert_eq!(
            validate("11010519491231002X").unwrap(),
            "11010519491231002X"
        );
        assert_eq!(
            validate("11010519491231002x").unwrap(),
            "11010519491231002X"
        );
        let err = validate("110105194912310021").unwrap_err();
        assert!(err.contains("should be `X`"), "{err}");
    }

    #[test]
    fn shapes_and_dates_are_checked() {
        assert!(validate("3201021990010100").is_err());
        assert!(validate("32010219900101001A").is_err());
        assert!(validate("３２０１０２１９９００１０１００１０").is_err());
        let bad_date = format!(
            "32010219901301001{}",
            check_char("32010219901301001").unwrap()
        );
        assert!(validate(&bad_date).unwrap_err().contains("birth date"));
    }

    #[test]
    fn masking_keeps_region_and_tail() {
        assert_eq!(mask("320102199001010010"), "320102**********10");
        assert_eq!(mask("1234"), "****");
    }
}
