//! Catalogue records to disciplines, from their classification numbers.
//!
//! Data-driven: the tables are `assets/taxonomy/{lcc,ddc,clc}.tsv` (Library of Congress
//! Classification from MARC 050/090, Dewey from 082, the Chinese Library Classification from
//! 084 with `$2 clc`). A record may belong to several disciplines, one per scheme that names
//! one; when one scheme names a discipline and another names its parent, only the more
//! specific one is kept. A number no table knows, or one that is malformed, simply leaves
//! the record unassigned by that scheme: counted by the importer, never an error.

use std::sync::LazyLock;

const LCC: &str = include_str!("../../../../assets/taxonomy/lcc.tsv");
const DDC: &str = include_str!("../../../../assets/taxonomy/ddc.tsv");
const CLC: &str = include_str!("../../../../assets/taxonomy/clc.tsv");

/// The discipline tree, as the tables need it: id and parent.
pub const TAXONOMY: &str = include_str!("../../../../assets/taxonomy/disciplines.json");

struct Range {
    from: f64,
    to: f64,
    discipline: &'static str,
}

struct Tables {
    /// LCC class letters to its ranges.
    lcc: Vec<(&'static str, Range)>,
    ddc: Vec<Range>,
    /// CLC prefixes, longest first.
    clc: Vec<(&'static str, &'static str)>,
    /// Discipline to parent.
    parents: Vec<(String, Option<String>)>,
}

/// Lines of a table that are not comments, split on tabs.
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').collect())
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let number = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
    let lcc = rows(LCC)
        .filter_map(|r| match r[..] {
            [class, from, to, discipline] => Some((
                class,
                Range {
                    from: number(from),
                    to: number(to),
                    discipline,
                },
            )),
            _ => None,
        })
        .collect();
    let ddc = rows(DDC)
        .filter_map(|r| match r[..] {
            [from, to, discipline] => Some(Range {
                from: number(from),
                to: number(to),
                discipline,
            }),
            _ => None,
        })
        .collect();
    let mut clc: Vec<(&str, &str)> = rows(CLC)
        .filter_map(|r| match r[..] {
            [prefix, discipline] => Some((prefix, discipline)),
            _ => None,
        })
        .collect();
    clc.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    #[derive(serde::Deserialize)]
    struct Node {
        id: String,
        parent: Option<String>,
    }
    let parents = serde_json::from_str::<Vec<Node>>(TAXONOMY)
        .unwrap_or_default()
        .into_iter()
        .map(|n| (n.id, n.parent))
        .collect();
    Tables {
        lcc,
        ddc,
        clc,
        parents,
    }
});

/// The narrowest range containing `n`.
fn narrowest<'a>(ranges: impl Iterator<Item = &'a Range>, n: f64) -> Option<&'static str> {
    ranges
        .filter(|r| r.from <= n && n <= r.to)
        .min_by(|a, b| (a.to - a.from).total_cmp(&(b.to - b.from)))
        .map(|r| r.discipline)
}

/// LCC: one to three letters, then optionally a class number ("QA76.73.P98 R67 2010").
pub fn lcc(call_number: &str) -> Option<&'static str> {
    let s = call_number.trim().to_ascii_uppercase();
    let letters: String = s.chars().take_while(char::is_ascii_uppercase).collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let rest = s[letters.len()..].trim_start();
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let digits = digits.trim_end_matches('.');
    // A class number starts with a digit; no number means the class as a whole.
    let n = if digits.is_empty() {
        if !rest.is_empty() && !rest.starts_with(['.', ' ']) {
            return None;
        }
        0.0
    } else {
        digits.parse::<f64>().ok()?
    };
    let of = |class: &str| -> Vec<&'static Range> {
        TABLES
            .lcc
            .iter()
            .filter(|(c, _)| *c == class)
            .map(|(_, r)| r)
            .collect()
    };
    let exact = of(&letters);
    if exact.is_empty() {
        narrowest(of(&letters[..1]).into_iter(), n)
    } else {
        narrowest(exact.into_iter(), n)
    }
}

/// DDC: three digits and an optional decimal part, anywhere in the field ("J 599.75",
/// "616.8/9", "[E] 813.54").
pub fn ddc(class_number: &str) -> Option<&'static str> {
    let cleaned: String = class_number
        .chars()
        .filter(|c| !matches!(c, '/' | '\'' | '′'))
        .collect();
    let start = cleaned.find(|c: char| c.is_ascii_digit())?;
    let tail = &cleaned[start..];
    let end = tail
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(tail.len());
    let number = tail[..end].trim_end_matches('.');
    let whole = number.split('.').next().unwrap_or("");
    if whole.len() != 3 {
        return None;
    }
    let n = number.parse::<f64>().ok()?;
    narrowest(TABLES.ddc.iter(), n)
}

/// CLC: the longest listed prefix of the class number ("TP311.13" → "TP3").
pub fn clc(class_number: &str) -> Option<&'static str> {
    let s: String = class_number
        .trim()
        .to_ascii_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    TABLES
        .clc
        .iter()
        .find(|(prefix, _)| s.starts_with(prefix))
        .map(|(_, d)| *d)
}

/// The disciplines of a record with these classification numbers: one per scheme that
/// names one, dropping any that is an ancestor of another, in a stable order.
pub fn classify(
    lcc_number: Option<&str>,
    ddc_number: Option<&str>,
    clc_number: Option<&str>,
) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = [
        lcc_number.and_then(lcc),
        ddc_number.and_then(ddc),
        clc_number.and_then(clc),
    ]
    .into_iter()
    .flatten()
    .collect();
    found.sort_unstable();
    found.dedup();
    let ancestors = |d: &str| -> Vec<&str> {
        let mut out = Vec::new();
        let mut current = d;
        while let Some(Some(parent)) = TABLES
            .parents
            .iter()
            .find(|(id, _)| id == current)
            .map(|(_, p)| p.as_deref())
        {
            out.push(parent);
            current = parent;
        }
        out
    };
    let all_ancestors: Vec<&str> = found.iter().flat_map(|d| ancestors(d)).collect();
    found.retain(|d| !all_ancestors.contains(d));
    found
}

/// Every discipline a table names, to check them against the taxonomy.
pub fn named_disciplines() -> Vec<&'static str> {
    let t = &*TABLES;
    let mut all: Vec<&str> = t
        .lcc
        .iter()
        .map(|(_, r)| r.discipline)
        .chain(t.ddc.iter().map(|r| r.discipline))
        .chain(t.clc.iter().map(|(_, d)| *d))
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcc_call_numbers() {
        for (call, expected) in [
            ("QA76.73.P98 R67 2010", Some("software")),
            ("QA 76.9 .D3", Some("software")),
            ("QA273 .R6", Some("statistics")),
            ("QA9.58 .K5", Some("pure-mathematics")),
            ("QA", Some("pure-mathematics")),
            ("qa 300", Some("pure-mathematics")),
            // KF has rows of its own; K covers the rest of law, KF4501-5130 is constitutional.
            ("KF801 .A7", Some("us-law")),
            ("KF4550 .T75", Some("constitutional-law")),
            ("K230.H37", Some("law")),
            ("KZ3410 .B37", Some("international-law")),
            ("KJV 123", Some("law")),
            ("HD30.28 .P6", Some("management")),
            ("HD9502", Some("economics")),
            ("HF5635 .M3", Some("finance")),
            ("DS735 .F3", Some("asian-history")),
            ("DA30 .T7", Some("world-history")),
            ("E185.61 .K5", Some("american-history")),
            ("PL2658.E1", Some("chinese-literature")),
            ("PL1171", Some("linguistics")),
            ("PR4034.P7", Some("english-literature")),
            ("BF175", Some("psychology")),
            ("LB2331 .B6", Some("higher-education")),
            ("Z678.9", Some("information-science")),
            // Unknown classes and malformed numbers leave the record unassigned.
            ("U21.2", None),
            ("IX100", None),
            ("WXYZ1", None),
            ("331.1", None),
            ("", None),
            ("  ", None),
            ("1QA76", None),
            ("Q-A 76", None),
        ] {
            assert_eq!(lcc(call), expected, "{call:?}");
        }
    }

    #[test]
    fn ddc_numbers() {
        for (number, expected) in [
            ("005.133", Some("software")),
            ("006.31", Some("data-science")),
            ("519.5", Some("statistics")),
            ("519.2", Some("pure-mathematics")),
            ("616.89", Some("clinical-medicine")),
            ("616.8/9", Some("clinical-medicine")),
            ("610.73", Some("nursing")),
            ("621.381", Some("electrical-engineering")),
            ("621.8", Some("mechanical-engineering")),
            ("332.6", Some("finance")),
            ("330.9", Some("economics")),
            ("342.73", Some("constitutional-law")),
            ("895.11", Some("chinese-literature")),
            ("895.6", Some("language-literature")),
            ("951.05", Some("asian-history")),
            ("J 599.75", Some("biology")),
            ("[E] 813.54", Some("english-literature")),
            ("005.1'3", Some("software")),
            ("3", None),
            ("64", None),
            ("641.5", None),
            ("1234.5", None),
            ("abc", None),
            ("", None),
        ] {
            assert_eq!(ddc(number), expected, "{number:?}");
        }
    }

    #[test]
    fn clc_numbers() {
        for (number, expected) in [
            ("TP3", Some("software")),
            ("TP311.13", Some("software")),
            ("TP18", Some("data-science")),
            ("TP273", Some("engineering-technology")),
            ("TM71", Some("electrical-engineering")),
            ("I247.5", Some("chinese-literature")),
            ("I712.45", Some("english-literature")),
            ("K825.6", Some("history")),
            ("K25", Some("asian-history")),
            ("D923", Some("law")),
            ("D921.1", Some("constitutional-law")),
            ("F830", Some("finance")),
            ("O212", Some("statistics")),
            ("o4", Some("physics")),
            ("F8", Some("finance")),
            ("F83", Some("finance")),
            ("F830.9", Some("finance")),
            ("K", Some("history")),
            ("K2", Some("asian-history")),
            ("K29", Some("asian-history")),
            ("tp18", Some("data-science")),
            ("TP 311", Some("software")),
            ("G250/W85", Some("information-science")),
            ("I207.411", Some("chinese-literature")),
            ("E8", None),
            ("Z88", None),
            ("3TP", None),
            ("", None),
        ] {
            assert_eq!(clc(number), expected, "{number:?}");
        }
    }

    #[test]
    fn several_schemes_and_the_most_specific_kept() {
        // LCC and DDC agree: one discipline.
        assert_eq!(
            classify(Some("QA76.73"), Some("005.13"), None),
            vec!["software"]
        );
        // DDC names the parent of what LCC names: the sub-discipline stays.
        assert_eq!(
            classify(Some("DS735"), Some("920.02"), None),
            vec!["asian-history"]
        );
        // Different disciplines: a record belongs to both.
        assert_eq!(
            classify(Some("QA76.9"), None, Some("R47")),
            vec!["nursing", "software"]
        );
        assert!(classify(Some("U21"), Some("641.5"), Some("Z")).is_empty());
        assert!(classify(None, None, None).is_empty());
    }

    #[test]
    fn every_table_names_a_discipline_of_the_taxonomy() {
        let ids: Vec<&str> = TABLES.parents.iter().map(|(id, _)| id.as_str()).collect();
        assert!(ids.len() >= 50, "{}", ids.len());
        for d in named_disciplines() {
            assert!(
                ids.contains(&d),
                "{d} is not in assets/taxonomy/disciplines.json"
            );
        }
        // And every row of every table was read.
        assert_eq!(TABLES.lcc.len(), rows(LCC).count());
        assert_eq!(TABLES.ddc.len(), rows(DDC).count());
        assert_eq!(TABLES.clc.len(), rows(CLC).count());
    }
}
