//! Lower-case hexadecimal and the SHA-256 names documents and originals go by.

use std::fmt;

use sha2::Digest as _;

/// `bytes` as lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// `n` random bytes from the system as hexadecimal (tokens, secrets).
pub fn random_hex(n: usize) -> Result<String, getrandom::Error> {
    let mut raw = vec![0u8; n];
    getrandom::getrandom(&mut raw)?;
    Ok(hex(&raw))
}

/// A SHA-256 digest in lower-case hex: the name of a document in every store.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Sha256(String);

impl Sha256 {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256 {
        Sha256(hex(&sha2::Sha256::digest(bytes)))
    }

    /// The digest of what a hasher was fed.
    pub fn finish(hasher: sha2::Sha256) -> Sha256 {
        Sha256(hex(&hasher.finalize()))
    }

    /// `s` if it is 64 lower-case hex digits.
    pub fn parse(s: &str) -> Option<Sha256> {
        is_sha256(s).then(|| Sha256(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Sha256 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Sha256::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("`{s}` is not a SHA-256 in lower-case hex"))
        })
    }
}

/// Whether `s` is a SHA-256 in lower-case hex.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_digests() {
        assert_eq!(hex(&[0, 1, 0xab, 0xff]), "0001abff");
        assert_eq!(
            Sha256::of(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(Sha256::parse(&"A".repeat(64)).is_none());
        assert!(Sha256::parse(&"a".repeat(63)).is_none());
        assert!(serde_json::from_str::<Sha256>("\"zz\"").is_err());
        assert_eq!(random_hex(24).unwrap().len(), 48);
    }
}
