//! MARC-8 to Unicode (NFC).
//!
//! Supported: Basic Latin (ASCII), ANSEL extended Latin with its combining diacritics
//! (which MARC-8 writes before the base letter and Unicode after it), basic Cyrillic, and
//! the subscript, superscript and Greek-symbol sets. Characters of the other MARC-8 sets
//! (extended Cyrillic, Greek, Hebrew, Arabic, East Asian EACC) become U+FFFD and are counted in [`Decoded::unmapped`],
//! so the importer can say so; the original record is always kept as it came.

use unicode_normalization::UnicodeNormalization;

/// Decoded text and how many characters could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub unmapped: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Set {
    BasicLatin,
    Ansel,
    Subscript,
    Superscript,
    GreekSymbols,
    BasicCyrillic,
    /// A set this decoder does not map; `multibyte` for EACC (three bytes a character).
    Other {
        multibyte: bool,
    },
}

fn set_for(final_byte: u8, multibyte: bool) -> Set {
    match (final_byte, multibyte) {
        (b'B', false) | (b's', false) => Set::BasicLatin,
        (b'E', false) => Set::Ansel,
        (b'b', false) => Set::Subscript,
        (b'p', false) => Set::Superscript,
        (b'g', false) => Set::GreekSymbols,
        (b'N', false) => Set::BasicCyrillic,
        (_, m) => Set::Other { multibyte: m },
    }
}

fn ansel(b: u8) -> Option<char> {
    Some(match b {
        0xA1 => 'Ł',
        0xA2 => 'Ø',
        0xA3 => 'Đ',
        0xA4 => 'Þ',
        0xA5 => 'Æ',
        0xA6 => 'Œ',
        0xA7 => '\u{02B9}',
        0xA8 => '·',
        0xA9 => '♭',
        0xAA => '®',
        0xAB => '±',
        0xAC => 'Ơ',
        0xAD => 'Ư',
        0xAE => '\u{02BC}',
        0xB0 => '\u{02BB}',
        0xB1 => 'ł',
        0xB2 => 'ø',
        0xB3 => 'đ',
        0xB4 => 'þ',
        0xB5 => 'æ',
        0xB6 => 'œ',
        0xB7 => '\u{02BA}',
        0xB8 => 'ı',
        0xB9 => '£',
        0xBA => 'ð',
        0xBC => 'ơ',
        0xBD => 'ư',
        0xC0 => '°',
        0xC1 => 'ℓ',
        0xC2 => '℗',
        0xC3 => '©',
        0xC4 => '♯',
        0xC5 => '¿',
        0xC6 => '¡',
        0xC7 => 'ß',
        0xC8 => '€',
        _ => return None,
    })
}

/// ANSEL combining diacritics (0xE0–0xFE).
fn ansel_combining(b: u8) -> Option<char> {
    Some(match b {
        0xE0 => '\u{0309}',
        0xE1 => '\u{0300}',
        0xE2 => '\u{0301}',
        0xE3 => '\u{0302}',
        0xE4 => '\u{0303}',
        0xE5 => '\u{0304}',
        0xE6 => '\u{0306}',
        0xE7 => '\u{0307}',
        0xE8 => '\u{0308}',
        0xE9 => '\u{030C}',
        0xEA => '\u{030A}',
        0xEB => '\u{FE20}',
        0xEC => '\u{FE21}',
        0xED => '\u{0315}',
        0xEE => '\u{030B}',
        0xEF => '\u{0310}',
        0xF0 => '\u{0327}',
        0xF1 => '\u{0328}',
        0xF2 => '\u{0323}',
        0xF3 => '\u{0324}',
        0xF4 => '\u{0325}',
        0xF5 => '\u{0333}',
        0xF6 => '\u{0332}',
        0xF7 => '\u{0326}',
        0xF8 => '\u{031C}',
        0xF9 => '\u{032E}',
        0xFA => '\u{FE22}',
        0xFB => '\u{FE23}',
        0xFE => '\u{0313}',
        _ => return None,
    })
}

/// MARC-8 basic Cyrillic (ISO-IR 37): 0x40–0x7E in KOI order; 0x21–0x3F as ASCII.
const BASIC_CYRILLIC: &str = "юабцдефгхийклмнопярстужвьызшэщчъЮАБЦДЕФГХИЙКЛМНОПЯРСТУЖВЬЫЗШЭЩЧ";

fn cyrillic(b: u8) -> Option<char> {
    match b {
        0x21..=0x3F => Some(char::from(b)),
        0x40..=0x7E => BASIC_CYRILLIC.chars().nth(usize::from(b - 0x40)),
        _ => None,
    }
}

fn script(b: u8, superscript: bool) -> Option<char> {
    let sub = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    let sup = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    Some(match (b, superscript) {
        (b'0'..=b'9', false) => sub[usize::from(b - b'0')],
        (b'0'..=b'9', true) => sup[usize::from(b - b'0')],
        (b'+', false) => '₊',
        (b'-', false) => '₋',
        (b'(', false) => '₍',
        (b')', false) => '₎',
        (b'+', true) => '⁺',
        (b'-', true) => '⁻',
        (b'(', true) => '⁽',
        (b')', true) => '⁾',
        _ => return None,
    })
}

/// Decodes MARC-8 bytes.
pub fn decode(bytes: &[u8]) -> Decoded {
    let mut out = String::with_capacity(bytes.len());
    let mut pending: Vec<char> = Vec::new();
    let mut g0 = Set::BasicLatin;
    let mut g1 = Set::Ansel;
    let mut unmapped = 0;
    let mut i = 0;
    let emit = |c: char, out: &mut String, pending: &mut Vec<char>| {
        out.push(c);
        out.extend(pending.drain(..));
    };
    while i < bytes.len() {
        let b = bytes[i];
        if b == 0x1B {
            // Escape sequence: ESC [$] [intermediate] final.
            let rest = &bytes[i + 1..];
            let (consumed, designation) = match rest {
                [b's', ..] => (1, Some((true, Set::BasicLatin))),
                [b'g', ..] => (1, Some((true, Set::GreekSymbols))),
                [b'b', ..] => (1, Some((true, Set::Subscript))),
                [b'p', ..] => (1, Some((true, Set::Superscript))),
                [b'$', b'(' | b',', f, ..] => (3, Some((true, set_for(*f, true)))),
                [b'$', b')' | b'-', f, ..] => (3, Some((false, set_for(*f, true)))),
                [b'$', f, ..] => (2, Some((true, set_for(*f, true)))),
                [b'(' | b',', f, ..] => (2, Some((true, set_for(*f, false)))),
                [b')' | b'-', f, ..] => (2, Some((false, set_for(*f, false)))),
                _ => (0, None),
            };
            match designation {
                Some((true, set)) => g0 = set,
                Some((false, set)) => g1 = set,
                None => unmapped += 1,
            }
            i += 1 + consumed;
            continue;
        }
        match b {
            // Control characters carry no text in MARC-8 (the delimiters are handled by the
            // record reader); they are dropped, as other MARC readers do.
            0x00..=0x1F | 0x7F..=0x9F => {
                i += 1;
            }
            0x20 => {
                emit(' ', &mut out, &mut pending);
                i += 1;
            }
            0x21..=0x7E => match g0 {
                Set::BasicLatin => {
                    emit(char::from(b), &mut out, &mut pending);
                    i += 1;
                }
                Set::Ansel => {
                    step_ansel(b | 0x80, &mut out, &mut pending, &mut unmapped);
                    i += 1;
                }
                Set::Subscript | Set::Superscript => {
                    let c = script(b, g0 == Set::Superscript).unwrap_or(char::from(b));
                    emit(c, &mut out, &mut pending);
                    i += 1;
                }
                Set::GreekSymbols => {
                    let c = match b {
                        b'a' => 'α',
                        b'b' => 'β',
                        b'c' => 'γ',
                        _ => char::from(b),
                    };
                    emit(c, &mut out, &mut pending);
                    i += 1;
                }
                Set::BasicCyrillic => {
                    match cyrillic(b) {
                        Some(c) => emit(c, &mut out, &mut pending),
                        None => {
                            unmapped += 1;
                            emit('\u{FFFD}', &mut out, &mut pending);
                        }
                    }
                    i += 1;
                }
                Set::Other { multibyte } => {
                    unmapped += 1;
                    emit('\u{FFFD}', &mut out, &mut pending);
                    i += if multibyte { 3 } else { 1 };
                }
            },
            _ => {
                match g1 {
                    Set::Other { multibyte } => {
                        unmapped += 1;
                        emit('\u{FFFD}', &mut out, &mut pending);
                        i += if multibyte { 3 } else { 1 };
                        continue;
                    }
                    _ => step_ansel(b, &mut out, &mut pending, &mut unmapped),
                }
                i += 1;
            }
        }
    }
    // Diacritics with no base letter after them stay, rather than vanish.
    out.extend(pending.drain(..));
    Decoded {
        text: out.nfc().collect(),
        unmapped,
    }
}

fn step_ansel(b: u8, out: &mut String, pending: &mut Vec<char>, unmapped: &mut usize) {
    if let Some(mark) = ansel_combining(b) {
        pending.push(mark);
    } else if let Some(c) = ansel(b) {
        out.push(c);
        out.extend(pending.drain(..));
    } else {
        *unmapped += 1;
        out.push('\u{FFFD}');
        out.extend(pending.drain(..));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &[u8], expected: &str, unmapped: usize) {
        let d = decode(input);
        assert_eq!(d.text, expected, "{input:?}");
        assert_eq!(d.unmapped, unmapped, "{input:?}");
    }

    #[test]
    fn decodes_marc8() {
        check(b"Plain ASCII, 1999.", "Plain ASCII, 1999.", 0);
        // Combining acute before the base letter: "Caf" + acute + "e" -> "Café" (NFC).
        check(b"Caf\xE2e", "Café", 0);
        check(b"Bront\xE8e", "Brontë", 0);
        check(b"\xA5sop", "Æsop", 0);
        check(b"Gda\xE2nsk \xB1\xE2od\xE7z", "Gdańsk łódż", 0);
        check(b"\xC3 2001", "© 2001", 0);
        // Two diacritics on one letter keep their order.
        check(b"\xE3\xE1a", "ầ", 0);
        // Subscript then back to ASCII.
        check(b"H\x1Bb2\x1BsO", "H₂O", 0);
        // Basic Cyrillic, then back to ASCII.
        check(b"\x1B(NMOSKWA, \x1B(BMoscow", "москва, Moscow", 0);
        check(b"\x1B(Nmoskwa", "МОСКВА", 0);
        // A Greek stretch is not mapped but counted, and ASCII after it is intact.
        check(b"\x1B(SABC\x1B(B ok", "\u{FFFD}\u{FFFD}\u{FFFD} ok", 3);
        // EACC: three bytes a character.
        check(b"\x1B$1!!!!!!\x1B(B.", "\u{FFFD}\u{FFFD}.", 2);
        // A trailing diacritic with no letter is kept.
        check(b"x\xE2", "x\u{301}", 0);
    }
}
