//! Standard identifiers, normalised so that the same book typed or catalogued differently
//! is found and matched: ISBN (10 and 13, with check digits), ISSN, LCCN and OCLC numbers.

/// The ISBN-13 for an ISBN-10 or ISBN-13 written in any usual way ("0-19-852663-6",
/// "978 0 19 852663 6 (pbk.)"); `None` when the check digit is wrong or it is no ISBN.
pub fn isbn13(raw: &str) -> Option<String> {
    let mut digits: Vec<u32> = Vec::with_capacity(13);
    for c in raw.chars() {
        match c {
            '0'..='9' => digits.push(c.to_digit(10)?),
            'X' | 'x' if digits.len() == 9 => digits.push(10),
            '-' | ' ' | '\u{2010}' | '\u{2011}' => {}
            // Qualifiers such as "(pbk.)" follow the number.
            _ if digits.len() == 10 || digits.len() == 13 => break,
            _ if digits.is_empty() => {}
            _ => return None,
        }
        if digits.len() > 13 {
            return None;
        }
    }
    match digits.len() {
        10 => {
            let sum: u32 = digits
                .iter()
                .enumerate()
                .map(|(i, d)| d * (10 - i as u32))
                .sum();
            if !sum.is_multiple_of(11) {
                return None;
            }
            let mut d13: Vec<u32> = vec![9, 7, 8];
            d13.extend(&digits[..9]);
            let check = isbn13_check(&d13);
            d13.push(check);
            Some(
                d13.iter()
                    .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
                    .collect(),
            )
        }
        13 if digits.iter().all(|&d| d < 10)
            && (digits[..3] == [9, 7, 8] || digits[..3] == [9, 7, 9]) =>
        {
            (isbn13_check(&digits[..12]) == digits[12]).then(|| {
                digits
                    .iter()
                    .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
                    .collect()
            })
        }
        _ => None,
    }
}

fn isbn13_check(twelve: &[u32]) -> u32 {
    let sum: u32 = twelve
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    (10 - sum % 10) % 10
}

/// An ISSN as `NNNN-NNNC` when its check digit is right.
pub fn issn(raw: &str) -> Option<String> {
    let chars: Vec<char> = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'X' || *c == 'x')
        .take(8)
        .collect();
    if chars.len() != 8 {
        return None;
    }
    let digits: Vec<u32> = chars.iter().map(|c| c.to_digit(10).unwrap_or(10)).collect();
    if digits[..7].contains(&10) {
        return None;
    }
    let sum: u32 = digits[..7]
        .iter()
        .enumerate()
        .map(|(i, d)| d * (8 - i as u32))
        .sum();
    let check = (11 - sum % 11) % 11;
    (check == digits[7]).then(|| {
        let s: String = chars.iter().map(|c| c.to_ascii_uppercase()).collect();
        format!("{}-{}", &s[..4], &s[4..])
    })
}

/// An LCCN normalised as the Library of Congress prescribes: blanks and everything after a
/// slash removed; a hyphen replaced by zero-padding the serial part to six digits.
pub fn lccn(raw: &str) -> Option<String> {
    let s: String = raw
        .split('/')
        .next()?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let s = match s.split_once('-') {
        Some((prefix, serial))
            if serial.chars().all(|c| c.is_ascii_digit()) && serial.len() <= 6 =>
        {
            format!("{prefix}{serial:0>6}")
        }
        _ => s,
    };
    let valid = !s.is_empty()
        && s.len() <= 12
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().rev().take(8).all(|c| c.is_ascii_digit());
    valid.then(|| s.to_ascii_lowercase())
}

/// The OCLC number from a 035 such as "(OCoLC)ocm12345678" or "(OCoLC)00012345".
pub fn oclc(raw: &str) -> Option<String> {
    let rest = raw.trim().strip_prefix("(OCoLC)")?;
    let digits = rest.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let digits = digits.trim_start_matches('0');
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then(|| digits.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isbns() {
        let cases: &[(&str, Option<&str>)] = &[
            ("0-19-852663-6", Some("9780198526636")),
            ("019852663X", None), // wrong check digit
            ("0-8044-2957-X", Some("9780804429573")),
            ("978-0-19-852663-6", Some("9780198526636")),
            ("9780198526636 (pbk.)", Some("9780198526636")),
            ("978 0 19 852663 6", Some("9780198526636")),
            ("9780198526637", None),
            ("1234", None),
            ("", None),
            ("ISBN 0198526636", Some("9780198526636")),
        ];
        for (raw, expected) in cases {
            assert_eq!(isbn13(raw).as_deref(), *expected, "{raw}");
        }
    }

    #[test]
    fn issns() {
        assert_eq!(issn("0317-8471").as_deref(), Some("0317-8471"));
        assert_eq!(issn("03178471").as_deref(), Some("0317-8471"));
        assert_eq!(issn("2434-561x").as_deref(), Some("2434-561X"));
        assert_eq!(issn("0317-8472"), None);
    }

    #[test]
    fn lccns() {
        assert_eq!(lccn("n78-890351").as_deref(), Some("n78890351"));
        assert_eq!(lccn("  85000002 ").as_deref(), Some("85000002"));
        assert_eq!(lccn("2001-1114").as_deref(), Some("2001001114"));
        assert_eq!(lccn("79139101 /AC/r932").as_deref(), Some("79139101"));
        assert_eq!(lccn("not an lccn!"), None);
    }

    #[test]
    fn oclc_numbers() {
        assert_eq!(oclc("(OCoLC)ocm00012345").as_deref(), Some("12345"));
        assert_eq!(oclc("(OCoLC)1304799781").as_deref(), Some("1304799781"));
        assert_eq!(oclc("(DE-627)1795329181"), None);
    }
}
