//! Discipline-grouped browsing: the discipline tree, what each discipline holds (resources,
//! catalogue records, documents, subject librarians), and the resources A–Z.

pub mod browse;
pub mod classify;
pub mod curate;

use rusqlite::Transaction;

/// One node of the discipline tree as `assets/taxonomy/disciplines.json` holds it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct TaxonomyNode {
    pub id: String,
    pub parent: Option<String>,
    pub name: String,
    pub name_zh: String,
    pub position: i64,
}

/// The discipline tree shipped with Commons.
pub fn taxonomy() -> Vec<TaxonomyNode> {
    serde_json::from_str(classify::TAXONOMY).unwrap_or_default()
}

/// Adds the shipped discipline tree to the cache where a discipline is missing (a cache fed
/// by imports alone has none); disciplines already there, from a hub or the demo, are kept.
pub fn ensure_taxonomy(tx: &Transaction<'_>) -> rusqlite::Result<usize> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO disciplines(id, parent_id, name, name_zh, position)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut added = 0;
    // Parents come before their children in the file, as the foreign key needs.
    for d in taxonomy() {
        added += insert.execute((&d.id, &d.parent, &d.name, &d.name_zh, d.position))?;
    }
    Ok(added)
}

/// Assigns a record to the disciplines its classification numbers name (replacing what it
/// had, unless it is `new` to the cache); returns them. Disciplines the cache does not know
/// are skipped.
pub fn assign(
    tx: &Transaction<'_>,
    record_id: &str,
    new: bool,
    lcc: Option<&str>,
    ddc: Option<&str>,
    clc: Option<&str>,
) -> rusqlite::Result<Vec<&'static str>> {
    if !new {
        tx.prepare_cached("DELETE FROM record_disciplines WHERE record_id = ?1")?
            .execute([record_id])?;
    }
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO record_disciplines(record_id, discipline_id)
         SELECT ?1, id FROM disciplines WHERE id = ?2",
    )?;
    let mut assigned = Vec::new();
    for d in classify::classify(lcc, ddc, clc) {
        if insert.execute((record_id, d))? > 0 {
            assigned.push(d);
        }
    }
    Ok(assigned)
}

/// The parent of every discipline in the cache (`None` for a top-level one).
pub fn parents(
    conn: &rusqlite::Connection,
) -> rusqlite::Result<std::collections::HashMap<String, Option<String>>> {
    let mut stmt = conn.prepare("SELECT id, parent_id FROM disciplines")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}
