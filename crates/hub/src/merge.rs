//! Merging: which member records describe the same work, and the union record built from
//! them.
//!
//! **The rule.** Each source record has match keys; two records that share a key are the same
//! work, and works are the connected groups of records linked by shared keys. The keys:
//!
//! 1. its identifiers, normalised: ISBN (as ISBN-13, so ISBN-10 and ISBN-13 forms meet),
//!    LCCN, OCLC number, and the ISSN when the record is a journal (a book's ISSN is its
//!    series', shared by every book of the series);
//! 2. one conservative description key, `title | first author's surname | year | format |
//!    edition`, all folded (case, diacritics, punctuation, a leading English article), the
//!    title cut at its first colon (catalogues disagree on subtitles). A record without an
//!    author or a year has no such key: "Annual report" of 2020 matches nothing by
//!    description.
//!
//! **Reversible.** A work is recomputed from its members whenever one of them changes or
//! goes: a record whose identifiers are corrected leaves the work it no longer shares a key
//! with, and a work whose link was that record splits again (the largest part keeps the
//! work's id). `tests::pairs` is the table of pairs that must and must not merge.
//!
//! **Bounded.** Merging is transitive, so one record carrying the identifiers of many works
//! (a set's record listing every volume's ISBN, a bad export) would glue them together and
//! rewrite all their descriptions. A record is matched on its first
//! [`IDENTIFIER_KEYS_MAX`] identifiers only, and a record that would still join more than
//! [`JOIN_WORKS_MAX`] works is kept as a work of its own, the refusal counted and named in
//! `library list`.

use std::collections::HashMap;

use commons_catalogue::record::{CatalogueRecord, Description, Format};
use commons_catalogue::text::normalized;
use commons_catalogue::union::{SourceRef, UnionHolding, UnionRecord};

/// The most identifiers of one record it is matched on (the first ones, in the record's
/// order: ISBNs, then ISSNs of journals, LCCN, OCLC numbers).
pub const IDENTIFIER_KEYS_MAX: usize = 8;

/// The most existing works one record may join into one.
pub const JOIN_WORKS_MAX: usize = 3;

/// The keys a record is matched on (sorted, without duplicates).
pub fn keys(record: &CatalogueRecord) -> Vec<String> {
    let d = &record.description;
    let mut keys: Vec<String> = Vec::new();
    keys.extend(d.isbns.iter().map(|v| format!("isbn:{v}")));
    if record.format == Some(Format::Journal) {
        keys.extend(d.issns.iter().map(|v| format!("issn:{v}")));
    }
    keys.extend(d.lccn.iter().map(|v| format!("lccn:{v}")));
    keys.extend(d.oclc.iter().map(|v| format!("oclc:{v}")));
    keys.truncate(IDENTIFIER_KEYS_MAX);
    if let Some(k) = description_key(record) {
        keys.push(k);
    }
    keys.sort();
    keys.dedup();
    keys
}

/// `tay:title|surname|year|format|edition`, when the record has all of title, author, year.
fn description_key(record: &CatalogueRecord) -> Option<String> {
    let d = &record.description;
    let main = d.title.split(':').next().unwrap_or_default();
    let mut title = normalized(main);
    for article in ["the ", "a ", "an "] {
        if let Some(rest) = title.strip_prefix(article) {
            title = rest.to_owned();
            break;
        }
    }
    let surname = normalized(d.authors.first()?)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    let year = d.year?;
    if title.is_empty() || surname.is_empty() {
        return None;
    }
    let edition = d.edition.as_deref().map_or(String::new(), |e| {
        let digits: String = e.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            normalized(e)
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_owned()
        } else {
            digits
        }
    });
    let format = record.format.map_or("other", Format::as_str);
    Some(format!("tay:{title}|{surname}|{year}|{format}|{edition}"))
}

/// The groups of `members` (given by their keys) linked by shared keys, each as indexes into
/// `members`, largest first (ties: the group with the smallest index first).
pub fn components(members: &[Vec<String>]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..members.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, keys) in members.iter().enumerate() {
        for k in keys {
            match owner.get(k.as_str()) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
                None => {
                    owner.insert(k, i);
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..members.len() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    out
}

/// A member of a work: a library's record of it.
#[derive(Debug, Clone)]
pub struct Member {
    pub library: String,
    pub identifier: String,
    pub record: CatalogueRecord,
}

/// How much a description says: the richest member's description leads the union record.
fn richness(d: &Description) -> usize {
    let some = |o: &Option<String>| usize::from(o.as_deref().is_some_and(|s| !s.is_empty()));
    some(&d.subtitle)
        + some(&d.responsibility)
        + some(&d.edition)
        + some(&d.publisher)
        + some(&d.place)
        + usize::from(d.year.is_some())
        + usize::from(d.language != "und" && !d.language.is_empty())
        + some(&d.lcc)
        + some(&d.ddc)
        + some(&d.clc)
        + some(&d.summary)
        + some(&d.contents)
        + some(&d.physical)
        + d.authors.len().min(3)
        + d.subjects.len().min(5)
        + d.isbns.len().min(2)
}

fn union_into(list: &mut Vec<String>, more: &[String]) {
    for v in more {
        if !list.contains(v) {
            list.push(v.clone());
        }
    }
}

/// The union record of a work from its members (at least one), in a stable order.
pub fn union_record(work: i64, members: &[Member]) -> UnionRecord {
    let mut order: Vec<&Member> = members.iter().collect();
    order.sort_by(|a, b| (&a.library, &a.identifier).cmp(&(&b.library, &b.identifier)));
    let lead = order
        .iter()
        .enumerate()
        .max_by_key(|(i, m)| (richness(&m.record.description), usize::MAX - i))
        .map(|(_, m)| *m)
        .unwrap_or(order[0]);
    let mut description = lead.record.description.clone();
    for m in &order {
        let d = &m.record.description;
        union_into(&mut description.isbns, &d.isbns);
        union_into(&mut description.issns, &d.issns);
        union_into(&mut description.oclc, &d.oclc);
        union_into(&mut description.subjects, &d.subjects);
        for (mine, theirs) in [
            (&mut description.lcc, &d.lcc),
            (&mut description.ddc, &d.ddc),
            (&mut description.clc, &d.clc),
            (&mut description.lccn, &d.lccn),
            (&mut description.summary, &d.summary),
        ] {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }
    let mut holdings = Vec::new();
    for m in &order {
        if m.record.holdings.is_empty() {
            // The library sent the record, so it holds the work; how many copies, where, it
            // did not say.
            holdings.push(UnionHolding {
                library: m.library.clone(),
                call_number: String::new(),
                location: String::new(),
                status: "unknown".into(),
                due_date: None,
            });
        }
        for h in &m.record.holdings {
            let location = match (h.location.is_empty(), h.library == m.library) {
                (true, false) => h.library.clone(),
                _ => h.location.clone(),
            };
            holdings.push(UnionHolding {
                library: m.library.clone(),
                call_number: h.call_number.clone(),
                location,
                status: h.status.to_owned(),
                due_date: h.due_date.clone(),
            });
        }
    }
    UnionRecord {
        id: format!("hub:{work}"),
        format: lead.record.format.unwrap_or(Format::Other),
        description,
        holdings,
        sources: order
            .iter()
            .map(|m| SourceRef {
                library: m.library.clone(),
                identifier: m.identifier.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(f: &str) -> CatalogueRecord {
        // title|author|year|isbn|format|edition|oclc|issn
        let p: Vec<&str> = f.split('|').collect();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        CatalogueRecord {
            description: Description {
                title: p[0].into(),
                authors: opt(p[1]).into_iter().collect(),
                year: p[2].parse().ok(),
                isbns: opt(p[3])
                    .and_then(|s| commons_catalogue::ident::isbn13(&s))
                    .into_iter()
                    .collect(),
                edition: opt(p[5]),
                oclc: opt(p[6]).into_iter().collect(),
                issns: opt(p[7]).into_iter().collect(),
                language: "eng".into(),
                ..Description::default()
            },
            format: Some(match p[4] {
                "ebook" => Format::Ebook,
                "journal" => Format::Journal,
                _ => Format::Book,
            }),
            holdings: Vec::new(),
        }
    }

    /// Pairs that must merge (true) and must not (false), with why.
    #[test]
    fn pairs() {
        let table: &[(&str, &str, bool, &str)] = &[
            (
                "Summerland|Chabon, Michael|2002|0786808772|book|||",
                "Summerland|Chabon, Michael|2002|978-0-7868-0877-8|book|||",
                true,
                "ISBN-10 and ISBN-13 of one book",
            ),
            (
                "Summerland|Chabon, Michael|2002||book|||",
                "SUMMERLAND.|Chabon, Michael.|2002||book|||",
                true,
                "same description, case and punctuation",
            ),
            (
                "The Amazing Adventures|Chabon|2000||book|||",
                "Amazing adventures : a novel|Chabon, M.|2000||book|||",
                true,
                "leading article, subtitle only in one",
            ),
            (
                "Café society|Dupré, Anne|1999||book|||",
                "Cafe society|Dupre, Anne|1999||book|||",
                true,
                "diacritics",
            ),
            (
                "A title|Smith|2001||book||12345|",
                "Another title|Jones|2005||book||12345|",
                true,
                "same OCLC number, whatever the description",
            ),
            (
                "Summerland|Chabon, Michael|2002||book|||",
                "Summerland|Chabon, Michael|2003||book|||",
                false,
                "another year",
            ),
            (
                "Summerland|Chabon, Michael|2002||book|||",
                "Summerland|Smith, Ann|2002||book|||",
                false,
                "another author",
            ),
            (
                "Annual report||2020||book|||",
                "Annual report||2020||book|||",
                false,
                "no author: no description key",
            ),
            (
                "Annual report|Acme|||book|||",
                "Annual report|Acme|||book|||",
                false,
                "no year: no description key",
            ),
            (
                "Summerland|Chabon, Michael|2002||book|||",
                "Summerland|Chabon, Michael|2002||ebook|||",
                false,
                "print and e-book are held differently",
            ),
            (
                "Statistics|Freedman|2007||book|4th ed.||",
                "Statistics|Freedman|2007||book|3rd ed.||",
                false,
                "another edition",
            ),
            (
                "Statistics|Freedman|2007|0393929728|book|||",
                "Statistics|Freedman|2007|0393930114|book|||",
                true,
                "two ISBNs of one edition meet by description",
            ),
            (
                "Lecture notes 1|Springer|2001||book|||0302-9743",
                "Lecture notes 2|Springer|2002||book|||0302-9743",
                false,
                "a series ISSN does not merge books",
            ),
            (
                "Nature||1869||journal|||0028-0836",
                "Nature (London)||||journal|||0028-0836",
                true,
                "a journal's ISSN",
            ),
        ];
        for (a, b, merge, why) in table {
            let (ka, kb) = (keys(&record(a)), keys(&record(b)));
            let merged = components(&[ka.clone(), kb.clone()]).len() == 1;
            assert_eq!(merged, *merge, "{why}: {ka:?} / {kb:?}");
        }
    }

    #[test]
    fn a_record_is_matched_on_its_first_identifiers_only() {
        let mut r = record("A set|Author, An|2001||book|||");
        r.description.isbns = (0..20).map(|i| format!("97800000000{i:02}")).collect();
        r.description.oclc = vec!["123".into()];
        let k = keys(&r);
        let identifiers: Vec<&String> = k.iter().filter(|k| !k.starts_with("tay:")).collect();
        assert_eq!(identifiers.len(), IDENTIFIER_KEYS_MAX, "{k:?}");
        assert!(k.contains(&"isbn:9780000000000".to_owned()));
        assert!(!k.contains(&"isbn:9780000000019".to_owned()));
        assert!(!k.contains(&"oclc:123".to_owned()), "past the limit: {k:?}");
        assert!(
            k.iter().any(|k| k.starts_with("tay:")),
            "the description key stays"
        );
    }

    #[test]
    fn works_split_again_when_their_link_goes() {
        // a–b share an ISBN, b–c a description key: one work; without b, two.
        let a = vec!["isbn:1".to_owned()];
        let b = vec!["isbn:1".to_owned(), "tay:x".to_owned()];
        let c = vec!["tay:x".to_owned()];
        assert_eq!(components(&[a.clone(), b, c.clone()]), vec![vec![0, 1, 2]]);
        assert_eq!(components(&[a, c]), vec![vec![0], vec![1]]);
    }

    #[test]
    fn the_union_record_takes_the_richest_description_and_every_holding() {
        let mut poor = record("Summerland|Chabon, Michael|2002|0786808772|book|||");
        poor.holdings.push(commons_catalogue::Holding {
            library: "MAIN".into(),
            call_number: "PZ7 .C3315".into(),
            location: String::new(),
            status: "on_loan",
            due_date: Some("2026-12-01".into()),
        });
        let mut rich = record("Summerland|Chabon, Michael|2002|0786808772|book|||");
        rich.description.publisher = Some("Miramax".into());
        rich.description.subjects = vec!["Baseball".into()];
        rich.description.oclc = vec!["48883155".into()];
        let u = union_record(
            9,
            &[
                Member {
                    library: "north".into(),
                    identifier: "oai:n:1".into(),
                    record: poor,
                },
                Member {
                    library: "south".into(),
                    identifier: "oai:s:1".into(),
                    record: rich,
                },
            ],
        );
        assert_eq!(u.id, "hub:9");
        assert_eq!(u.description.publisher.as_deref(), Some("Miramax"));
        assert_eq!(u.holdings.len(), 2);
        assert_eq!(u.holdings[0].library, "north");
        assert_eq!(u.holdings[0].location, "MAIN");
        assert_eq!(u.holdings[0].status, "on_loan");
        assert_eq!(u.holdings[1].status, "unknown");
        assert_eq!(u.sources.len(), 2);
    }
}
