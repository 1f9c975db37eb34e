//! A record as its page shows it: every field, identifiers, and the holdings of every library.

use rusqlite::OptionalExtension;

use super::record::Description;
use crate::store::{Store, StoreError};

/// One holding, with its library's names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HoldingDetail {
    pub library_id: String,
    pub library_name: String,
    pub library_name_zh: String,
    pub call_number: String,
    pub location: String,
    pub status: String,
    pub due_date: Option<String>,
}

/// Everything known about a record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordDetail {
    pub id: String,
    pub description: Description,
    pub format: String,
    pub holdings: Vec<HoldingDetail>,
}

fn list(s: String) -> Vec<String> {
    serde_json::from_str(&s).unwrap_or_default()
}

/// Reads a record; `None` when there is no such record.
pub fn record(store: &Store, id: &str) -> Result<Option<RecordDetail>, StoreError> {
    let conn = store.conn();
    let sql = |e| store.err(e);
    let Some(mut r) = conn
        .query_row(
            "SELECT id, title, subtitle, responsibility, authors, edition, publisher, place, year,
                    language, format, lcc, ddc, clc, subjects, series, notes, summary, contents, physical,
                    romanized
             FROM records WHERE id = ?1",
            [id],
            |row| {
                Ok(RecordDetail {
                    id: row.get(0)?,
                    format: row.get(10)?,
                    holdings: Vec::new(),
                    description: Description {
                    title: row.get(1)?,
                    subtitle: row.get(2)?,
                    responsibility: row.get(3)?,
                    authors: list(row.get(4)?),
                    edition: row.get(5)?,
                    publisher: row.get(6)?,
                    place: row.get(7)?,
                    year: row.get(8)?,
                    language: row.get(9)?,
                    lcc: row.get(11)?,
                    ddc: row.get(12)?,
                    clc: row.get(13)?,
                    subjects: list(row.get(14)?),
                    series: list(row.get(15)?),
                    notes: list(row.get(16)?),
                    summary: row.get(17)?,
                    contents: row.get(18)?,
                    physical: row.get(19)?,
                    romanized: list(row.get(20)?),
                    ..Description::default()
                    },
                })
            },
        )
        .optional()
        .map_err(sql)?
    else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare_cached("SELECT scheme, value FROM record_identifiers WHERE record_id = ?1 ORDER BY scheme, value")
        .map_err(sql)?;
    let idents = stmt
        .query_map([id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    for (scheme, value) in idents {
        let d = &mut r.description;
        match scheme.as_str() {
            "isbn" => d.isbns.push(value),
            "issn" => d.issns.push(value),
            "lccn" => d.lccn = Some(value),
            _ => d.oclc.push(value),
        }
    }
    let mut stmt = conn
        .prepare_cached(
            "SELECT h.library_id, l.name, l.name_zh, h.call_number, h.location, h.status, h.due_date
             FROM holdings h JOIN libraries l ON l.id = h.library_id
             WHERE h.record_id = ?1
             ORDER BY l.kind = 'branch', l.position, l.name, h.id",
        )
        .map_err(sql)?;
    r.holdings = stmt
        .query_map([id], |row| {
            Ok(HoldingDetail {
                library_id: row.get(0)?,
                library_name: row.get(1)?,
                library_name_zh: row.get(2)?,
                call_number: row.get(3)?,
                location: row.get(4)?,
                status: row.get(5)?,
                due_date: row.get(6)?,
            })
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    Ok(Some(r))
}
