//! A record as its page shows it: every field, identifiers, and the holdings of every library.

use rusqlite::OptionalExtension;

use super::originals::{Stored, Unpacker, described};
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

/// Reads a record; `None` when there is no such record. Its description is what its original
/// describes; a record whose original cannot be read shows what its row keeps (title,
/// authors, year, language), and the reason is logged.
pub fn record(store: &Store, id: &str) -> Result<Option<RecordDetail>, StoreError> {
    let conn = store.conn();
    let sql = |e| store.err(e);
    let Some((mut r, stored)) = conn
        .query_row(
            "SELECT title, subtitle, authors, year, language, format,
                    original_format, original_packed, original_dictionary, original
             FROM records WHERE id = ?1",
            [id],
            |row| {
                let kept = RecordDetail {
                    id: id.to_owned(),
                    format: row.get(5)?,
                    holdings: Vec::new(),
                    description: Description {
                        title: row.get(0)?,
                        subtitle: row.get(1)?,
                        authors: list(row.get(2)?),
                        year: row.get(3)?,
                        language: row.get(4)?,
                        ..Description::default()
                    },
                };
                let stored: Stored = (row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?);
                Ok((kept, stored))
            },
        )
        .optional()
        .map_err(sql)?
    else {
        return Ok(None);
    };
    match described(conn, &mut Unpacker::default(), id, stored) {
        Ok(described) => {
            let mut d = described.description;
            for list in [&mut d.isbns, &mut d.issns, &mut d.oclc] {
                list.sort_unstable();
                list.dedup();
            }
            r.description = d;
        }
        Err(reason) => tracing::warn!(record = id, %reason, "showing what the row keeps"),
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
