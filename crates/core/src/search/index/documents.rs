//! What the index holds for each record (built from the cache), and the hits read back from
//! the cache for display.

use std::collections::HashMap;

use commons_catalogue::Description;
use rusqlite::OptionalExtension;
use tantivy::TantivyDocument;
use tantivy::schema::Facet;

use super::facets::{FacetSlots, WORDS};
use super::{Fields, Hit, SearchError, TITLE_PAIR, push_pair};
use crate::catalogue::originals::{Stored, Unpacker, described};
use crate::search::text::normalize_into;
use crate::store::Store;

/// Appends the edge n-grams (1 to 3 characters) of every token of `normalized` to `out`,
/// for type-ahead of short prefixes.
fn prefixes_into(normalized: &str, out: &mut String) {
    for token in normalized.split(' ') {
        // Up to three prefixes, each shorter than the token.
        for (end, _) in token.char_indices().skip(1).take(3) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&token[..end]);
        }
    }
}

pub(super) type DocSink<'a> = dyn FnMut(TantivyDocument) -> Result<(), SearchError> + 'a;

/// Builds the index document of each record (all, or the listed ids).
pub(super) fn for_each_document(
    store: &Store,
    ids: Option<&[String]>,
    f: Fields,
    slots: &mut FacetSlots,
    sink: &mut DocSink<'_>,
) -> Result<(), SearchError> {
    let conn = store.conn();
    let sql = |e| SearchError::Store(store.err(e));
    let filter = match ids {
        Some(ids) if !ids.is_empty() => format!(
            "WHERE r.id IN ({})",
            std::iter::repeat_n("?", ids.len())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Some(_) => return Ok(()),
        None => String::new(),
    };
    let params: Vec<&dyn rusqlite::ToSql> = ids
        .unwrap_or(&[])
        .iter()
        .map(|s| s as &dyn rusqlite::ToSql)
        .collect();
    // Side tables first, keyed by record.
    let mut holdings: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    let mut disciplines: HashMap<String, Vec<String>> = HashMap::new();
    let mut subdisciplines: HashMap<String, Vec<String>> = HashMap::new();
    {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT h.record_id, h.library_id, h.status, h.call_number FROM holdings h
                 JOIN records r ON r.id = h.record_id {filter}"
            ))
            .map_err(sql)?;
        let mut rows = stmt.query(params.as_slice()).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            holdings.entry(row.get(0).map_err(sql)?).or_default().push((
                row.get(1).map_err(sql)?,
                row.get(2).map_err(sql)?,
                row.get(3).map_err(sql)?,
            ));
        }
        let mut stmt = conn
            .prepare(&format!(
                "SELECT d.record_id, coalesce(p.id, d.discipline_id),
                        CASE WHEN p.id IS NULL THEN NULL ELSE d.discipline_id END
                 FROM record_disciplines d
                 JOIN records r ON r.id = d.record_id
                 JOIN disciplines s ON s.id = d.discipline_id
                 LEFT JOIN disciplines p ON p.id = s.parent_id {filter}"
            ))
            .map_err(sql)?;
        let mut rows = stmt.query(params.as_slice()).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let id: String = row.get(0).map_err(sql)?;
            disciplines
                .entry(id.clone())
                .or_default()
                .push(row.get(1).map_err(sql)?);
            if let Some(sub) = row.get::<_, Option<String>>(2).map_err(sql)? {
                subdisciplines.entry(id).or_default().push(sub);
            }
        }
    }
    // What is searched of a record is what its original describes; one whose original cannot
    // be read is found by what its row keeps (title, authors, year, language).
    let mut stmt = conn
        .prepare(&format!(
            "SELECT r.id, r.title, r.subtitle, r.authors, r.year, r.language, r.format,
                    r.original_format, r.original_packed, r.original_dictionary, r.original
             FROM records r {filter}"
        ))
        .map_err(sql)?;
    let mut rows = stmt.query(params.as_slice()).map_err(sql)?;
    let mut buffers = Buffers::default();
    let mut unpacker = Unpacker::default();
    while let Some(row) = rows.next().map_err(sql)? {
        let id: String = row.get(0).map_err(sql)?;
        let stored: Stored = (
            row.get(7).map_err(sql)?,
            row.get(8).map_err(sql)?,
            row.get(9).map_err(sql)?,
            row.get(10).map_err(sql)?,
        );
        let description = match described(conn, &mut unpacker, &id, stored) {
            Ok(record) => record.description,
            Err(reason) => {
                tracing::warn!(record = %id, %reason, "indexing what the row keeps");
                Description {
                    title: row.get(1).map_err(sql)?,
                    subtitle: row.get(2).map_err(sql)?,
                    authors: serde_json::from_str(&row.get::<_, String>(3).map_err(sql)?)
                        .unwrap_or_default(),
                    year: row.get(4).map_err(sql)?,
                    language: row.get(5).map_err(sql)?,
                    ..Description::default()
                }
            }
        };
        let format: String = row.get(6).map_err(sql)?;
        let holds = holdings.remove(&id).unwrap_or_default();
        let discs = disciplines.remove(&id).unwrap_or_default();
        let subs = subdisciplines.remove(&id).unwrap_or_default();
        let doc = document(
            f,
            slots,
            &mut buffers,
            &Indexed {
                id: &id,
                description: &description,
                format: &format,
                holdings: holds
                    .iter()
                    .map(|(library, status, call)| {
                        (library.as_str(), status.as_str(), call.as_str())
                    })
                    .collect(),
                identifiers: description.identifiers(),
                disciplines: discs.iter().map(String::as_str).collect(),
                subdisciplines: subs.iter().map(String::as_str).collect(),
            },
        );
        sink(doc)?;
    }
    Ok(())
}

/// What the index reads of one record: from the cache (a rebuild), or from the record as it
/// is written to the cache (an import or a sync), so both make the same document.
pub(crate) struct Indexed<'a> {
    pub id: &'a str,
    pub description: &'a Description,
    /// `book`, `ebook`, … (`other` when the record names none).
    pub format: &'a str,
    /// `(library, status, call number)` of each copy.
    pub holdings: Vec<(&'a str, &'a str, &'a str)>,
    /// ISBNs, ISSNs, LCCN and OCLC numbers.
    pub identifiers: Vec<&'a str>,
    /// Top-level disciplines, and the sub-disciplines below them.
    pub disciplines: Vec<&'a str>,
    pub subdisciplines: Vec<&'a str>,
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

/// Scratch space reused from one document to the next.
#[derive(Default)]
pub(super) struct Buffers {
    title: String,
    authors: String,
    subjects: String,
    call: String,
    all: String,
    prefixes: String,
    pairs: String,
}

/// Appends `part` to `out`, after a space unless either is empty.
fn join(out: &mut String, part: &str) {
    if !part.is_empty() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
}

/// Builds the index document of one record. Each part is normalized once (tokens never span
/// the space between parts, so the parts joined are the whole normalized).
pub(super) fn document(
    f: Fields,
    slots: &mut FacetSlots,
    b: &mut Buffers,
    r: &Indexed<'_>,
) -> TantivyDocument {
    let d = r.description;
    for buffer in [
        &mut b.title,
        &mut b.authors,
        &mut b.subjects,
        &mut b.call,
        &mut b.all,
        &mut b.prefixes,
        &mut b.pairs,
    ] {
        buffer.clear();
    }
    // The romanized forms (pinyin of a Chinese title) count as title words.
    normalize_into(&d.title, &mut b.title);
    normalize_into(opt(&d.subtitle), &mut b.title);
    for s in &d.romanized {
        normalize_into(s, &mut b.title);
    }
    for s in &d.authors {
        normalize_into(s, &mut b.authors);
    }
    for s in &d.subjects {
        normalize_into(s, &mut b.subjects);
    }
    for (_, _, call) in &r.holdings {
        normalize_into(call, &mut b.call);
    }
    for class in [&d.lcc, &d.ddc, &d.clc] {
        normalize_into(opt(class), &mut b.call);
    }
    join(&mut b.all, &b.title);
    join(&mut b.all, &b.authors);
    normalize_into(opt(&d.responsibility), &mut b.all);
    join(&mut b.all, &b.subjects);
    normalize_into(opt(&d.publisher), &mut b.all);
    for s in &d.series {
        normalize_into(s, &mut b.all);
    }
    normalize_into(opt(&d.summary), &mut b.all);
    normalize_into(opt(&d.contents), &mut b.all);
    for s in &r.identifiers {
        normalize_into(s, &mut b.all);
    }
    prefixes_into(&b.all, &mut b.prefixes);
    // Call numbers and classes are searched everywhere but not typed ahead.
    join(&mut b.all, &b.call);
    // Adjacent words of the whole text, then of the title on its own (marked, for the boost
    // a phrase found in the title gets).
    for (text, mark) in [(&b.all, ""), (&b.title, TITLE_PAIR)] {
        let mut previous: Option<&str> = None;
        for word in text.split(' ').filter(|w| !w.is_empty()) {
            if let Some(first) = previous {
                if !b.pairs.is_empty() {
                    b.pairs.push(' ');
                }
                b.pairs.push_str(mark);
                push_pair(&mut b.pairs, first, word);
            }
            previous = Some(word);
        }
    }
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, r.id);
    doc.add_text(f.prefix, &b.prefixes);
    doc.add_text(f.pairs, &b.pairs);
    doc.add_text(f.all, &b.all);
    doc.add_text(f.title, &b.title);
    doc.add_text(f.author, &b.authors);
    doc.add_text(f.subject, &b.subjects);
    doc.add_text(f.call, &b.call);
    let sort_end = b
        .title
        .char_indices()
        .nth(64)
        .map_or(b.title.len(), |(i, _)| i);
    doc.add_text(f.title_sort, &b.title[..sort_end]);
    for i in &r.identifiers {
        doc.add_text(f.ident, i);
    }
    let mut words = [0u64; WORDS];
    let mut facet = |doc: &mut TantivyDocument, group: &str, value: &str| {
        doc.add_facet(f.facet, Facet::from_path([group, value]));
        slots.mark(&mut words, group, value);
    };
    if let Some(y) = d.year {
        doc.add_i64(f.year, y);
        facet(&mut doc, "decade", &format!("{}", y / 10 * 10));
    }
    facet(&mut doc, "language", &d.language);
    facet(&mut doc, "format", r.format);
    let mut libs: Vec<&str> = r.holdings.iter().map(|h| h.0).collect();
    libs.sort_unstable();
    libs.dedup();
    for l in libs {
        facet(&mut doc, "library", l);
    }
    if r.holdings.iter().any(|h| h.1 == "available") {
        facet(&mut doc, "available", "yes");
    }
    for (group, values) in [
        ("discipline", &r.disciplines),
        ("subdiscipline", &r.subdisciplines),
    ] {
        let mut values = values.clone();
        values.sort_unstable();
        values.dedup();
        for v in values {
            facet(&mut doc, group, v);
        }
    }
    for (field, word) in f.slots.iter().zip(words) {
        doc.add_u64(*field, word);
    }
    doc
}

/// Reads the displayed fields of `ids` from the cache, in the given order.
pub(super) fn hydrate(store: &Store, ids: &[String]) -> Result<Vec<Hit>, SearchError> {
    let conn = store.conn();
    let sql = |e| SearchError::Store(store.err(e));
    let mut stmt = conn
        .prepare_cached(
            "SELECT r.title, r.subtitle, r.authors, r.year, r.format, r.language,
                    count(h.id), count(h.id) FILTER (WHERE h.status = 'available'),
                    count(DISTINCT h.library_id)
             FROM records r LEFT JOIN holdings h ON h.record_id = r.id
             WHERE r.id = ?1 GROUP BY r.id",
        )
        .map_err(sql)?;
    let mut hits = Vec::with_capacity(ids.len());
    for id in ids {
        let hit = stmt
            .query_row([id], |r| {
                Ok(Hit {
                    id: id.clone(),
                    title: r.get(0)?,
                    subtitle: r.get(1)?,
                    authors: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
                    year: r.get(3)?,
                    format: r.get(4)?,
                    language: r.get(5)?,
                    copies: r.get::<_, i64>(6)?.try_into().unwrap_or(u32::MAX),
                    available: r.get::<_, i64>(7)?.try_into().unwrap_or(u32::MAX),
                    libraries: r.get::<_, i64>(8)?.try_into().unwrap_or(u32::MAX),
                })
            })
            .optional()
            .map_err(sql)?;
        // A record deleted from the cache since the index was read is simply skipped.
        hits.extend(hit);
    }
    Ok(hits)
}
