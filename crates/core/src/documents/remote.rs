//! Documents the hub shares: announced by the feed, their files downloaded into the
//! content-addressed store (resuming a download cut short, checked against the SHA-256
//! before use), and evicted least recently opened first when the store outgrows its cap.
//! Documents added on this workstation are never evicted: nothing else holds them.

use std::path::Path;

use rusqlite::{OptionalExtension, Transaction};

use crate::store::{Store, StoreError};

pub use commons_protocol::feed::Announced;

/// Records an announced document (its file comes later). A discipline or record this
/// workstation does not know is left out rather than refused.
pub fn upsert(tx: &Transaction<'_>, d: &Announced, now: &str) -> rusqlite::Result<()> {
    let known = |table: &str, id: &Option<String>| -> rusqlite::Result<Option<String>> {
        let Some(id) = id else { return Ok(None) };
        tx.query_row(
            &format!("SELECT id FROM {table} WHERE id = ?1"),
            [id],
            |r| r.get(0),
        )
        .optional()
    };
    let discipline = known("disciplines", &d.discipline_id)?;
    let record = known("records", &d.record_id)?;
    tx.execute(
        "INSERT INTO documents(sha256, title, file_name, bytes, pages, record_id, discipline_id, added_at,
             origin, stored)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, 'hub', 0)
         ON CONFLICT(sha256) DO UPDATE SET title = excluded.title, file_name = excluded.file_name,
             record_id = excluded.record_id, discipline_id = excluded.discipline_id",
        rusqlite::params![d.sha256.as_str(), d.title, d.file_name, d.bytes, record, discipline, now],
    )?;
    Ok(())
}

/// Hub documents whose file is not here and whose text is not extracted yet: `(sha, bytes)`.
pub fn to_download(store: &Store) -> Result<Vec<(String, u64)>, StoreError> {
    let mut stmt = store
        .conn()
        .prepare_cached(
            "SELECT sha256, bytes FROM documents
             WHERE origin = 'hub' AND stored = 0 AND extraction = 'pending' ORDER BY added_at, title",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?.unsigned_abs())))
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

/// The announced size of a hub document whose file is not here; `None` when it is here or
/// not the hub's.
pub fn missing(store: &Store, sha: &str) -> Result<Option<u64>, StoreError> {
    store
        .conn()
        .query_row(
            "SELECT bytes FROM documents WHERE sha256 = ?1 AND origin = 'hub' AND stored = 0",
            [sha],
            |r| Ok(r.get::<_, i64>(0)?.unsigned_abs()),
        )
        .optional()
        .map_err(|e| store.err(e))
}

/// The file is in the store (or could not be fetched: `error`).
pub fn record_download(store: &Store, sha: &str, error: Option<&str>) -> Result<(), StoreError> {
    store
        .conn()
        .execute(
            "UPDATE documents SET stored = CASE WHEN ?2 IS NULL THEN 1 ELSE stored END,
                 download_error = ?2 WHERE sha256 = ?1",
            rusqlite::params![sha, error],
        )
        .map(drop)
        .map_err(|e| store.err(e))
}

/// The document was opened now (for least-recently-used eviction).
pub fn touch(store: &Store, sha: &str, now: &str) -> Result<(), StoreError> {
    store
        .conn()
        .execute(
            "UPDATE documents SET opened_at = ?2 WHERE sha256 = ?1",
            [sha, now],
        )
        .map(drop)
        .map_err(|e| store.err(e))
}

/// Bytes of the files in the store.
pub fn stored_bytes(store: &Store) -> Result<u64, StoreError> {
    store
        .conn()
        .query_row(
            "SELECT COALESCE(sum(bytes), 0) FROM documents WHERE stored = 1",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(i64::unsigned_abs)
        .map_err(|e| store.err(e))
}

/// Deletes the files of hub documents, least recently opened first, until the store holds
/// at most `cap` bytes (`keep` is never evicted: the one being opened). Their text stays
/// searchable; opening one downloads it again. Returns the documents evicted.
pub fn evict(
    store: &Store,
    dir: &Path,
    cap: u64,
    keep: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let mut evicted = Vec::new();
    let mut total = stored_bytes(store)?;
    while total > cap {
        let next: Option<(String, i64)> = store
            .conn()
            .query_row(
                "SELECT sha256, bytes FROM documents
                 WHERE origin = 'hub' AND stored = 1 AND sha256 IS NOT ?1
                 ORDER BY COALESCE(opened_at, added_at), added_at LIMIT 1",
                [keep],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| store.err(e))?;
        let Some((sha, bytes)) = next else { break };
        match std::fs::remove_file(super::path_of(dir, &sha)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(document = %sha, error = %e, "could not evict a document");
                break;
            }
        }
        store
            .conn()
            .execute("UPDATE documents SET stored = 0 WHERE sha256 = ?1", [&sha])
            .map_err(|e| store.err(e))?;
        total = total.saturating_sub(bytes.unsigned_abs());
        evicted.push(sha);
    }
    Ok(evicted)
}
