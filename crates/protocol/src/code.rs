//! Booking codes: eight characters from an alphabet without look-alikes (no I, O, 0 or 1).
//! People see them as `ABCD-2345` (`Display`); the wire and the hub's store carry the eight
//! characters alone (`ABCD2345`, `compact`). What a student types is read leniently (case,
//! dashes and spaces do not matter); everything else is refused.

use std::fmt;

/// The characters of a code.
pub const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// The characters in a code, dash not counted.
pub const CODE_LEN: usize = 8;

/// A booking code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BookingCode([u8; CODE_LEN]);

impl BookingCode {
    /// Reads a code as typed: letters in either case, dashes and spaces ignored. `None` when
    /// what is left is not eight characters of the alphabet.
    pub fn parse(typed: &str) -> Option<BookingCode> {
        let mut out = [0u8; CODE_LEN];
        let mut n = 0;
        for c in typed.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let b = u8::try_from(c.to_ascii_uppercase()).ok()?;
            if n == CODE_LEN || !CODE_ALPHABET.contains(&b) {
                return None;
            }
            out[n] = b;
            n += 1;
        }
        (n == CODE_LEN).then_some(BookingCode(out))
    }

    /// A new random code (the system's randomness; the clock if it has none, since a
    /// repeated code is refused by the store's unique index anyway).
    pub fn random() -> BookingCode {
        let mut bytes = [0u8; CODE_LEN];
        if getrandom::getrandom(&mut bytes).is_err() {
            let n = jiff::Timestamp::now().as_nanosecond();
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = (n >> (i * 8)) as u8;
            }
        }
        BookingCode(bytes.map(|b| CODE_ALPHABET[usize::from(b) % CODE_ALPHABET.len()]))
    }

    /// The eight characters without the dash (`ABCD2345`), as the hub stores them.
    pub fn compact(&self) -> String {
        self.0.iter().map(|b| char::from(*b)).collect()
    }
}

impl fmt::Display for BookingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.compact();
        write!(f, "{}-{}", &s[..4], &s[4..])
    }
}

impl fmt::Debug for BookingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BookingCode({self})")
    }
}

impl serde::Serialize for BookingCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.compact())
    }
}

impl<'de> serde::Deserialize<'de> for BookingCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        BookingCode::parse(&s).ok_or_else(|| {
            serde::de::Error::custom("a booking code is 8 letters and digits, as ABCD-2345")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_typed() {
        let cases: &[(&str, Option<&str>)] = &[
            ("ABCD-2345", Some("ABCD-2345")),
            ("abcd2345", Some("ABCD-2345")),
            (" abcd - 2345 ", Some("ABCD-2345")),
            ("ABCD-234", None),
            ("ABCD-23456", None),
            ("ABCD-2340", None),
            ("ABIO-2345", None),
            ("ÄBCD-2345", None),
            ("", None),
        ];
        for (typed, expected) in cases {
            let got = BookingCode::parse(typed).map(|c| c.to_string());
            assert_eq!(got.as_deref(), *expected, "{typed:?}");
        }
        let code = BookingCode::parse("abcd-2345").unwrap();
        assert_eq!(code.compact(), "ABCD2345");
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"ABCD2345\"");
        assert_eq!(
            serde_json::from_str::<BookingCode>("\"abcd-2345\"").unwrap(),
            code
        );
        for _ in 0..100 {
            let r = BookingCode::random();
            assert_eq!(BookingCode::parse(&r.to_string()), Some(r));
        }
    }
}
