//! What the index holds for each record (built from the cache), and the hits read back from
//! the cache for display.

use std::collections::HashMap;

use rusqlite::OptionalExtension;
use tantivy::TantivyDocument;
use tantivy::schema::Facet;

use super::facets::{FacetSlots, WORDS};
use super::{Fields, Hit, SearchError, pair};
use crate::search::text::normalized;
use crate::store::Store;

/// Edge n-grams (1 to 3 characters) of every token, for type-ahead of short prefixes.
fn prefixes(normalized: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for token in normalized.split(' ') {
        let chars: Vec<char> = token.chars().collect();
        for n in 1..=3.min(chars.len().saturating_sub(1)) {
            out.push(chars[..n].iter().collect());
        }
    }
    out.join(" ")
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
    let mut idents: HashMap<String, Vec<String>> = HashMap::new();
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
                "SELECT i.record_id, i.value FROM record_identifiers i
                 JOIN records r ON r.id = i.record_id {filter}"
            ))
            .map_err(sql)?;
        let mut rows = stmt.query(params.as_slice()).map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            idents
                .entry(row.get(0).map_err(sql)?)
                .or_default()
                .push(row.get(1).map_err(sql)?);
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
    let mut stmt = conn
        .prepare(&format!(
            "SELECT r.id, r.title, coalesce(r.subtitle, ''), r.authors, r.subjects, coalesce(r.publisher, ''),
                    r.series, coalesce(r.summary, ''), coalesce(r.contents, ''), r.year, r.language, r.format,
                    coalesce(r.lcc, ''), coalesce(r.ddc, ''), coalesce(r.clc, ''), coalesce(r.responsibility, ''),
                    r.romanized
             FROM records r {filter}"
        ))
        .map_err(sql)?;
    let mut rows = stmt.query(params.as_slice()).map_err(sql)?;
    while let Some(row) = rows.next().map_err(sql)? {
        let get =
            |i: usize| -> Result<String, SearchError> { row.get::<_, String>(i).map_err(sql) };
        let list = |i: usize| -> Result<Vec<String>, SearchError> {
            Ok(serde_json::from_str(&get(i)?).unwrap_or_default())
        };
        let id = get(0)?;
        // The romanized forms (pinyin of a Chinese title) count as title words.
        let title = format!("{} {} {}", get(1)?, get(2)?, list(16)?.join(" "));
        let authors = list(3)?.join(" ; ");
        let subjects = list(4)?.join(" ; ");
        let holds = holdings.remove(&id).unwrap_or_default();
        let calls: Vec<String> = holds.iter().map(|h| h.2.clone()).collect();
        let classes = format!("{} {} {}", get(12)?, get(13)?, get(14)?);
        let call_text = normalized(&format!("{} {classes}", calls.join(" ")));
        let title_n = normalized(&title);
        let all = normalized(&format!(
            "{title} {authors} {} {subjects} {} {} {} {} {}",
            get(15)?,
            get(5)?,
            list(6)?.join(" "),
            get(7)?,
            get(8)?,
            idents.get(&id).map(|v| v.join(" ")).unwrap_or_default()
        ));
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &id);
        doc.add_text(f.prefix, prefixes(&all));
        let all = format!("{all} {call_text}");
        let words: Vec<&str> = all.split(' ').filter(|w| !w.is_empty()).collect();
        let pairs: Vec<String> = words.windows(2).map(|w| pair(w[0], w[1])).collect();
        doc.add_text(f.pairs, pairs.join(" "));
        doc.add_text(f.all, &all);
        doc.add_text(f.title, &title_n);
        doc.add_text(f.author, normalized(&authors));
        doc.add_text(f.subject, normalized(&subjects));
        doc.add_text(f.call, &call_text);
        doc.add_text(f.title_sort, title_n.chars().take(64).collect::<String>());
        for i in idents.remove(&id).unwrap_or_default() {
            doc.add_text(f.ident, i);
        }
        let mut words = [0u64; WORDS];
        let mut facet = |doc: &mut TantivyDocument, group: &str, value: &str| {
            doc.add_facet(f.facet, Facet::from_path([group, value]));
            slots.mark(&mut words, group, value);
        };
        let year: Option<i64> = row.get(9).map_err(sql)?;
        if let Some(y) = year {
            doc.add_i64(f.year, y);
            facet(&mut doc, "decade", &format!("{}", y / 10 * 10));
        }
        facet(&mut doc, "language", &get(10)?);
        facet(&mut doc, "format", &get(11)?);
        let mut libs: Vec<&str> = holds.iter().map(|h| h.0.as_str()).collect();
        libs.sort_unstable();
        libs.dedup();
        for l in libs {
            facet(&mut doc, "library", l);
        }
        if holds.iter().any(|h| h.1 == "available") {
            facet(&mut doc, "available", "yes");
        }
        let mut discs = disciplines.remove(&id).unwrap_or_default();
        discs.sort_unstable();
        discs.dedup();
        for d in discs {
            facet(&mut doc, "discipline", &d);
        }
        let mut subs = subdisciplines.remove(&id).unwrap_or_default();
        subs.sort_unstable();
        subs.dedup();
        for d in subs {
            facet(&mut doc, "subdiscipline", &d);
        }
        for (field, word) in f.slots.iter().zip(words) {
            doc.add_u64(*field, word);
        }
        sink(doc)?;
    }
    Ok(())
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
