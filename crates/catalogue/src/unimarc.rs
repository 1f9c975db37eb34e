//! UNIMARC (and CNMARC, its Chinese profile): how a record in it is recognised, and how it
//! maps onto the same [`CatalogueRecord`] as MARC 21. The readers (ISO 2709, MARCXML-shaped
//! XML) are MARC 21's: the two share the structure and differ in what the tags mean.
//!
//! Recognised from the record itself: a title in 200 and none in 245, or the 100 field's
//! general processing data (a date of entry, then a type of publication date, in its first
//! nine positions) with no 245.

use super::ident;
use super::marc::{Record, subfield, subfields};
use super::record::{CatalogueRecord, Format, Holding, clean};

/// The MARC family a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Marc21,
    Unimarc,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Marc21 => "MARC 21",
            Family::Unimarc => "UNIMARC",
        }
    }

    /// The name a setting uses: `marc21` or `unimarc`.
    pub fn key(self) -> &'static str {
        match self {
            Family::Marc21 => "marc21",
            Family::Unimarc => "unimarc",
        }
    }

    pub fn parse(s: &str) -> Option<Family> {
        match s.trim().to_ascii_lowercase().as_str() {
            "marc21" | "marc 21" => Some(Family::Marc21),
            "unimarc" | "cnmarc" => Some(Family::Unimarc),
            _ => None,
        }
    }
}

/// Whether the 100 field's `$a` has UNIMARC's shape: eight digits of the date entered, then
/// a type of publication date (`a`–`k`, `u`).
fn unimarc_100(m: &Record) -> bool {
    m.first("100", 'a').is_some_and(|a| {
        let b = a.as_bytes();
        b.len() >= 9 && b[..8].iter().all(u8::is_ascii_digit) && matches!(b[8], b'a'..=b'k' | b'u')
    })
}

/// The family of `m`, from its tags (a per-library setting may say otherwise).
pub fn family(m: &Record) -> Family {
    if m.data("245").next().is_some() {
        return Family::Marc21;
    }
    if m.data("200").any(|sf| subfield(sf, 'a').is_some()) || unimarc_100(m) {
        Family::Unimarc
    } else {
        Family::Marc21
    }
}

/// Text with the non-sorting markers of UNIMARC and MARC 21 (C1 controls such as U+0088 and
/// U+0089 around "L'" in "L'altra faccia") removed: they are instructions, not characters.
pub fn without_controls(s: &str) -> String {
    s.chars()
        .filter(|c| !('\u{80}'..='\u{9f}').contains(c))
        .collect()
}

fn text(sf: &[(char, String)], code: char) -> Option<String> {
    subfield(sf, code)
        .map(|v| clean(&without_controls(v)))
        .filter(|v| !v.is_empty())
}

fn all(sf: &[(char, String)], codes: &[char], sep: &str) -> String {
    sf.iter()
        .filter(|(c, _)| codes.contains(c))
        .map(|(_, v)| clean(&without_controls(v)))
        .filter(|v| !v.is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

fn push_new(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

fn year_in(s: &str) -> Option<i64> {
    s.as_bytes().windows(4).find_map(|w| {
        let y = std::str::from_utf8(w).ok()?;
        y.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| y.parse::<i64>().ok())
            .flatten()
            .filter(|y| (1000..=2100).contains(y))
    })
}

fn format_of(m: &Record) -> Format {
    let leader = m.leader.as_bytes();
    let kind = leader.get(6).copied().unwrap_or(b' ');
    let level = leader.get(7).copied().unwrap_or(b' ');
    match kind {
        b'a' | b'b' if level == b's' => Format::Journal,
        b'a' | b'b' if m.data("328").next().is_some() => Format::Thesis,
        b'a' | b'b' => Format::Book,
        b'c' | b'd' => Format::Score,
        b'e' | b'f' => Format::Map,
        b'g' => Format::Video,
        b'i' | b'j' => Format::Audio,
        b'k' => Format::Image,
        b'l' => Format::Ebook,
        _ => Format::Other,
    }
}

/// A personal name of 700–702 (and 600): `Surname, Forename`, with dates.
fn personal_name(sf: &[(char, String)]) -> String {
    let surname = text(sf, 'a').unwrap_or_default();
    let forename = text(sf, 'b')
        .map(|b| b.trim_start_matches([',', ' ']).to_owned())
        .unwrap_or_default();
    let mut name = match (surname.is_empty(), forename.is_empty()) {
        (false, false) => format!("{surname}, {forename}"),
        (false, true) => surname,
        (true, _) => forename,
    };
    if let Some(dates) = text(sf, 'f') {
        name = format!("{name}, {dates}");
    }
    name
}

impl CatalogueRecord {
    /// Maps a record of either family (see [`family`]).
    pub fn from_record(m: &Record) -> CatalogueRecord {
        CatalogueRecord::from_record_as(m, None)
    }

    /// Maps a record as `family` says, or as its tags say when `None` (a library's setting
    /// overrides detection).
    pub fn from_record_as(m: &Record, family_of: Option<Family>) -> CatalogueRecord {
        match family_of.unwrap_or_else(|| family(m)) {
            Family::Marc21 => CatalogueRecord::from_marc(m),
            Family::Unimarc => CatalogueRecord::from_unimarc(m),
        }
    }

    /// Maps a UNIMARC or CNMARC bibliographic record (with embedded holdings: 852, CNMARC's
    /// 905 and Koha's 995).
    pub fn from_unimarc(m: &Record) -> CatalogueRecord {
        let mut r = CatalogueRecord::default();
        let d = &mut r.description;
        if let Some(sf) = m.data("200").next() {
            // $a titles (several when a work has no collective title), $h/$i its part.
            let mut title = all(sf, &['a'], " ; ");
            let part = all(sf, &['h', 'i'], ". ");
            if !part.is_empty() {
                title = if title.is_empty() {
                    part
                } else {
                    format!("{title}. {part}")
                };
            }
            d.title = title;
            d.subtitle = Some(all(sf, &['e'], " : ")).filter(|s| !s.is_empty());
            d.responsibility = Some(all(sf, &['f', 'g'], " ; ")).filter(|s| !s.is_empty());
        }
        for tag in ["700", "701", "702"] {
            for sf in m.data(tag) {
                push_new(&mut d.authors, personal_name(sf));
            }
        }
        // Pinyin (or another romanization) of the title and the names, in $9.
        for tag in ["200", "700", "701", "702", "710", "711", "712"] {
            for sf in m.data(tag) {
                for v in subfields(sf, '9') {
                    push_new(&mut d.romanized, clean(&without_controls(v)));
                }
            }
        }
        for tag in ["710", "711", "712"] {
            for sf in m.data(tag) {
                push_new(&mut d.authors, all(sf, &['a', 'b'], ". "));
            }
        }
        d.edition = m.data("205").find_map(|sf| text(sf, 'a'));
        let imprint = m.data("214").next().or_else(|| m.data("210").next());
        if let Some(sf) = imprint {
            d.place = text(sf, 'a');
            d.publisher = text(sf, 'c');
        }
        // 100 $a positions 9–12: the first date of publication.
        d.year = m
            .first("100", 'a')
            .and_then(|a| a.get(9..13))
            .and_then(|y| y.parse::<i64>().ok())
            .filter(|y| (1000..=2100).contains(y))
            .or_else(|| imprint.and_then(|sf| subfield(sf, 'd')).and_then(year_in));
        d.language = m
            .first("101", 'a')
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| l.len() == 3 && l.bytes().all(|b| b.is_ascii_lowercase()))
            .unwrap_or_else(|| "und".into());
        for sf in m.data("010") {
            for raw in subfields(sf, 'a') {
                if let Some(isbn) = ident::isbn13(raw) {
                    push_new(&mut d.isbns, isbn);
                }
            }
        }
        for sf in m.data("011") {
            if let Some(issn) = subfield(sf, 'a').and_then(ident::issn) {
                push_new(&mut d.issns, issn);
            }
        }
        d.ddc = m
            .first("676", 'a')
            .map(|s| s.replace('/', "").trim().to_owned())
            .filter(|s| !s.is_empty());
        d.lcc = m
            .data("680")
            .map(|sf| all(sf, &['a', 'b'], " "))
            .find(|s| !s.is_empty());
        // The Chinese Library Classification: 690 in CNMARC practice, or 686 with $2 clc.
        d.clc = m
            .data("690")
            .filter_map(|sf| subfield(sf, 'a'))
            .chain(
                m.data("686")
                    .filter(|sf| {
                        subfield(sf, '2').is_some_and(|s| {
                            let s = s.trim().to_ascii_lowercase();
                            s == "clc" || s.starts_with("zt") || s.contains("中图")
                        })
                    })
                    .filter_map(|sf| subfield(sf, 'a')),
            )
            .map(|s| s.trim().to_owned())
            .find(|s| !s.is_empty());
        for tag in ["600", "601", "602", "604", "605", "606", "607", "608"] {
            for sf in m.data(tag) {
                let heading = if tag == "600" {
                    let name = personal_name(sf);
                    let rest = all(sf, &['x', 'y', 'z'], " -- ");
                    if rest.is_empty() {
                        name
                    } else {
                        format!("{name} -- {rest}")
                    }
                } else {
                    all(sf, &['a', 'b', 't', 'j', 'x', 'y', 'z'], " -- ")
                };
                push_new(&mut d.subjects, heading);
            }
        }
        for sf in m.data("225") {
            let s = all(sf, &['a', 'v'], " ; ");
            if !s.is_empty() && !d.series.iter().any(|x| x.eq_ignore_ascii_case(&s)) {
                d.series.push(s);
            }
        }
        // Notes: 300–3XX, except the summary (330) and contents (327) shown apart.
        for f in &m.fields {
            let tag = f.tag();
            if tag.starts_with('3') && !matches!(tag, "327" | "330") {
                for sf in m.data(tag) {
                    push_new(&mut d.notes, all(sf, &['a'], " "));
                }
            }
        }
        // UDC (675) has no place of its own: shown with the notes, as is the record's source
        // (801: country, agency, date).
        for sf in m.data("675") {
            if let Some(udc) = text(sf, 'a') {
                push_new(&mut d.notes, format!("UDC {udc}"));
            }
        }
        for sf in m.data("801") {
            let source = all(sf, &['a', 'b'], " ");
            if !source.is_empty() {
                push_new(&mut d.notes, format!("Catalogued by {source}"));
            }
        }
        d.summary = m.data("330").find_map(|sf| text(sf, 'a'));
        d.contents = m
            .data("327")
            .map(|sf| all(sf, &['a'], " ; "))
            .find(|s| !s.is_empty());
        d.physical = m
            .data("215")
            .map(|sf| all(sf, &['a', 'c', 'd', 'e'], " ; "))
            .find(|s| !s.is_empty());
        r.format = Some(format_of(m));
        r.holdings = holdings(m);
        r
    }
}

/// Holdings of a UNIMARC record: 852 (institution, call number), the 905 of CNMARC practice
/// ($a library, $d/$e call number parts, $f copy), and Koha's 995 ($b owner, $c holder, $e
/// location, $k call number, $n due date, $o circulation status).
fn holdings(m: &Record) -> Vec<Holding> {
    let mut out = Vec::new();
    let value = |sf: &[(char, String)], code| {
        subfield(sf, code)
            .map(|v| without_controls(v).trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    for sf in m.data("852") {
        let Some(library) = value(sf, 'a').or_else(|| value(sf, 'b')) else {
            continue;
        };
        out.push(Holding {
            library,
            call_number: all(sf, &['j', 'k', 'l'], " "),
            location: all(sf, &['b', 'c'], ", "),
            status: "unknown",
            due_date: None,
        });
    }
    for sf in m.data("905") {
        let Some(library) = value(sf, 'a') else {
            continue;
        };
        out.push(Holding {
            library,
            call_number: all(sf, &['d', 'e'], "/"),
            location: value(sf, 'c').unwrap_or_default(),
            status: "unknown",
            due_date: None,
        });
    }
    for sf in m.data("995") {
        let Some(library) = value(sf, 'c').or_else(|| value(sf, 'b')) else {
            continue;
        };
        let due = value(sf, 'n').map(|d| d.chars().take(10).collect::<String>());
        let status = if due.is_some() {
            "on_loan"
        } else if value(sf, 'o')
            .is_some_and(|o| o == "1" || o.eq_ignore_ascii_case("exclu du pret"))
        {
            "reference"
        } else {
            "available"
        };
        out.push(Holding {
            library,
            call_number: value(sf, 'k').unwrap_or_default(),
            location: value(sf, 'e').unwrap_or_default(),
            status,
            due_date: due,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marc::Field;

    fn data(tag: &str, subfields: &[(char, &str)]) -> Field {
        Field::Data {
            tag: tag.into(),
            ind1: ' ',
            ind2: ' ',
            subfields: subfields
                .iter()
                .map(|(c, v)| (*c, (*v).to_owned()))
                .collect(),
        }
    }

    /// A CNMARC record as Chinese libraries catalogue it: title and pinyin in 200, CLC in
    /// 690, subjects in 606, names in 701, holdings in 905.
    #[test]
    fn a_cnmarc_record_maps_like_a_marc_21_one() {
        let m = Record {
            leader: "00000nam0 2200000   450 ".into(),
            fields: vec![
                Field::Control {
                    tag: "001".into(),
                    value: "CN001".into(),
                },
                data("010", &[('a', "978-7-5013-5000-1"), ('d', "CNY68.00")]),
                data("100", &[('a', "20240105d2023    em y0chiy50      ea")]),
                data("101", &[('a', "chi")]),
                data(
                    "200",
                    &[
                        ('a', "图书馆学概论"),
                        ('9', "tu shu guan xue gai lun"),
                        ('e', "第二版"),
                        ('f', "吴慰慈, 董焱编著"),
                    ],
                ),
                data("205", &[('a', "2版")]),
                data(
                    "210",
                    &[('a', "北京"), ('c', "国家图书馆出版社"), ('d', "2023")],
                ),
                data("215", &[('a', "312页"), ('d', "26cm")]),
                data("330", &[('a', "本书系统介绍图书馆学的基本理论。")]),
                data(
                    "606",
                    &[('a', "图书馆学"), ('x', "高等学校"), ('j', "教材")],
                ),
                data("690", &[('a', "G250"), ('v', "5")]),
                data("701", &[('a', "吴慰慈"), ('4', "编著")]),
                data("801", &[('a', "CN"), ('b', "NLC")]),
                data("905", &[('a', "shanghai"), ('d', "G250"), ('e', "W85")]),
            ],
        };
        assert_eq!(family(&m), Family::Unimarc);
        let r = CatalogueRecord::from_record(&m);
        let d = &r.description;
        assert_eq!(d.title, "图书馆学概论");
        assert_eq!(d.subtitle.as_deref(), Some("第二版"));
        assert_eq!(d.responsibility.as_deref(), Some("吴慰慈, 董焱编著"));
        assert_eq!(d.authors, ["吴慰慈"]);
        assert_eq!(d.romanized, ["tu shu guan xue gai lun"]);
        assert_eq!(d.isbns, ["9787501350001"]);
        assert_eq!((d.language.as_str(), d.year), ("chi", Some(2023)));
        assert_eq!(d.publisher.as_deref(), Some("国家图书馆出版社"));
        assert_eq!(d.clc.as_deref(), Some("G250"));
        assert_eq!(d.subjects, ["图书馆学 -- 高等学校 -- 教材"]);
        assert_eq!(
            d.summary.as_deref(),
            Some("本书系统介绍图书馆学的基本理论。")
        );
        assert_eq!(r.format, Some(Format::Book));
        assert_eq!(d.notes, ["Catalogued by CN NLC"]);
        assert_eq!(r.holdings[0].library, "shanghai");
        assert_eq!(r.holdings[0].call_number, "G250/W85");
    }

    #[test]
    fn marc_21_stays_marc_21() {
        let m = Record {
            leader: "00000nam a2200000 a 4500".into(),
            fields: vec![
                data("100", &[('a', "Chabon, Michael")]),
                data("245", &[('a', "Summerland")]),
                data("200", &[('a', "not a UNIMARC title")]),
            ],
        };
        assert_eq!(family(&m), Family::Marc21);
        assert_eq!(
            CatalogueRecord::from_record(&m).description.title,
            "Summerland"
        );
    }
}
