//! Unified social credit codes (统一社会信用代码, GB 32100-2015): 18
//! characters from a 31-character alphabet, the last a check character.

/// The alphabet, in value order: digits, then capitals without I, O, S, V, Z.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weight of each of the first 17 positions, `3^i mod 31`.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a code was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsccError {
    /// Not 18 characters of the alphabet; never accepted.
    Shape(String),
    /// Well formed, but the check character does not match. Some early
    /// codes really are like this, so an admin may accept one explicitly.
    Check {
        /// The code as given.
        code: String,
        /// The check character its first 17 call for.
        expected: char,
    },
}

impl std::fmt::Display for UsccError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UsccError::Shape(code) => write!(
                f,
                "`{code}` is not a unified social credit code: it has 18 characters, \
                 digits and capitals other than I, O, S, V and Z"
            ),
            UsccError::Check { code, expected } => write!(
                f,
                "`{code}` fails the credit-code check: its last character should be \
                 `{expected}`; check for a mistyped character, or pass \
                 --accept-bad-uscc if the company's code really is this one"
            ),
        }
    }
}

fn value(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == b).map(|p| p as u32)
}

/// Checks a code. Returns it trimmed and in capitals.
pub fn validate(code: &str) -> Result<String, UsccError> {
    let code = code.trim().to_ascii_uppercase();
    let values: Option<Vec<u32>> = code.bytes().map(value).collect();
    let Some(values) = values.filter(|v| v.len() == 18) else {
        return Err(UsccError::Shape(code));
    };
    let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] == check {
        Ok(code)
    } else {
        let expected = char::from(ALPHABET[check as usize]);
        Err(UsccError::Check { code, expected })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_case_8_codes() {
        for good in [
            "91320100MA1MYC2T0R",
            "914403001922038216",
            "9144030071526726XG",
        ] {
            assert_eq!(validate(good).as_deref(), Ok(good));
        }
        assert_eq!(
            validate("914403001922038217"),
            Err(UsccError::Check {
                code: "914403001922038217".into(),
                expected: '6'
            })
        );
    }

    #[test]
    fn shape_is_checked_before_the_digit() {
        assert!(matches!(validate("9132010"), Err(UsccError::Shape(_))));
        assert!(matches!(
            validate("91320100MA1MYC2TOR"),
            Err(UsccError::Shape(_))
        ));
        assert_eq!(
            validate(" 91320100ma1myc2t0r ").as_deref(),
            Ok("91320100MA1MYC2T0R")
        );
    }
}
