//! Full-text documents: the content-addressed store and what the Documents screen lists.
//!
//! Documents live under the data directory as `documents/<first two hex digits>/<sha256>.pdf`.
//! The viewer reads them only through [`read`], which accepts nothing but a SHA-256 in
//! lower-case hex (never a path) and checks the bytes against it before handing them out.

pub mod confine;
pub mod extract;
pub mod pages;
pub mod remote;

use std::path::{Path, PathBuf};

use crate::store::{Store, StoreError};

/// Why a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("`{0}` is not a document identifier")]
    BadId(String),
    #[error("the document {0} is not in this workstation's store")]
    Missing(String),
    #[error("the stored document {0} is damaged (its content no longer matches its SHA-256)")]
    Damaged(String),
    #[error("the document is not on this workstation and could not be downloaded now: {0}")]
    Unavailable(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl DocumentError {
    pub fn code(&self) -> &'static str {
        match self {
            DocumentError::BadId(_) | DocumentError::Missing(_) => "not_found",
            DocumentError::Damaged(_) => "document_damaged",
            DocumentError::Unavailable(_) => "document_unavailable",
            DocumentError::Read { .. } => "document_unreadable",
            DocumentError::Store(e) => e.code(),
        }
    }
}

pub use commons_protocol::hex::is_sha256;

/// Where the store keeps a document.
pub fn path_of(dir: &Path, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(format!("{sha}.pdf"))
}

/// The bytes of a stored document, checked against their SHA-256.
pub fn read(dir: &Path, sha: &str) -> Result<Vec<u8>, DocumentError> {
    if !is_sha256(sha) {
        return Err(DocumentError::BadId(sha.chars().take(80).collect()));
    }
    let path = path_of(dir, sha);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DocumentError::Missing(sha.to_owned()));
        }
        Err(source) => return Err(DocumentError::Read { path, source }),
    };
    let actual: String = commons_protocol::Sha256::of(&bytes).to_string();
    if actual != sha {
        return Err(DocumentError::Damaged(sha.to_owned()));
    }
    Ok(bytes)
}

/// A document as the Documents screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub sha256: String,
    pub title: String,
    pub pages: u64,
    pub bytes: u64,
    pub discipline: Option<(String, String, String)>,
    pub record: Option<(String, String)>,
    /// Whether its text is searchable: `None` while extraction is pending, `Ok(())` once
    /// indexed, the reason it has no searchable text otherwise.
    pub text: Option<Result<(), extract::Reason>>,
}

fn reason_of(code: &str) -> extract::Reason {
    use extract::Reason::*;
    [Damaged, PasswordProtected, NoText, TimeLimit, Crashed]
        .into_iter()
        .find(|r| r.as_str() == code)
        .unwrap_or(Damaged)
}

/// Every document in the cache, by title.
/// A document's title, if the cache has it.
pub fn title(store: &Store, sha: &str) -> Result<Option<String>, StoreError> {
    use rusqlite::OptionalExtension;
    store
        .conn()
        .query_row(
            "SELECT title FROM documents WHERE sha256 = ?1",
            [sha],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| store.err(e))
}

pub fn list(store: &Store) -> Result<Vec<Entry>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT d.sha256, d.title, d.pages, d.bytes, s.id, s.name, s.name_zh, r.id, r.title,
                    d.extraction, d.extraction_reason
             FROM documents d
             LEFT JOIN disciplines s ON s.id = d.discipline_id
             LEFT JOIN records r ON r.id = d.record_id
             ORDER BY d.title COLLATE NOCASE",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([], |r| {
            let discipline = match r.get::<_, Option<String>>(4)? {
                Some(id) => Some((id, r.get(5)?, r.get(6)?)),
                None => None,
            };
            let record = match r.get::<_, Option<String>>(7)? {
                Some(id) => Some((id, r.get(8)?)),
                None => None,
            };
            Ok(Entry {
                sha256: r.get(0)?,
                title: r.get(1)?,
                pages: r.get::<_, i64>(2)?.unsigned_abs(),
                bytes: r.get::<_, i64>(3)?.unsigned_abs(),
                discipline,
                record,
                text: match r.get_ref(9)?.as_str().unwrap_or("pending") {
                    "indexed" => Some(Ok(())),
                    "rejected" => Some(Err(reason_of(
                        r.get::<_, Option<String>>(10)?.as_deref().unwrap_or(""),
                    ))),
                    _ => None,
                },
            })
        })
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stored_intact_documents_by_their_hash_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let sha = crate::demo::store_document(dir.path(), b"%PDF-1.4 test").unwrap();
        assert_eq!(read(dir.path(), &sha).unwrap(), b"%PDF-1.4 test");
        for bad in [
            "../../etc/passwd",
            "",
            "ABCDEF",
            &sha.to_uppercase(),
            &format!("{sha}/.."),
        ] {
            assert_eq!(
                read(dir.path(), bad).unwrap_err().code(),
                "not_found",
                "{bad}"
            );
        }
        let other = "0".repeat(64);
        assert_eq!(read(dir.path(), &other).unwrap_err().code(), "not_found");
        std::fs::write(path_of(dir.path(), &sha), b"tampered").unwrap();
        assert_eq!(
            read(dir.path(), &sha).unwrap_err().code(),
            "document_damaged"
        );
    }

    #[test]
    fn the_demo_documents_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        crate::demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
        let all = list(&store).unwrap();
        assert_eq!(all.len(), 5);
        for d in &all {
            assert!(d.pages > 0 && d.bytes > 0);
            read(&dir.path().join("documents"), &d.sha256).unwrap();
        }
        assert!(
            all.iter()
                .any(|d| d.discipline.as_ref().is_some_and(|x| x.0 == "data-science"))
        );
        // Whether each one's text is searchable, or why not, as extraction recorded it.
        let (a, b) = (&all[0].sha256, &all[1].sha256);
        store
            .conn()
            .execute_batch(&format!(
                "UPDATE documents SET extraction = 'rejected', extraction_reason = 'password_protected' WHERE sha256 = '{a}';
                 UPDATE documents SET extraction = 'indexed' WHERE sha256 = '{b}';
                 UPDATE documents SET extraction = 'pending' WHERE sha256 NOT IN ('{a}', '{b}');"
            ))
            .unwrap();
        let text: Vec<_> = list(&store).unwrap().into_iter().map(|d| d.text).collect();
        assert_eq!(text[0], Some(Err(extract::Reason::PasswordProtected)));
        assert_eq!(text[1], Some(Ok(())));
        assert!(text[2..].iter().all(Option::is_none), "{text:?}");
    }
}

/// Documents whose text has not been extracted yet: `(sha256, title)`.
pub fn pending(store: &Store) -> Result<Vec<(String, String)>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached("SELECT sha256, title FROM documents WHERE extraction = 'pending' AND stored = 1 ORDER BY added_at, title")
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

/// How far extraction has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtractionCounts {
    pub pending: u64,
    pub indexed: u64,
    pub rejected: u64,
    pub pages: u64,
}

pub fn counts(store: &Store) -> Result<ExtractionCounts, StoreError> {
    store
        .conn()
        .query_row(
            "SELECT count(*) FILTER (WHERE extraction = 'pending'),
                    count(*) FILTER (WHERE extraction = 'indexed'),
                    count(*) FILTER (WHERE extraction = 'rejected'),
                    (SELECT count(*) FROM document_pages)
             FROM documents",
            [],
            |r| {
                Ok(ExtractionCounts {
                    pending: r.get::<_, i64>(0)?.unsigned_abs(),
                    indexed: r.get::<_, i64>(1)?.unsigned_abs(),
                    rejected: r.get::<_, i64>(2)?.unsigned_abs(),
                    pages: r.get::<_, i64>(3)?.unsigned_abs(),
                })
            },
        )
        .map_err(|e| store.err(e))
}

/// Stores what extraction gave for a document: its pages (and indexes them) or the reason
/// it has none. The cache is written first; the index follows (and is rebuilt from the
/// cache if it ever disagrees).
pub fn record_outcome(
    store: &Store,
    index: &pages::PageIndex,
    sha: &str,
    outcome: &extract::Outcome,
) -> Result<(), pages::PageIndexError> {
    let sql = |e| store.err(e);
    let tx = store.write().map_err(sql)?;
    tx.execute("DELETE FROM document_pages WHERE sha256 = ?1", [sha])
        .map_err(sql)?;
    match outcome {
        extract::Outcome::Pages(list) => {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO document_pages(sha256, page, text) VALUES (?1, ?2, ?3)",
                )
                .map_err(sql)?;
            for (i, text) in list.iter().enumerate() {
                insert.execute((sha, i as i64 + 1, text)).map_err(sql)?;
            }
            drop(insert);
            tx.execute(
                "UPDATE documents SET extraction = 'indexed', extraction_reason = NULL,
                     extraction_detail = NULL, pages = ?2 WHERE sha256 = ?1",
                (sha, list.len() as i64),
            )
            .map_err(sql)?;
        }
        extract::Outcome::Rejected { reason, detail } => {
            tx.execute(
                "UPDATE documents SET extraction = 'rejected', extraction_reason = ?2,
                     extraction_detail = ?3 WHERE sha256 = ?1",
                (
                    sha,
                    reason.as_str(),
                    detail.chars().take(500).collect::<String>(),
                ),
            )
            .map_err(sql)?;
        }
    }
    tx.commit().map_err(sql)?;
    let pages = match outcome {
        extract::Outcome::Pages(list) => list.as_slice(),
        extract::Outcome::Rejected { .. } => &[],
    };
    index.set_document(sha, pages)
}

/// The largest PDF a librarian may add.
pub const MAX_DOCUMENT_BYTES: usize = 200 * 1024 * 1024;

/// What a librarian adds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewDocument {
    pub file_name: String,
    pub title: String,
    pub discipline_id: Option<String>,
    pub record_id: Option<String>,
    pub resource_id: Option<String>,
}

/// Why a document was not added.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("the document has {} problems", .0.len())]
    Invalid(Vec<crate::disciplines::curate::FieldError>),
    #[error("this PDF is already in the store as “{0}”")]
    Duplicate(String),
    #[error("the document could not be written to the store: {0}")]
    Write(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AddError {
    pub fn code(&self) -> &'static str {
        match self {
            AddError::Invalid(_) => "invalid",
            AddError::Duplicate(_) => "duplicate_document",
            AddError::Write(_) => "documents_unwritable",
            AddError::Store(e) => e.code(),
        }
    }
}

/// Adds a PDF to the store and the cache (its text is extracted afterwards, in the
/// background). Returns its SHA-256.
pub fn add(store: &Store, dir: &Path, bytes: &[u8], doc: &NewDocument) -> Result<String, AddError> {
    use crate::disciplines::curate::FieldError;
    let mut problems = Vec::new();
    let problem = |field: &'static str, code: &'static str| FieldError {
        field,
        code,
        other: None,
    };
    if bytes.is_empty() {
        problems.push(problem("file", "required"));
    } else if bytes.len() > MAX_DOCUMENT_BYTES {
        problems.push(problem("file", "too_large"));
    } else if !bytes[..bytes.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
    {
        problems.push(problem("file", "not_a_pdf"));
    }
    let title = doc.title.split_whitespace().collect::<Vec<_>>().join(" ");
    if title.is_empty() {
        problems.push(problem("title", "required"));
    } else if title.chars().count() > 300 {
        problems.push(problem("title", "too_long"));
    }
    let exists = |table: &str, id: &str| -> Result<bool, StoreError> {
        store
            .conn()
            .query_row(
                &format!("SELECT EXISTS(SELECT 1 FROM {table} WHERE id = ?1)"),
                [id],
                |r| r.get(0),
            )
            .map_err(|e| store.err(e))
    };
    let discipline = doc.discipline_id.clone().filter(|d| !d.is_empty());
    if let Some(d) = &discipline
        && !exists("disciplines", d)?
    {
        problems.push(problem("discipline", "unknown"));
    }
    let record = doc
        .record_id
        .clone()
        .filter(|r| !r.trim().is_empty())
        .map(|r| r.trim().to_owned());
    if let Some(r) = &record
        && !exists("records", r)?
    {
        problems.push(problem("record", "unknown"));
    }
    let resource = doc.resource_id.clone().filter(|r| !r.is_empty());
    if let Some(r) = &resource
        && !exists("resources", r)?
    {
        problems.push(problem("resource", "unknown"));
    }
    if !problems.is_empty() {
        return Err(AddError::Invalid(problems));
    }
    let sha: String = commons_protocol::Sha256::of(bytes).to_string();
    let existing: Option<String> = store
        .conn()
        .query_row(
            "SELECT title FROM documents WHERE sha256 = ?1",
            [&sha],
            |r| r.get(0),
        )
        .ok();
    if let Some(t) = existing {
        return Err(AddError::Duplicate(t));
    }
    crate::demo::store_document(dir, bytes).map_err(|e| AddError::Write(e.to_string()))?;
    let file_name: String = Path::new(&doc.file_name)
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(200).collect())
        .unwrap_or_else(|| format!("{}.pdf", &sha[..12]));
    store
        .conn()
        .execute(
            "INSERT INTO documents(sha256, title, file_name, bytes, pages, record_id, discipline_id, added_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7)",
            rusqlite::params![
                sha,
                title,
                file_name,
                bytes.len() as i64,
                record,
                discipline,
                jiff::Timestamp::now().to_string()
            ],
        )
        .map_err(|e| store.err(e))?;
    if let Some(r) = &resource {
        store
            .conn()
            .execute(
                "INSERT OR IGNORE INTO resource_documents(resource_id, sha256) VALUES (?1, ?2)",
                (r, &sha),
            )
            .map_err(|e| store.err(e))?;
    }
    Ok(sha)
}

#[cfg(test)]
mod add_tests {
    use super::*;

    #[test]
    fn a_librarian_adds_a_pdf_once_with_checked_attachments() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        crate::demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
        let docs = dir.path().join("documents");
        let pdf = include_bytes!("../../../../assets/demo/documents/citing-sources.pdf");
        let mut changed = pdf.to_vec();
        changed.extend_from_slice(b"\n% a different file\n");
        let new = NewDocument {
            file_name: "/home/someone/../thesis.pdf".into(),
            title: "  A   Thesis ".into(),
            discipline_id: Some("history".into()),
            record_id: Some("demo-00001".into()),
            resource_id: Some("res-stata".into()),
        };
        for (bytes, doc, expected) in [
            (&b""[..], new.clone(), vec![("file", "required")]),
            (
                &b"PK\x03\x04 a zip"[..],
                new.clone(),
                vec![("file", "not_a_pdf")],
            ),
            (
                &changed[..],
                NewDocument {
                    title: String::new(),
                    ..new.clone()
                },
                vec![("title", "required")],
            ),
            (
                &changed[..],
                NewDocument {
                    discipline_id: Some("nowhere".into()),
                    record_id: Some("no-record".into()),
                    ..new.clone()
                },
                vec![("discipline", "unknown"), ("record", "unknown")],
            ),
        ] {
            match add(&store, &docs, bytes, &doc).unwrap_err() {
                AddError::Invalid(p) => assert_eq!(
                    p.iter().map(|e| (e.field, e.code)).collect::<Vec<_>>(),
                    expected
                ),
                other => panic!("{other}"),
            }
        }
        // The demo's own copy is already there.
        assert_eq!(
            add(&store, &docs, pdf, &new).unwrap_err().code(),
            "duplicate_document"
        );
        let sha = add(&store, &docs, &changed, &new).unwrap();
        assert_eq!(read(&docs, &sha).unwrap(), changed);
        let listed = list(&store)
            .unwrap()
            .into_iter()
            .find(|d| d.sha256 == sha)
            .unwrap();
        assert_eq!(listed.title, "A Thesis");
        assert_eq!(listed.record.unwrap().0, "demo-00001");
        let of_stata = crate::disciplines::browse::resource_detail(&store, "res-stata")
            .unwrap()
            .unwrap();
        assert_eq!(
            of_stata
                .documents
                .iter()
                .map(|d| d.sha256.as_str())
                .collect::<Vec<_>>(),
            vec![sha.as_str()]
        );
        let bad = NewDocument {
            resource_id: Some("res-none".into()),
            ..new.clone()
        };
        let mut other = changed.clone();
        other.push(b'x');
        match add(&store, &docs, &other, &bad).unwrap_err() {
            AddError::Invalid(p) => assert_eq!(p[0].field, "resource"),
            e => panic!("{e}"),
        }
        assert_eq!(
            pending(&store)
                .unwrap()
                .iter()
                .filter(|(s, _)| *s == sha)
                .count(),
            1
        );
        let name: String = store
            .conn()
            .query_row(
                "SELECT file_name FROM documents WHERE sha256 = ?1",
                [&sha],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(name, "thesis.pdf");
    }
}
