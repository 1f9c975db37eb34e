//! The 8-bit Latin sets of European UNIMARC: ISO 5426 (its 100 field says `03`) and ISO 6937
//! (the set behind many records labelled `01`, ISO 646, that carry accented letters). Both
//! have ASCII below 0x80, spacing specials above, and non-spacing diacritics written *before*
//! the letter they mark, as in MARC-8. A diacritic becomes a Unicode combining mark after
//! its letter; the text is then composed (NFC), so `0xC2 e` reads `é` in either.

use unicode_normalization::UnicodeNormalization;

/// The combining mark of an ISO 5426 non-spacing diacritic byte.
fn diacritic_5426(b: u8) -> Option<char> {
    Some(match b {
        0xC0 => '\u{0309}',        // hook above
        0xC1 => '\u{0300}',        // grave
        0xC2 => '\u{0301}',        // acute
        0xC3 => '\u{0302}',        // circumflex
        0xC4 => '\u{0303}',        // tilde
        0xC5 => '\u{0304}',        // macron
        0xC6 => '\u{0306}',        // breve
        0xC7 => '\u{0307}',        // dot above
        0xC8 | 0xC9 => '\u{0308}', // diaeresis, umlaut
        0xCA => '\u{030A}',        // ring above
        0xCD => '\u{030B}',        // double acute
        0xCE => '\u{031B}',        // horn
        0xCF => '\u{030C}',        // caron
        0xD0 => '\u{0327}',        // cedilla
        0xD3 => '\u{0328}',        // ogonek
        0xD4 => '\u{0325}',        // ring below
        0xD6 => '\u{0323}',        // dot below
        0xD7 => '\u{0324}',        // diaeresis below
        0xD8 => '\u{0332}',        // underline
        0xD9 => '\u{0333}',        // double underline
        0xDA => '\u{0329}',        // vertical line below
        _ => return None,
    })
}

/// A spacing character of ISO 5426's upper half.
fn special_5426(b: u8) -> Option<char> {
    Some(match b {
        0xA1 => '¡',
        0xA2 => '„',
        0xA3 => '£',
        0xA4 => '$',
        0xA5 => '¥',
        0xA6 => '†',
        0xA7 => '§',
        0xA8 => '′',
        0xA9 => '‘',
        0xAA => '“',
        0xAB => '«',
        0xAC => '♭',
        0xAD => '©',
        0xAE => '℗',
        0xAF => '®',
        0xB0 => 'ʻ',
        0xB1 => 'ʼ',
        0xB2 => '‚',
        0xB6 => '‡',
        0xB7 => '·',
        0xB8 => '″',
        0xB9 => '’',
        0xBA => '”',
        0xBB => '»',
        0xBC => '♯',
        0xBD => 'ʹ',
        0xBE => 'ʺ',
        0xBF => '¿',
        0xE1 => 'Æ',
        0xE2 => 'Đ',
        0xE6 => 'Ĳ',
        0xE8 => 'Ł',
        0xE9 => 'Ø',
        0xEA => 'Œ',
        0xEC => 'Þ',
        0xF1 => 'æ',
        0xF2 => 'đ',
        0xF3 => 'ð',
        0xF5 => 'ı',
        0xF6 => 'ĳ',
        0xF8 => 'ł',
        0xF9 => 'ø',
        0xFA => 'œ',
        0xFB => 'ß',
        0xFC => 'þ',
        _ => return None,
    })
}

/// The combining mark of an ISO 6937 non-spacing diacritic byte.
fn diacritic_6937(b: u8) -> Option<char> {
    Some(match b {
        0xC1 => '\u{0300}',        // grave
        0xC2 => '\u{0301}',        // acute
        0xC3 => '\u{0302}',        // circumflex
        0xC4 => '\u{0303}',        // tilde
        0xC5 => '\u{0304}',        // macron
        0xC6 => '\u{0306}',        // breve
        0xC7 => '\u{0307}',        // dot above
        0xC8 | 0xC9 => '\u{0308}', // diaeresis (0xC9: the older umlaut)
        0xCA => '\u{030A}',        // ring above
        0xCB => '\u{0327}',        // cedilla
        0xCC => '\u{0332}',        // underline (older editions)
        0xCD => '\u{030B}',        // double acute
        0xCE => '\u{0328}',        // ogonek
        0xCF => '\u{030C}',        // caron
        _ => return None,
    })
}

/// A spacing character of ISO 6937's upper half.
fn special_6937(b: u8) -> Option<char> {
    Some(match b {
        0xA0 => '\u{00A0}',
        0xA1 => '¡',
        0xA2 => '¢',
        0xA3 => '£',
        0xA5 => '¥',
        0xA7 => '§',
        0xA8 => '¤',
        0xA9 => '‘',
        0xAA => '“',
        0xAB => '«',
        0xAC => '←',
        0xAD => '↑',
        0xAE => '→',
        0xAF => '↓',
        0xB0 => '°',
        0xB1 => '±',
        0xB2 => '²',
        0xB3 => '³',
        0xB4 => '×',
        0xB5 => 'µ',
        0xB6 => '¶',
        0xB7 => '·',
        0xB8 => '÷',
        0xB9 => '’',
        0xBA => '”',
        0xBB => '»',
        0xBC => '¼',
        0xBD => '½',
        0xBE => '¾',
        0xBF => '¿',
        0xD0 => '―',
        0xD1 => '¹',
        0xD2 => '®',
        0xD3 => '©',
        0xD4 => '™',
        0xD5 => '♪',
        0xD6 => '¬',
        0xD7 => '¦',
        0xDC => '⅛',
        0xDD => '⅜',
        0xDE => '⅝',
        0xDF => '⅞',
        0xE0 => 'Ω',
        0xE1 => 'Æ',
        0xE2 => 'Đ',
        0xE3 => 'ª',
        0xE4 => 'Ħ',
        0xE6 => 'Ĳ',
        0xE7 => 'Ŀ',
        0xE8 => 'Ł',
        0xE9 => 'Ø',
        0xEA => 'Œ',
        0xEB => 'º',
        0xEC => 'Þ',
        0xED => 'Ŧ',
        0xEE => 'Ŋ',
        0xEF => 'ŉ',
        0xF0 => 'ĸ',
        0xF1 => 'æ',
        0xF2 => 'đ',
        0xF3 => 'ð',
        0xF4 => 'ħ',
        0xF5 => 'ı',
        0xF6 => 'ĳ',
        0xF7 => 'ŀ',
        0xF8 => 'ł',
        0xF9 => 'ø',
        0xFA => 'œ',
        0xFB => 'ß',
        0xFC => 'þ',
        0xFD => 'ŧ',
        0xFE => 'ŋ',
        0xFF => '\u{00AD}',
        _ => return None,
    })
}

/// Decodes ISO 5426 bytes; returns the text and how many bytes no table names (replaced
/// by U+FFFD). C1 controls (0x80–0x9F, such as the non-sorting markers) are kept as their
/// code points.
pub fn iso5426(bytes: &[u8]) -> (String, usize) {
    decode(bytes, diacritic_5426, special_5426)
}

/// Decodes ISO 6937 bytes, as [`iso5426`] does.
pub fn iso6937(bytes: &[u8]) -> (String, usize) {
    decode(bytes, diacritic_6937, special_6937)
}

fn decode(
    bytes: &[u8],
    diacritic: fn(u8) -> Option<char>,
    special: fn(u8) -> Option<char>,
) -> (String, usize) {
    let mut out = String::with_capacity(bytes.len());
    let mut marks: Vec<char> = Vec::new();
    let mut unmapped = 0;
    for &b in bytes {
        if let Some(mark) = diacritic(b) {
            marks.push(mark);
            continue;
        }
        let c = match b {
            0x00..=0x9F => char::from(b),
            _ => special(b).unwrap_or_else(|| {
                unmapped += 1;
                char::REPLACEMENT_CHARACTER
            }),
        };
        out.push(c);
        out.extend(marks.drain(..));
    }
    // Diacritics at the very end mark nothing: counted, not shown.
    unmapped += marks.len();
    (out.nfc().collect(), unmapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso6937_diacritics_come_before_their_letter_too() {
        assert_eq!(
            iso6937(b"Caf\xC2e \xCBc \xE8\xC2od\xC2z"),
            ("Café ç Łódź".into(), 0)
        );
        assert_eq!(iso6937(b"Gr\xF9nland \xD3"), ("Grønland ©".into(), 0));
        assert_eq!(iso6937(b"x\xE5y"), ("x\u{FFFD}y".into(), 1));
    }

    #[test]
    fn diacritics_come_before_their_letter() {
        let decode = iso5426;
        assert_eq!(decode(b"Caf\xC2e"), ("Café".into(), 0));
        assert_eq!(decode(b"\xC8Uber \xCFcesk\xC2y"), ("Über český".into(), 0));
        assert_eq!(decode(b"\xE8\xC2od\xC2z"), ("Łódź".into(), 0));
        assert_eq!(decode(b"Gr\xF9nland \xABx\xBB"), ("Grønland «x»".into(), 0));
        // A byte no table names, and a diacritic with no letter after it.
        assert_eq!(decode(b"x\xE0y"), ("x\u{FFFD}y".into(), 1));
        assert_eq!(decode(b"end\xC2").1, 1);
    }
}
