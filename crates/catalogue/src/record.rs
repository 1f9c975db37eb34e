//! The catalogue record Commons stores and shows, and how MARC 21 and Dublin Core records
//! map onto it.

use super::ident;
use super::marc::{Record, subfield, subfields};
use super::xml::DcRecord;

/// What kind of thing a record describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Book,
    Ebook,
    Journal,
    Thesis,
    Video,
    Audio,
    Score,
    Map,
    Image,
    Software,
    Other,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Book => "book",
            Format::Ebook => "ebook",
            Format::Journal => "journal",
            Format::Thesis => "thesis",
            Format::Video => "video",
            Format::Audio => "audio",
            Format::Score => "score",
            Format::Map => "map",
            Format::Image => "image",
            Format::Software => "software",
            Format::Other => "other",
        }
    }
}

/// One copy or holding of a record at a library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// The library's code as the source gives it (852 $a/$b, 952 $b, 924 $b ISIL, 949 $m).
    pub library: String,
    pub call_number: String,
    pub location: String,
    /// `available`, `on_loan`, `reference`, `in_transit`, `missing` or `unknown`.
    pub status: &'static str,
    pub due_date: Option<String>,
}

/// The holding statuses the cache knows.
pub const STATUSES: [&str; 6] = [
    "available",
    "on_loan",
    "reference",
    "in_transit",
    "missing",
    "unknown",
];

/// `s` when it is a status the cache knows, else `unknown`.
pub fn known_status(s: &str) -> &'static str {
    STATUSES.into_iter().find(|k| *k == s).unwrap_or("unknown")
}

/// What a record says about the work: everything but its format and holdings. Shared by
/// the imported record and the record as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Description {
    pub title: String,
    pub subtitle: Option<String>,
    pub responsibility: Option<String>,
    pub authors: Vec<String>,
    pub edition: Option<String>,
    pub publisher: Option<String>,
    pub place: Option<String>,
    pub year: Option<i64>,
    /// MARC language code (ISO 639-2/B), `und` when unknown.
    pub language: String,
    pub isbns: Vec<String>,
    pub issns: Vec<String>,
    pub lccn: Option<String>,
    pub oclc: Vec<String>,
    pub lcc: Option<String>,
    pub ddc: Option<String>,
    pub clc: Option<String>,
    pub subjects: Vec<String>,
    pub series: Vec<String>,
    pub notes: Vec<String>,
    pub summary: Option<String>,
    pub contents: Option<String>,
    pub physical: Option<String>,
    /// Romanized forms of the title and names (CNMARC's pinyin in $9), searched and shown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub romanized: Vec<String>,
}

impl Description {
    /// The record's standard numbers as the cache keeps them: ISBNs, ISSNs, the LCCN and
    /// OCLC numbers, each scheme's in order and once.
    pub fn identifiers(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for scheme in [
            &self.isbns[..],
            &self.issns[..],
            self.lccn.as_slice(),
            &self.oclc[..],
        ] {
            let mut values: Vec<&str> = scheme.iter().map(String::as_str).collect();
            values.sort_unstable();
            values.dedup();
            out.extend(values);
        }
        out
    }
}

/// A bibliographic record as an import maps it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CatalogueRecord {
    pub description: Description,
    pub format: Option<Format>,
    pub holdings: Vec<Holding>,
}

/// Strips the ISBD punctuation cataloguers end subfields with (" /", " :", " ;", ",", ".").
pub fn clean(s: &str) -> String {
    let mut t = s.trim();
    loop {
        let before = t;
        t = t
            .trim_end_matches([' ', '/', ':', ';', ',', '='])
            .trim_end();
        // A final period goes unless it ends an initial or abbreviation ("J.", "ed.").
        if let Some(stripped) = t.strip_suffix('.') {
            let last_word = stripped.rsplit(' ').next().unwrap_or("");
            if last_word.chars().count() > 3 {
                t = stripped;
            }
        }
        if t == before {
            break;
        }
    }
    t.trim_start_matches(['[', ' '])
        .trim_end_matches(']')
        .trim()
        .to_owned()
}

fn joined(sf: &[(char, String)], codes: &[char], sep: &str) -> String {
    let parts: Vec<String> = sf
        .iter()
        .filter(|(c, _)| codes.contains(c))
        .map(|(_, v)| clean(v))
        .filter(|v| !v.is_empty())
        .collect();
    parts.join(sep)
}

fn first_year(s: &str) -> Option<i64> {
    let bytes = s.as_bytes();
    bytes.windows(4).find_map(|w| {
        let y = std::str::from_utf8(w).ok()?;
        if y.bytes().all(|b| b.is_ascii_digit()) {
            y.parse::<i64>().ok().filter(|y| (1000..=2100).contains(y))
        } else {
            None
        }
    })
}

fn format_of(m: &Record) -> Format {
    let leader = m.leader.as_bytes();
    let kind = leader.get(6).copied().unwrap_or(b' ');
    let level = leader.get(7).copied().unwrap_or(b' ');
    let f008 = m.control("008").unwrap_or("").as_bytes();
    let online = m.control("007").is_some_and(|s| s.starts_with('c'))
        || f008.get(23).is_some_and(|&b| b == b'o' || b == b's');
    match kind {
        b'a' | b't' if matches!(level, b'b' | b'i' | b's') => Format::Journal,
        b'a' | b't' if m.data("502").next().is_some() => Format::Thesis,
        b'a' | b't' if online => Format::Ebook,
        b'a' | b't' => Format::Book,
        b'c' | b'd' => Format::Score,
        b'e' | b'f' => Format::Map,
        b'g' => Format::Video,
        b'i' | b'j' => Format::Audio,
        b'k' => Format::Image,
        b'm' => Format::Software,
        _ => Format::Other,
    }
}

impl CatalogueRecord {
    /// Maps a MARC 21 bibliographic record (with embedded holdings, if any).
    pub fn from_marc(m: &Record) -> CatalogueRecord {
        let mut r = CatalogueRecord::default();
        if let Some(sf) = m.data("245").next() {
            let mut title = joined(sf, &['a', 'n', 'p'], ". ");
            if title.is_empty() {
                title = joined(sf, &['k'], " ");
            }
            r.description.title = title;
            r.description.subtitle = subfield(sf, 'b').map(clean).filter(|s| !s.is_empty());
            r.description.responsibility = subfield(sf, 'c').map(clean).filter(|s| !s.is_empty());
        }
        for tag in ["100", "110", "111", "700", "710", "711"] {
            for sf in m.data(tag) {
                let name = joined(sf, &['a', 'b', 'q'], " ");
                if !name.is_empty() && !r.description.authors.contains(&name) {
                    r.description.authors.push(name);
                }
            }
        }
        r.description.edition = m.first("250", 'a').map(clean);
        let imprint = m.data("264").next().or_else(|| m.data("260").next());
        if let Some(sf) = imprint {
            r.description.place = subfield(sf, 'a').map(clean).filter(|s| !s.is_empty());
            r.description.publisher = subfield(sf, 'b').map(clean).filter(|s| !s.is_empty());
        }
        let f008 = m.control("008").unwrap_or("");
        r.description.year = f008
            .get(7..11)
            .and_then(|y| y.parse::<i64>().ok())
            .filter(|y| (1000..=2100).contains(y))
            .or_else(|| {
                imprint
                    .and_then(|sf| subfield(sf, 'c'))
                    .and_then(first_year)
            });
        r.description.language = f008
            .get(35..38)
            .filter(|l| l.chars().all(|c| c.is_ascii_lowercase()))
            .map(str::to_owned)
            .or_else(|| m.first("041", 'a').map(|l| l.chars().take(3).collect()))
            .unwrap_or_else(|| "und".into());
        r.format = Some(format_of(m));
        for sf in m.data("020") {
            for raw in subfields(sf, 'a') {
                if let Some(isbn) = ident::isbn13(raw)
                    && !r.description.isbns.contains(&isbn)
                {
                    r.description.isbns.push(isbn);
                }
            }
        }
        for sf in m.data("022") {
            if let Some(issn) = subfield(sf, 'a').and_then(ident::issn)
                && !r.description.issns.contains(&issn)
            {
                r.description.issns.push(issn);
            }
        }
        r.description.lccn = m.first("010", 'a').and_then(ident::lccn);
        for sf in m.data("035") {
            if let Some(n) = subfield(sf, 'a').and_then(ident::oclc)
                && !r.description.oclc.contains(&n)
            {
                r.description.oclc.push(n);
            }
        }
        r.description.lcc = m
            .data("050")
            .chain(m.data("090"))
            .map(|sf| joined(sf, &['a', 'b'], " "))
            .find(|s| !s.is_empty());
        r.description.ddc = m
            .first("082", 'a')
            .map(|s| s.replace('/', "").trim().to_owned());
        r.description.clc = m
            .data("084")
            .find(|sf| subfield(sf, '2').is_some_and(|s| s.eq_ignore_ascii_case("clc")))
            .and_then(|sf| subfield(sf, 'a'))
            .map(|s| s.trim().to_owned());
        for tag in ["600", "610", "611", "630", "650", "651", "655"] {
            for sf in m.data(tag) {
                let heading = joined(sf, &['a', 'b', 'c', 'd', 't', 'v', 'x', 'y', 'z'], " -- ");
                if !heading.is_empty() && !r.description.subjects.contains(&heading) {
                    r.description.subjects.push(heading);
                }
            }
        }
        for sf in m.data("830").chain(m.data("490")).chain(m.data("440")) {
            let s = joined(sf, &['a', 'v'], " ; ");
            if !s.is_empty()
                && !r
                    .description
                    .series
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(&s))
            {
                r.description.series.push(s);
            }
        }
        r.description.notes = m
            .data("500")
            .filter_map(|sf| subfield(sf, 'a'))
            .map(|s| s.trim().to_owned())
            .collect();
        r.description.summary = m.first("520", 'a').map(|s| s.trim().to_owned());
        r.description.contents = m
            .data("505")
            .map(|sf| joined(sf, &['a', 't', 'r', 'g'], " "))
            .find(|s| !s.is_empty());
        r.description.physical = m
            .data("300")
            .map(|sf| joined(sf, &['a', 'b', 'c'], " ; "))
            .find(|s| !s.is_empty());
        r.holdings = holdings(m);
        r
    }

    /// Maps a Dublin Core record.
    pub fn from_dc(dc: &DcRecord) -> CatalogueRecord {
        let mut r = CatalogueRecord {
            description: Description {
                title: dc.titles.first().cloned().unwrap_or_default(),
                authors: dc
                    .creators
                    .iter()
                    .chain(&dc.contributors)
                    .cloned()
                    .collect(),
                publisher: dc.publishers.first().cloned(),
                year: dc.dates.iter().find_map(|d| first_year(d)),
                language: dc
                    .languages
                    .first()
                    .map(|l| iso639_2(l))
                    .unwrap_or_else(|| "und".into()),
                subjects: dc.subjects.clone(),
                summary: dc.descriptions.first().cloned(),
                ..Description::default()
            },
            ..CatalogueRecord::default()
        };
        for id in &dc.identifiers {
            if let Some(isbn) = ident::isbn13(id.trim_start_matches("urn:isbn:")) {
                r.description.isbns.push(isbn);
            } else if let Some(issn) = id
                .strip_prefix("urn:issn:")
                .or(Some(id.as_str()))
                .and_then(ident::issn)
                && id.len() <= 20
            {
                r.description.issns.push(issn);
            }
        }
        let types = dc.types.join(" ").to_lowercase();
        r.format = Some(
            if types.contains("thesis") || types.contains("dissertation") {
                Format::Thesis
            } else if types.contains("article") || types.contains("journal") {
                Format::Journal
            } else if types.contains("video") || types.contains("moving") {
                Format::Video
            } else if types.contains("sound") || types.contains("audio") {
                Format::Audio
            } else if types.contains("image") {
                Format::Image
            } else if types.contains("software") {
                Format::Software
            } else {
                Format::Other
            },
        );
        r
    }
}

/// ISO 639-1 two-letter codes to the MARC (639-2/B) codes used everywhere else.
fn iso639_2(code: &str) -> String {
    let code = code.trim().to_ascii_lowercase();
    let mapped = match code.as_str() {
        "en" => "eng",
        "zh" => "chi",
        "de" => "ger",
        "fr" => "fre",
        "es" => "spa",
        "it" => "ita",
        "ja" => "jpn",
        "ko" => "kor",
        "ru" => "rus",
        "pt" => "por",
        "ar" => "ara",
        "nl" => "dut",
        _ if code.len() == 3 && code.chars().all(|c| c.is_ascii_lowercase()) => code.as_str(),
        _ => "und",
    };
    mapped.to_owned()
}

/// Holdings from 852 (MARC holdings), 952 (Koha items), 924 (German union catalogues) and
/// 949 (a common local items field: $m library, $a call number, $l location). In a holdings
/// record (leader type u, v, x, y), the 866 textual holdings (`v.1-20 (1990-2009)`) follow
/// the 852's location.
pub fn holdings(m: &Record) -> Vec<Holding> {
    let mut out = Vec::new();
    let summary = m
        .data("866")
        .map(|sf| joined(sf, &['a'], " "))
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    for sf in m.data("852") {
        let library = subfield(sf, 'a').or(subfield(sf, 'b')).unwrap_or("").trim();
        if library.is_empty() {
            continue;
        }
        let call = [joined(sf, &['h', 'i'], " "), joined(sf, &['j'], " ")]
            .into_iter()
            .find(|s| !s.is_empty())
            .unwrap_or_default();
        let mut location = joined(sf, &['b', 'c'], ", ");
        if !summary.is_empty() {
            location = if location.is_empty() {
                summary.clone()
            } else {
                format!("{location} · {summary}")
            };
        }
        out.push(Holding {
            library: library.to_owned(),
            call_number: call,
            location,
            status: "unknown",
            due_date: None,
        });
    }
    for sf in m.data("952") {
        let library = subfield(sf, 'b').or(subfield(sf, 'a')).unwrap_or("").trim();
        if library.is_empty() {
            continue;
        }
        let flag =
            |code| subfield(sf, code).is_some_and(|v| !v.trim().is_empty() && v.trim() != "0");
        let due = subfield(sf, 'q').map(|d| d.trim().chars().take(10).collect::<String>());
        let status = if flag('1') || flag('0') {
            "missing"
        } else if due.is_some() {
            "on_loan"
        } else if flag('7') {
            "reference"
        } else {
            "available"
        };
        out.push(Holding {
            library: library.to_owned(),
            call_number: subfield(sf, 'o').unwrap_or("").trim().to_owned(),
            location: subfield(sf, 'c').unwrap_or("").trim().to_owned(),
            status,
            due_date: due,
        });
    }
    for sf in m.data("924") {
        let Some(library) = subfield(sf, 'b').map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        out.push(Holding {
            library: library.to_owned(),
            call_number: subfield(sf, 'g').unwrap_or("").trim().to_owned(),
            location: subfield(sf, 'f')
                .or(subfield(sf, 'c'))
                .unwrap_or("")
                .trim()
                .to_owned(),
            status: "unknown",
            due_date: None,
        });
    }
    for sf in m.data("949") {
        let Some(library) = subfield(sf, 'm').map(str::trim).filter(|s| !s.is_empty()) else {
            continue;
        };
        out.push(Holding {
            library: library.to_owned(),
            call_number: subfield(sf, 'a').unwrap_or("").trim().to_owned(),
            location: subfield(sf, 'l').unwrap_or("").trim().to_owned(),
            status: "unknown",
            due_date: None,
        });
    }
    out
}
