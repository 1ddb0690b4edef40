//! Phone numbers: checked on the way in, masked on the way out.

/// Checks a caller's phone: 11-digit mobile, or a fixed line of 7–12 digits
/// with an optional area-code hyphen. Returns the digits as given, trimmed.
pub fn validate(phone: &str) -> Result<String, String> {
    let p = phone.trim();
    let digits: String = p.chars().filter(|c| *c != '-').collect();
    let ok = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && (7..=12).contains(&digits.len())
        && p.matches('-').count() <= 1;
    if ok {
        Ok(p.to_string())
    } else {
        Err(format!(
            "`{phone}` is not a phone number; give 11 digits for a mobile or \
             the area code and number for a fixed line (025-84561234)"
        ))
    }
}

/// Masks a phone so only its first three and last four digits show:
/// `13912345678` becomes `139****5678`. Short numbers keep only the last two.
pub fn mask(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let n = chars.len();
    if n >= 8 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(n - 7))
    } else if n > 2 {
        let tail: String = chars[n - 2..].iter().collect();
        format!("{}{tail}", "*".repeat(n - 2))
    } else {
        "*".repeat(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_keeps_head_and_tail() {
        assert_eq!(mask("13912345678"), "139****5678");
        assert_eq!(mask("025-84561234"), "025*****1234");
        assert_eq!(mask("12345"), "***45");
    }

    #[test]
    fn phones_are_checked() {
        assert!(validate("13912345678").is_ok());
        assert!(validate("025-84561234").is_ok());
        assert!(validate("1391234567x").is_err());
        assert!(validate("12").is_err());
    }
}
