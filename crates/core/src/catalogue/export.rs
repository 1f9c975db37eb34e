//! Citations out: RIS, BibTeX and CSL-JSON, for reference managers (Zotero, EndNote,
//! Mendeley, BibLaTeX).

use serde_json::{Value, json};

use super::detail::RecordDetail;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Ris,
    Bibtex,
    CslJson,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Ris => "ris",
            ExportFormat::Bibtex => "bib",
            ExportFormat::CslJson => "json",
        }
    }
}

/// Writes `records` in `format`.
pub fn export(records: &[RecordDetail], format: ExportFormat) -> String {
    match format {
        ExportFormat::Ris => records.iter().map(ris).collect::<Vec<_>>().join("\n"),
        ExportFormat::Bibtex => records.iter().map(bibtex).collect::<Vec<_>>().join("\n"),
        ExportFormat::CslJson => {
            let items: Vec<Value> = records.iter().map(csl).collect();
            serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
        }
    }
}

fn full_title(r: &RecordDetail) -> String {
    match &r.description.subtitle {
        Some(s) => format!("{}: {s}", r.description.title),
        None => r.description.title.clone(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ris(r: &RecordDetail) -> String {
    let ty = match r.format.as_str() {
        "journal" => "JOUR",
        "thesis" => "THES",
        "ebook" => "EBOOK",
        "video" => "VIDEO",
        "audio" => "SOUND",
        "map" => "MAP",
        "score" => "MUSIC",
        "software" => "COMP",
        _ => "BOOK",
    };
    let mut out = format!("TY  - {ty}\r\n");
    let mut line = |tag: &str, value: &str| {
        let v = one_line(value);
        if !v.is_empty() {
            out.push_str(&format!("{tag}  - {v}\r\n"));
        }
    };
    line("TI", &full_title(r));
    for a in &r.description.authors {
        line("AU", a);
    }
    if let Some(y) = r.description.year {
        line("PY", &y.to_string());
    }
    line("PB", r.description.publisher.as_deref().unwrap_or(""));
    line("CY", r.description.place.as_deref().unwrap_or(""));
    line("ET", r.description.edition.as_deref().unwrap_or(""));
    for i in &r.description.isbns {
        line("SN", i);
    }
    for i in &r.description.issns {
        line("SN", i);
    }
    for s in &r.description.subjects {
        line("KW", s);
    }
    line("AB", r.description.summary.as_deref().unwrap_or(""));
    line("LA", &r.description.language);
    if let Some(call) = r.holdings.first().map(|h| h.call_number.as_str()) {
        line("CN", call);
    }
    line("ID", &r.id);
    out.push_str("ER  - \r\n");
    out
}

/// Escapes BibTeX's special characters; Unicode is left to BibLaTeX/biber.
fn tex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        match c {
            '{' | '}' | '%' | '&' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str("\\textbackslash{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            c => out.push(c),
        }
    }
    out
}

/// A citation key: first author's family name, year, first title word.
fn key(r: &RecordDetail) -> String {
    let alnum = |s: &str| -> String {
        crate::search::text::normalized(s)
            .split(' ')
            .next()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect()
    };
    let author = r
        .description
        .authors
        .first()
        .map(|a| alnum(a.split(',').next().unwrap_or(a)))
        .unwrap_or_default();
    let title = crate::search::text::normalized(&r.description.title)
        .split(' ')
        .find(|w| w.len() > 3 && !["the", "and", "with", "from"].contains(w))
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
        })
        .unwrap_or_default();
    let k = format!(
        "{}{}{}",
        if author.is_empty() { "record" } else { &author },
        r.description
            .year
            .map(|y| y.to_string())
            .unwrap_or_default(),
        title
    );
    if k.is_empty() { "record".into() } else { k }
}

fn bibtex(r: &RecordDetail) -> String {
    let ty = match r.format.as_str() {
        "journal" => "periodical",
        "thesis" => "phdthesis",
        "video" | "audio" | "software" | "map" | "score" | "image" => "misc",
        _ => "book",
    };
    let mut fields: Vec<(&str, String)> = vec![("title", format!("{{{}}}", tex(&full_title(r))))];
    if !r.description.authors.is_empty() {
        fields.push((
            "author",
            r.description
                .authors
                .iter()
                .map(|a| tex(a))
                .collect::<Vec<_>>()
                .join(" and "),
        ));
    }
    if let Some(y) = r.description.year {
        fields.push(("year", y.to_string()));
    }
    if let Some(p) = &r.description.publisher {
        fields.push(("publisher", tex(p)));
    }
    if let Some(p) = &r.description.place {
        fields.push(("address", tex(p)));
    }
    if let Some(e) = &r.description.edition {
        fields.push(("edition", tex(e)));
    }
    if let Some(i) = r.description.isbns.first() {
        fields.push(("isbn", i.clone()));
    }
    if let Some(i) = r.description.issns.first() {
        fields.push(("issn", i.clone()));
    }
    if !r.description.subjects.is_empty() {
        fields.push(("keywords", tex(&r.description.subjects.join(", "))));
    }
    if let Some(s) = &r.description.summary {
        fields.push(("abstract", tex(s)));
    }
    let body: Vec<String> = fields
        .into_iter()
        .map(|(k, v)| format!("  {k} = {{{v}}}"))
        .collect();
    format!("@{ty}{{{},\n{}\n}}\n", key(r), body.join(",\n"))
}

fn csl(r: &RecordDetail) -> Value {
    let ty = match r.format.as_str() {
        "journal" => "periodical",
        "thesis" => "thesis",
        "video" => "motion_picture",
        "audio" => "song",
        "map" => "map",
        "score" => "musical_score",
        "software" => "software",
        "image" => "graphic",
        _ => "book",
    };
    let authors: Vec<Value> = r
        .description
        .authors
        .iter()
        .map(|a| match a.split_once(',') {
            Some((family, given)) => json!({ "family": family.trim(), "given": given.trim() }),
            None => json!({ "literal": a }),
        })
        .collect();
    let mut item = json!({
        "id": r.id,
        "type": ty,
        "title": full_title(r),
        "author": authors,
        "language": r.description.language,
    });
    let obj = item.as_object_mut().expect("a JSON object");
    if let Some(y) = r.description.year {
        obj.insert("issued".into(), json!({ "date-parts": [[y]] }));
    }
    let mut put = |k: &str, v: Option<&String>| {
        if let Some(v) = v {
            obj.insert(k.into(), json!(v));
        }
    };
    put("publisher", r.description.publisher.as_ref());
    put("publisher-place", r.description.place.as_ref());
    put("edition", r.description.edition.as_ref());
    put("ISBN", r.description.isbns.first());
    put("ISSN", r.description.issns.first());
    put("abstract", r.description.summary.as_ref());
    put("call-number", r.holdings.first().map(|h| &h.call_number));
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::detail::{HoldingDetail, RecordDetail};
    use crate::catalogue::record::Description;

    fn sample() -> RecordDetail {
        RecordDetail {
            id: "src:DLC:123".into(),
            format: "book".into(),
            description: Description {
                title: "The amazing adventures of Kavalier & Clay".into(),
                subtitle: Some("a novel".into()),
                authors: vec!["Chabon, Michael".into()],
                year: Some(2000),
                publisher: Some("Random House".into()),
                place: Some("New York".into()),
                language: "eng".into(),
                isbns: vec!["9780679450047".into()],
                subjects: vec!["Comic books, strips, etc. -- Fiction".into()],
                ..Description::default()
            },
            holdings: vec![HoldingDetail {
                library_id: "central".into(),
                library_name: "Central".into(),
                library_name_zh: "中心".into(),
                call_number: "PS3553.H15 A82 2000".into(),
                location: "Stacks".into(),
                status: "available".into(),
                due_date: None,
            }],
        }
    }

    #[test]
    fn ris() {
        let out = export(&[sample()], ExportFormat::Ris);
        assert!(out.starts_with("TY  - BOOK\r\n"));
        assert!(out.contains("TI  - The amazing adventures of Kavalier & Clay: a novel\r\n"));
        assert!(out.contains("AU  - Chabon, Michael\r\n"));
        assert!(out.contains("PY  - 2000\r\n"));
        assert!(out.contains("SN  - 9780679450047\r\n"));
        assert!(out.ends_with("ER  - \r\n"));
    }

    #[test]
    fn bibtex_escapes_and_keys() {
        let out = export(&[sample()], ExportFormat::Bibtex);
        assert!(out.starts_with("@book{chabon2000amazing,\n"), "{out}");
        assert!(out.contains("Kavalier \\& Clay"), "{out}");
        assert!(out.contains("author = {Chabon, Michael}"));
    }

    #[test]
    fn csl_json_is_valid_and_structured() {
        let out = export(&[sample(), sample()], ExportFormat::CslJson);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert_eq!(v[0]["author"][0]["family"], "Chabon");
        assert_eq!(v[0]["issued"]["date-parts"][0][0], 2000);
        assert_eq!(v[0]["call-number"], "PS3553.H15 A82 2000");
    }
}
