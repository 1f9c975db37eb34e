//! ISO 2709 ("MARC communications format", `.mrc`) records, with MARC-8 or UTF-8 text.

use unicode_normalization::UnicodeNormalization;

use super::{Field, Record, is_control_tag, marc8};

/// A subfield's code and how many bytes it takes. A code that is not ASCII (a damaged
/// record) is repaired the way other MARC readers do: the character it starts is decomposed
/// and its first ASCII letter kept, so the value is not lost with it.
fn subfield_code(part: &[u8]) -> (char, usize) {
    let first = part[0];
    if first.is_ascii() {
        return (char::from(first), 1);
    }
    let (text, skip): (String, usize) = match std::str::from_utf8(part) {
        Ok(s) => (s.to_owned(), s.chars().next().map_or(1, char::len_utf8)),
        Err(e) if e.valid_up_to() > 0 => {
            let s = String::from_utf8_lossy(part).into_owned();
            let skip = s.chars().next().map_or(1, char::len_utf8);
            (s, skip)
        }
        Err(_) => (part.iter().map(|&b| char::from(b)).collect(), 1),
    };
    let code = text.nfkd().find(char::is_ascii).unwrap_or('?');
    (code, skip)
}

const RECORD_END: u8 = 0x1D;
const FIELD_END: u8 = 0x1E;
const SUBFIELD: u8 = 0x1F;

/// One record's bytes and where it starts in the file.
#[derive(Debug, Clone, Copy)]
pub struct Raw<'a> {
    pub offset: usize,
    pub bytes: &'a [u8],
}

/// Splits a file into records. The record length in each leader is trusted when it points at
/// a record terminator; otherwise the record runs to the next terminator, so one bad leader
/// costs one record, not the rest of the file.
pub fn split(data: &[u8]) -> impl Iterator<Item = Raw<'_>> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        while pos < data.len() && matches!(data[pos], b'\n' | b'\r' | b' ' | 0) {
            pos += 1;
        }
        if pos >= data.len() {
            return None;
        }
        let start = pos;
        let declared = std::str::from_utf8(data.get(start..start + 5)?)
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|&len| len >= 25 && data.get(start + len - 1) == Some(&RECORD_END));
        let end = match declared {
            Some(len) => start + len,
            None => data[start..]
                .iter()
                .position(|&b| b == RECORD_END)
                .map_or(data.len(), |i| start + i + 1),
        };
        pos = end;
        Some(Raw {
            offset: start,
            bytes: &data[start..end],
        })
    })
}

/// A parsed record and how many characters of it could not be converted to Unicode.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub record: Record,
    pub unmapped: usize,
    /// The character set the text was read in.
    pub charset: Charset,
}

/// The character sets an ISO 2709 record's text is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// MARC 21 with leader position 9 `a`: bytes that are not UTF-8 refuse the record.
    Utf8,
    /// UNIMARC whose 100 field says ISO 10646 (`50`): bytes that are not UTF-8 are counted
    /// and replaced, the record kept.
    UnimarcUtf8,
    /// MARC 21's default.
    Marc8,
    /// UNIMARC saying ISO 5426 (`03`), the extended Latin set of European libraries (text
    /// that is valid UTF-8 all the same is read as UTF-8).
    Iso5426,
    /// UNIMARC labelled ISO 646 (`01`, 7-bit) whose text has 8-bit bytes: read as ISO 6937,
    /// the superset of ISO 646 such records are written in.
    Iso6937,
    /// UNIMARC/CNMARC in GB 18030 (or its GB 2312 subset), as Chinese libraries export it:
    /// a Chinese-catalogued record whose bytes are not UTF-8 and read cleanly as GB 18030.
    Gb18030,
    /// UNIMARC naming another set (or too short a 100 field to name one): read as UTF-8 when
    /// the bytes are, otherwise the ASCII part is kept and the rest replaced by U+FFFD
    /// (counted as unmapped; the original is kept).
    UnimarcOther,
}

impl Charset {
    pub fn as_str(self) -> &'static str {
        match self {
            Charset::Utf8 | Charset::UnimarcUtf8 => "UTF-8",
            Charset::Marc8 => "MARC-8",
            Charset::Iso5426 => "ISO 5426",
            Charset::Iso6937 => "ISO 6937",
            Charset::Gb18030 => "GB 18030",
            Charset::UnimarcOther => "a UNIMARC character set Commons does not read yet",
        }
    }
}

/// `raw` read as GB 18030 (which contains GB 2312), when every byte sequence is one.
fn gb18030(raw: &[u8]) -> Option<String> {
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(raw)
        .map(|s| s.nfc().collect())
}

/// The `$a` of a UNIMARC record's 100 field (general processing data), from the raw field;
/// `None` when the record has no UNIMARC-shaped 100 field.
fn unimarc_100(bytes: &[u8], base: usize, directory: &[u8]) -> Option<Vec<u8>> {
    let entry = directory.chunks_exact(12).find(|e| &e[..3] == b"100")?;
    let length: usize = std::str::from_utf8(&entry[3..7]).ok()?.parse().ok()?;
    let start: usize = std::str::from_utf8(&entry[7..12]).ok()?.parse().ok()?;
    let field = bytes.get(base + start..base + start + length)?;
    let at = field.windows(2).position(|w| w == [SUBFIELD, b'a'])? + 2;
    let rest = field.get(at..)?;
    let a = &rest[..rest
        .iter()
        .position(|&b| b == SUBFIELD || b == FIELD_END)
        .unwrap_or(rest.len())];
    let shaped =
        a.len() >= 9 && a[..8].iter().all(u8::is_ascii_digit) && matches!(a[8], b'a'..=b'k' | b'u');
    shaped.then(|| a.to_vec())
}

/// Parses one record. Errors are sentences naming what is wrong.
pub fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    if bytes.len() < 25 {
        return Err(format!(
            "record of {} bytes is shorter than a leader",
            bytes.len()
        ));
    }
    let leader: String = bytes[..24].iter().map(|&b| char::from(b)).collect();
    if !bytes[..24].is_ascii() {
        return Err("leader holds non-ASCII bytes".into());
    }
    let base: usize = leader[12..17].parse().map_err(|_| {
        format!(
            "leader's base address `{}` is not a number",
            &leader[12..17]
        )
    })?;
    if base < 25 || base > bytes.len() {
        return Err(format!(
            "base address {base} lies outside the record of {} bytes",
            bytes.len()
        ));
    }
    let directory = &bytes[24..base - 1];
    let f100 = unimarc_100(bytes, base, directory);
    // The 100 field's positions 22–24 (language of cataloguing) and 26–27 (the first
    // graphic character set).
    let at = |range: std::ops::Range<usize>| f100.as_deref().and_then(|a| a.get(range));
    let chinese = at(22..25) == Some(b"chi".as_slice());
    let iso646 = at(26..28) == Some(b"01".as_slice());
    let charset = if leader.as_bytes()[9] == b'a' {
        Charset::Utf8
    } else if f100.is_none() {
        Charset::Marc8
    } else {
        match at(26..28) {
            // UNIMARC saying UTF-8: bytes that are not are counted and replaced, the record
            // kept (as MARC-8 problems are), rather than refused as MARC 21 says UTF-8.
            Some(b"50") => Charset::UnimarcUtf8,
            Some(b"03") => Charset::Iso5426,
            _ => Charset::UnimarcOther,
        }
    };
    let mut used_gb18030 = false;
    let mut used_6937 = false;
    if !directory.len().is_multiple_of(12) {
        return Err(format!(
            "directory of {} bytes is not a whole number of 12-byte entries",
            directory.len()
        ));
    }
    let mut fields = Vec::with_capacity(directory.len() / 12);
    let mut unmapped = 0;
    for entry in directory.chunks_exact(12) {
        let tag = std::str::from_utf8(&entry[..3])
            .ok()
            .filter(|t| t.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
            .ok_or_else(|| format!("directory entry has an invalid tag {:?}", &entry[..3]))?
            .to_owned();
        let number = |range: std::ops::Range<usize>| -> Result<usize, String> {
            std::str::from_utf8(&entry[range])
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    format!("directory entry for {tag} has a non-numeric length or start")
                })
        };
        let length = number(3..7)?;
        let start = number(7..12)?;
        let from = base + start;
        let to = from + length;
        if length == 0 || to > bytes.len() {
            return Err(format!("field {tag} points outside the record"));
        }
        let mut data = &bytes[from..to];
        if data.last() == Some(&FIELD_END) {
            data = &data[..data.len() - 1];
        }
        let mut text = |raw: &[u8]| -> Result<String, String> {
            match charset {
                Charset::Utf8 => String::from_utf8(raw.to_vec())
                    .map(|s| s.nfc().collect())
                    .map_err(|_| {
                        format!("field {tag} is not valid UTF-8 although the record says UTF-8")
                    }),
                Charset::Marc8 => {
                    let d = marc8::decode(raw);
                    unmapped += d.unmapped;
                    Ok(d.text)
                }
                Charset::UnimarcUtf8 => match std::str::from_utf8(raw) {
                    Ok(s) => Ok(s.nfc().collect()),
                    Err(_) if chinese && let Some(s) = gb18030(raw) => {
                        used_gb18030 = true;
                        Ok(s)
                    }
                    Err(_) => {
                        let lossy = String::from_utf8_lossy(raw);
                        unmapped += lossy.matches(char::REPLACEMENT_CHARACTER).count();
                        Ok(lossy.nfc().collect())
                    }
                },
                Charset::Iso5426 => match std::str::from_utf8(raw) {
                    Ok(s) => Ok(s.nfc().collect()),
                    Err(_) => {
                        let (text, n) = super::latin::iso5426(raw);
                        unmapped += n;
                        Ok(text)
                    }
                },
                Charset::Gb18030 | Charset::Iso6937 | Charset::UnimarcOther => {
                    match std::str::from_utf8(raw) {
                        Ok(s) => Ok(s.nfc().collect()),
                        Err(_) if chinese && let Some(s) = gb18030(raw) => {
                            used_gb18030 = true;
                            Ok(s)
                        }
                        Err(_) if iso646 => {
                            used_6937 = true;
                            let (text, n) = super::latin::iso6937(raw);
                            unmapped += n;
                            Ok(text)
                        }
                        Err(_) => Ok(raw
                            .iter()
                            .map(|&b| {
                                if b.is_ascii() {
                                    char::from(b)
                                } else {
                                    unmapped += 1;
                                    char::REPLACEMENT_CHARACTER
                                }
                            })
                            .collect()),
                    }
                }
            }
        };
        if is_control_tag(&tag) {
            let value = text(data)?;
            fields.push(Field::Control { tag, value });
            continue;
        }
        let mut parts = data.split(|&b| b == SUBFIELD);
        let indicators = parts.next().unwrap_or_default();
        let ind = |i: usize| indicators.get(i).map_or(' ', |&b| char::from(b));
        let (ind1, ind2) = (ind(0), ind(1));
        let mut subfields = Vec::new();
        for part in parts {
            if part.is_empty() {
                continue;
            }
            let (code, skip) = subfield_code(part);
            subfields.push((code, text(&part[skip..])?));
        }
        fields.push(Field::Data {
            tag,
            ind1,
            ind2,
            subfields,
        });
    }
    Ok(Parsed {
        record: Record { leader, fields },
        unmapped,
        charset: if used_gb18030 {
            Charset::Gb18030
        } else if used_6937 {
            Charset::Iso6937
        } else {
            charset
        },
    })
}

/// Writes a record as ISO 2709 with UTF-8 text (leader position 9 is set to `a`).
pub fn write(record: &Record) -> Vec<u8> {
    let mut out = write_encoded(record, &|s| s.as_bytes().to_vec());
    out[9] = b'a';
    out
}

/// Writes a record as ISO 2709 with each value encoded by `encode`, leader position 9 as
/// the record has it (UNIMARC says its character set in the 100 field).
pub fn write_encoded(record: &Record, encode: &dyn Fn(&str) -> Vec<u8>) -> Vec<u8> {
    let mut directory = Vec::new();
    let mut data = Vec::new();
    for field in &record.fields {
        let start = data.len();
        match field {
            Field::Control { value, .. } => data.extend_from_slice(&encode(value)),
            Field::Data {
                ind1,
                ind2,
                subfields,
                ..
            } => {
                let mut buf = [0u8; 4];
                data.extend_from_slice(ind1.encode_utf8(&mut buf).as_bytes());
                data.extend_from_slice(ind2.encode_utf8(&mut buf).as_bytes());
                for (code, value) in subfields {
                    data.push(SUBFIELD);
                    data.extend_from_slice(code.encode_utf8(&mut buf).as_bytes());
                    data.extend_from_slice(&encode(value));
                }
            }
        }
        data.push(FIELD_END);
        directory.extend_from_slice(
            format!("{:<3.3}{:04}{:05}", field.tag(), data.len() - start, start).as_bytes(),
        );
    }
    directory.push(FIELD_END);
    let base = 24 + directory.len();
    let total = base + data.len() + 1;
    let mut leader: Vec<u8> = format!("{:<24.24}", record.leader).into_bytes();
    leader[..5].copy_from_slice(format!("{:05}", total.min(99_999)).as_bytes());
    leader[12..17].copy_from_slice(format!("{base:05}").as_bytes());
    let mut out = leader;
    out.extend(directory);
    out.extend(data);
    out.push(RECORD_END);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds an ISO 2709 record from (tag, field bytes without terminator).
    pub(crate) fn build(leader9: u8, fields: &[(&str, &[u8])]) -> Vec<u8> {
        let mut directory = Vec::new();
        let mut data = Vec::new();
        for (tag, body) in fields {
            let start = data.len();
            data.extend_from_slice(body);
            data.push(FIELD_END);
            directory
                .extend_from_slice(format!("{tag}{:04}{:05}", body.len() + 1, start).as_bytes());
        }
        directory.push(FIELD_END);
        let base = 24 + directory.len();
        let total = base + data.len() + 1;
        let mut out = format!("{total:05}nam a22{base:05}   4500").into_bytes();
        out[9] = leader9;
        out.extend(directory);
        out.extend(data);
        out.push(RECORD_END);
        out
    }

    #[test]
    fn round_trip_of_a_built_record() {
        let rec = build(
            b'a',
            &[
                ("001", b"ocm123"),
                (
                    "245",
                    b"10\x1FaCaf\xC3\xA9 society :\x1Fba history /\x1FcJ. Doe.",
                ),
            ],
        );
        let parsed = parse(&rec).unwrap();
        assert_eq!(parsed.record.control("001"), Some("ocm123"));
        assert_eq!(parsed.record.first("245", 'a'), Some("Café society :"));
        let both = [rec.clone(), rec].concat();
        let split: Vec<_> = split(&both).collect();
        assert_eq!(split.len(), 2);
        assert_eq!(split[1].offset, split[0].bytes.len());
    }

    #[test]
    fn written_records_read_back_the_same() {
        let record = Record {
            leader: "00000nam  2200000 a 4500".into(),
            fields: vec![
                Field::Control {
                    tag: "001".into(),
                    value: "x1".into(),
                },
                Field::Data {
                    tag: "245".into(),
                    ind1: '1',
                    ind2: '0',
                    subfields: vec![('a', "Café 中国".into()), ('c', "by me".into())],
                },
            ],
        };
        let bytes = write(&record);
        let back = parse(&bytes).unwrap().record;
        assert_eq!(back.fields, record.fields);
        assert_eq!(&back.leader[..5], format!("{:05}", bytes.len()));
    }

    /// UNIMARC says its character set in the 100 field: `50` is UTF-8; another set is read
    /// as UTF-8 when the bytes are, else its non-ASCII bytes are counted and replaced; a 100
    /// field too short to say still marks the record as UNIMARC, not MARC-8.
    #[test]
    fn unimarc_records_are_read_in_the_set_their_100_field_names() {
        let f100 = |set: &str| format!("  \x1Fa20240105d2023    em y0chiy{set}      ea");
        let utf8 = build(
            b' ',
            &[
                ("100", f100("50").as_bytes()),
                ("200", "1 \x1Fa图书馆学".as_bytes()),
            ],
        );
        let p = parse(&utf8).unwrap();
        assert_eq!(
            (p.charset, p.record.first("200", 'a')),
            (Charset::UnimarcUtf8, Some("图书馆学"))
        );
        // Saying UTF-8 and sending other bytes: kept, the bytes counted and replaced.
        let lying = build(
            b' ',
            &[("100", f100("50").as_bytes()), ("200", b"1 \x1FaCaf\xE9")],
        );
        let p = parse(&lying).unwrap();
        assert_eq!(
            (p.record.first("200", 'a'), p.unmapped),
            (Some("Caf\u{FFFD}"), 1)
        );
        // A set Commons does not read, catalogued in French (Chinese records whose bytes are
        // not UTF-8 are tried as GB 18030).
        let french = f100("05").replace("chi", "fre");
        let other = build(
            b' ',
            &[("100", french.as_bytes()), ("200", b"1 \x1FaCaf\xC2e")],
        );
        let p = parse(&other).unwrap();
        assert_eq!(p.charset, Charset::UnimarcOther);
        assert_eq!(
            (p.record.first("200", 'a'), p.unmapped),
            (Some("Caf\u{FFFD}e"), 1)
        );
        let short = build(
            b' ',
            &[
                ("100", b"  \x1Fa20240105d"),
                ("200", "1 \x1FaCafé".as_bytes()),
            ],
        );
        let p = parse(&short).unwrap();
        assert_eq!(
            (p.charset, p.record.first("200", 'a')),
            (Charset::UnimarcOther, Some("Café"))
        );
        // MARC 21 without a UNIMARC 100 field stays MARC-8.
        assert_eq!(
            parse(&build(b' ', &[("245", b"00\x1FaT")]))
                .unwrap()
                .charset,
            Charset::Marc8
        );
    }

    /// The demo's CNMARC catalogue written in GB 18030 (as Chinese libraries export it) reads
    /// exactly as the same catalogue in UTF-8; ISO 5426 reads its diacritics.
    #[test]
    fn gb18030_and_iso5426_unimarc_read_as_their_utf8_twins() {
        let utf8 = include_bytes!("../../../../assets/demo/shanghai.cnmarc");
        let records: Vec<Parsed> = split(utf8).map(|r| parse(r.bytes).unwrap()).collect();
        assert_eq!(records.len(), 24);
        for p in &records {
            assert_eq!(p.charset, Charset::UnimarcUtf8);
            let mut record = p.record.clone();
            // The 100 field names another set than UTF-8 (Chinese practice varies).
            for f in &mut record.fields {
                if let Field::Data { tag, subfields, .. } = f
                    && tag == "100"
                {
                    subfields[0].1.replace_range(26..28, "01");
                }
            }
            let gb = write_encoded(&record, &|s| encoding_rs::GB18030.encode(s).0.into_owned());
            let read = parse(&gb).unwrap();
            assert_eq!(read.charset, Charset::Gb18030);
            assert_eq!(read.unmapped, 0);
            assert_eq!(read.record.first("200", 'a'), p.record.first("200", 'a'));
            assert_eq!(read.record.fields.len(), p.record.fields.len());
        }
        let f100 = "  \x1Fa20240105d1984    m  y0frey03      ba";
        let latin = build(
            b' ',
            &[
                ("100", f100.as_bytes()),
                ("200", b"1 \x1FaLe Spleen de Paris\x1Fe\xC2Edition critique"),
            ],
        );
        let p = parse(&latin).unwrap();
        assert_eq!(p.charset, Charset::Iso5426);
        assert_eq!(p.record.first("200", 'e'), Some("Édition critique"));
        // Labelled ISO 646 (7-bit) yet holding 8-bit bytes: ISO 6937, whose cedilla is 0xCB.
        let f100 = f100.replace("y03", "y01");
        let labelled_646 = build(
            b' ',
            &[
                ("100", f100.as_bytes()),
                ("200", b"1 \x1FaLe\xCBcon de fran\xCBcais"),
            ],
        );
        let p = parse(&labelled_646).unwrap();
        assert_eq!(p.charset, Charset::Iso6937);
        assert_eq!(p.record.first("200", 'a'), Some("Leçon de français"));
    }

    #[test]
    fn marc8_records_are_converted() {
        let rec = build(b' ', &[("245", b"00\x1FaBront\xE8e")]);
        assert_eq!(
            parse(&rec).unwrap().record.first("245", 'a'),
            Some("Brontë")
        );
    }

    #[test]
    fn damaged_records_are_refused_with_a_reason() {
        let good = build(b'a', &[("245", b"00\x1FaTitle")]);
        let mut bad_base = good.clone();
        bad_base[12..17].copy_from_slice(b"9x999");
        assert!(parse(&bad_base).unwrap_err().contains("base address"));
        let mut bad_utf8 = build(b'a', &[("245", b"00\x1FaT\xFF")]);
        assert!(parse(&bad_utf8).unwrap_err().contains("not valid UTF-8"));
        bad_utf8.truncate(30);
        assert!(parse(&bad_utf8).is_err());
        assert!(
            parse(b"short")
                .unwrap_err()
                .contains("shorter than a leader")
        );
        // A wrong length in one leader does not swallow the next record.
        let mut wrong_len = good.clone();
        wrong_len[..5].copy_from_slice(b"99999");
        let both = [wrong_len, good].concat();
        assert_eq!(split(&both).count(), 2);
    }
}
