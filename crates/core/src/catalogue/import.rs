//! Importing files into the cache: format detection, one transaction per file, a report of
//! what was read, imported, updated, left unchanged or rejected (with file, position and
//! reason). A file with some bad records keeps the good ones; importing the same file again
//! changes nothing.

use std::path::{Path, PathBuf};

use rusqlite::{OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::marc::{self, iso2709};
use super::record::CatalogueRecord;
use super::xml::{self, Item};
use crate::store::{Store, StoreError};

/// Files larger than this are refused rather than read into memory.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A record that was not imported, or imported with a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub file: PathBuf,
    /// "record 3 (byte 1234)".
    pub position: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub read: usize,
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub deleted: usize,
    /// Records imported or updated whose classification numbers name no discipline (none,
    /// unknown or malformed): counted, not an error.
    pub unclassified: usize,
    /// Records read as UNIMARC (or CNMARC) rather than MARC 21.
    pub unimarc: usize,
    pub rejected: Vec<Rejection>,
    pub warnings: Vec<Rejection>,
    /// Records added, changed or deleted, for the search index.
    pub changed: Vec<String>,
}

impl ImportReport {
    pub fn add(&mut self, other: ImportReport) {
        self.read += other.read;
        self.imported += other.imported;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.deleted += other.deleted;
        self.unclassified += other.unclassified;
        self.unimarc += other.unimarc;
        self.rejected.extend(other.rejected);
        self.warnings.extend(other.warnings);
        self.changed.extend(other.changed);
    }
}

/// Why a whole file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is {size} bytes, more than the {MAX_FILE_BYTES} an import accepts")]
    TooLarge { path: PathBuf, size: u64 },
    #[error("the search index could not be updated: {0}")]
    Index(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The serialisation a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    Iso2709,
    Xml,
    Json,
}

fn is_unimarc(m: &marc::Record) -> bool {
    commons_catalogue::unimarc::family(m) == commons_catalogue::unimarc::Family::Unimarc
}

/// Detects the serialisation from the first bytes.
pub fn detect(data: &[u8]) -> Detected {
    let start = data
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(data)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    match start {
        Some(b'<') => Detected::Xml,
        Some(b'{' | b'[') => Detected::Json,
        _ => Detected::Iso2709,
    }
}

/// Imports one file.
pub fn import_file(
    store: &Store,
    path: &Path,
    progress: &mut dyn FnMut(usize),
) -> Result<ImportReport, ImportError> {
    let size = std::fs::metadata(path)
        .map_err(|source| ImportError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge {
            path: path.to_path_buf(),
            size,
        });
    }
    let data = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(import_bytes(store, path, &data, progress)?)
}

struct Incoming {
    position: String,
    /// Identifier in the source, when it has one (001 with 003, or the OAI identifier).
    source_id: Option<String>,
    format: &'static str,
    body: Vec<u8>,
    record: CatalogueRecord,
}

/// Imports the records in `data` (read from `file`, named in the report).
pub fn import_bytes(
    store: &Store,
    file: &Path,
    data: &[u8],
    progress: &mut dyn FnMut(usize),
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let reject = |report: &mut ImportReport, position: String, reason: String| {
        report.rejected.push(Rejection {
            file: file.to_path_buf(),
            position,
            reason,
        });
    };
    let mut incoming = Vec::new();
    let mut deletions = Vec::new();
    match detect(data) {
        Detected::Iso2709 => {
            for (i, raw) in iso2709::split(data).enumerate() {
                report.read += 1;
                let position = format!("record {} (byte {})", i + 1, raw.offset);
                match iso2709::parse(raw.bytes) {
                    Ok(parsed) => {
                        if parsed.unmapped > 0 {
                            let reason = match parsed.charset {
                                iso2709::Charset::UnimarcOther => format!(
                                    "{} bytes in {} (its 100 field names a set other than UTF-8) were replaced by �; the original is kept",
                                    parsed.unmapped,
                                    parsed.charset.as_str()
                                ),
                                _ => format!(
                                    "{} bytes that are not MARC-8 characters (no MARC-8 code table names them) were replaced by �; the original is kept",
                                    parsed.unmapped
                                ),
                            };
                            report.warnings.push(Rejection {
                                file: file.to_path_buf(),
                                position: position.clone(),
                                reason,
                            });
                        }
                        report.unimarc += usize::from(is_unimarc(&parsed.record));
                        incoming.push(Incoming {
                            position,
                            source_id: marc_id(&parsed.record),
                            format: "marc21",
                            body: raw.bytes.to_vec(),
                            record: CatalogueRecord::from_record(&parsed.record),
                        });
                    }
                    Err(reason) => reject(&mut report, position, reason),
                }
            }
        }
        Detected::Json => match marc::json::read(data) {
            Ok(records) => {
                for (i, r) in records.into_iter().enumerate() {
                    report.read += 1;
                    let position = format!("record {}", i + 1);
                    match r {
                        Ok(m) => {
                            report.unimarc += usize::from(is_unimarc(&m));
                            incoming.push(Incoming {
                                position,
                                source_id: marc_id(&m),
                                format: "marc-in-json",
                                body: format!("{m:?}").into_bytes(),
                                record: CatalogueRecord::from_record(&m),
                            });
                        }
                        Err((_, reason)) => reject(&mut report, position, reason),
                    }
                }
            }
            Err(reason) => reject(&mut report, "the whole file".into(), reason),
        },
        Detected::Xml => {
            for (i, item) in xml::read(data).into_iter().enumerate() {
                match item {
                    Item::Marc {
                        position,
                        record,
                        oai_identifier,
                    } => {
                        report.read += 1;
                        report.unimarc += usize::from(is_unimarc(&record));
                        incoming.push(Incoming {
                            position: format!("record {} (byte {position})", i + 1),
                            source_id: oai_identifier.or_else(|| marc_id(&record)),
                            format: "marcxml",
                            body: format!("{record:?}").into_bytes(),
                            record: CatalogueRecord::from_record(&record),
                        });
                    }
                    Item::Dc { position, record } => {
                        report.read += 1;
                        incoming.push(Incoming {
                            position: format!("record {} (byte {position})", i + 1),
                            source_id: record.oai_identifier.clone(),
                            format: "oai_dc",
                            body: format!("{record:?}").into_bytes(),
                            record: CatalogueRecord::from_dc(&record),
                        });
                    }
                    Item::Deleted { oai_identifier, .. } => deletions.push(oai_identifier),
                    Item::Invalid { position, reason } => {
                        report.read += usize::from(!reason.starts_with("the OAI-PMH server"));
                        reject(&mut report, format!("byte {position}"), reason);
                    }
                }
            }
            if report.read == 0 && deletions.is_empty() && report.rejected.is_empty() {
                reject(
                    &mut report,
                    "the whole file".into(),
                    "the XML holds no MARCXML or Dublin Core records".into(),
                );
            }
        }
    }

    if report.read == 0 && deletions.is_empty() && report.rejected.is_empty() {
        reject(
            &mut report,
            "the whole file".into(),
            "the file holds no records".into(),
        );
    }

    // Identify every record; when one file holds two records with the same identifier, the
    // later one is kept, as a later harvest would replace the earlier.
    let mut keyed: Vec<(String, String, Incoming)> = Vec::with_capacity(incoming.len());
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for item in incoming {
        if item.record.description.title.trim().is_empty() {
            reject(&mut report, item.position, "the record has no title".into());
            continue;
        }
        let sha = hex(&Sha256::digest(&item.body));
        let id = match &item.source_id {
            Some(s) => format!("src:{s}"),
            None => format!("sha:{}", &sha[..20]),
        };
        match index.get(&id) {
            Some(&i) => {
                report.warnings.push(Rejection {
                    file: file.to_path_buf(),
                    position: keyed[i].2.position.clone(),
                    reason: format!(
                        "{} has the same identifier ({}); the later record is kept",
                        item.position,
                        id.trim_start_matches("src:")
                    ),
                });
                keyed[i] = (id, sha, item);
            }
            None => {
                index.insert(id.clone(), keyed.len());
                keyed.push((id, sha, item));
            }
        }
    }

    let tx = store.write().map_err(|e| store.err(e))?;
    crate::disciplines::ensure_taxonomy(&tx).map_err(|e| store.err(e))?;
    let now = jiff::Timestamp::now().to_string();
    let mut libraries = std::collections::HashSet::new();
    for (done, (id, sha, item)) in keyed.into_iter().enumerate() {
        let original = Original {
            format: item.format,
            body: &item.body,
            sha256: &sha,
        };
        let (saved, assigned) = save(
            &tx,
            &id,
            "import",
            &item.record,
            &original,
            &now,
            &mut libraries,
        )
        .map_err(|e| store.err(e))?;
        match saved {
            Saved::New => report.imported += 1,
            Saved::Updated => report.updated += 1,
            Saved::Unchanged => {
                report.unchanged += 1;
                continue;
            }
        }
        report.unclassified += usize::from(assigned == 0);
        report.changed.push(id);
        if done % 1000 == 999 {
            progress(done + 1);
        }
    }
    for oai in deletions {
        let id = format!("src:{oai}");
        let n = tx
            .execute("DELETE FROM records WHERE id = ?1", [&id])
            .map_err(|e| store.err(e))?;
        if n > 0 {
            report.deleted += n;
            report.changed.push(id);
        }
    }
    if report.imported + report.updated + report.deleted > 0 {
        crate::search::index::bump_generation(&tx).map_err(|e| store.err(e))?;
    }
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('refreshed_at', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [&now],
    )
    .map_err(|e| store.err(e))?;
    tx.commit().map_err(|e| store.err(e))?;
    Ok(report)
}

use commons_protocol::hex;

/// `003:001` (or just `001`) when the record carries a control number.
fn marc_id(m: &marc::Record) -> Option<String> {
    let number = m.control("001")?.trim();
    if number.is_empty() {
        return None;
    }
    Some(
        match m.control("003").map(str::trim).filter(|s| !s.is_empty()) {
            Some(org) => format!("{org}:{number}"),
            None => number.to_owned(),
        },
    )
}

/// What became of a record written to the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Saved {
    New,
    Updated,
    Unchanged,
}

/// The record as its source sent it, kept beside the mapped record.
pub(crate) struct Original<'a> {
    /// `marc21`, `marcxml`, `marc-in-json`, `oai_dc` or `hub`.
    pub format: &'a str,
    pub body: &'a [u8],
    /// SHA-256 of `body`: an unchanged original leaves the record untouched.
    pub sha256: &'a str,
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// Writes one record, its identifiers, holdings and original, and assigns its disciplines
/// (returns how many). Libraries named by holdings that the cache does not know are added.
pub(crate) fn save(
    tx: &Transaction<'_>,
    id: &str,
    source: &str,
    record: &CatalogueRecord,
    original: &Original<'_>,
    now: &str,
    libraries: &mut std::collections::HashSet<String>,
) -> rusqlite::Result<(Saved, usize)> {
    let existing: Option<String> = tx
        .prepare_cached("SELECT sha256 FROM record_originals WHERE record_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    if existing.as_deref() == Some(original.sha256) {
        return Ok((Saved::Unchanged, 0));
    }
    let r = &record.description;
    let format = record.format.map_or("other", |f| f.as_str());
    tx.prepare_cached(
        "INSERT INTO records(id, source, title, subtitle, responsibility, authors, edition, publisher,
             place, year, language, format, lcc, ddc, clc, subjects, series, notes, summary, contents,
             physical, updated_at)
         VALUES (?1, ?22, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21)
         ON CONFLICT(id) DO UPDATE SET source = excluded.source, title = excluded.title, subtitle = excluded.subtitle,
             responsibility = excluded.responsibility, authors = excluded.authors,
             edition = excluded.edition, publisher = excluded.publisher, place = excluded.place,
             year = excluded.year, language = excluded.language, format = excluded.format,
             lcc = excluded.lcc, ddc = excluded.ddc, clc = excluded.clc, subjects = excluded.subjects,
             series = excluded.series, notes = excluded.notes, summary = excluded.summary,
             contents = excluded.contents, physical = excluded.physical,
             updated_at = excluded.updated_at",
    )?
    .execute(rusqlite::params![
            id,
            r.title,
            r.subtitle,
            r.responsibility,
            json(&r.authors),
            r.edition,
            r.publisher,
            r.place,
            r.year,
            r.language,
            format,
            r.lcc,
            r.ddc,
            r.clc,
            json(&r.subjects),
            json(&r.series),
            json(&r.notes),
            r.summary,
            r.contents,
            r.physical,
            now,
            source
        ])?;
    if existing.is_some() {
        tx.prepare_cached("DELETE FROM record_identifiers WHERE record_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM holdings WHERE record_id = ?1")?
            .execute([id])?;
    }
    {
        let mut ident = tx.prepare_cached(
            "INSERT OR IGNORE INTO record_identifiers(record_id, scheme, value) VALUES (?1, ?2, ?3)",
        )?;
        for v in &r.isbns {
            ident.execute((id, "isbn", v))?;
        }
        for v in &r.issns {
            ident.execute((id, "issn", v))?;
        }
        if let Some(v) = &r.lccn {
            ident.execute((id, "lccn", v))?;
        }
        for v in &r.oclc {
            ident.execute((id, "oclc", v))?;
        }
        let mut holding = tx.prepare_cached(
            "INSERT INTO holdings(id, record_id, library_id, call_number, location, status, due_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (n, h) in record.holdings.iter().enumerate() {
            if !libraries.contains(&h.library) {
                ensure_library(tx, &h.library)?;
                libraries.insert(h.library.clone());
            }
            holding.execute((
                format!("{id}#{n}"),
                id,
                &h.library,
                &h.call_number,
                &h.location,
                h.status,
                &h.due_date,
            ))?;
        }
    }
    tx.prepare_cached(
        "INSERT INTO record_originals(record_id, format, body, sha256, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(record_id) DO UPDATE SET format = excluded.format, body = excluded.body,
             sha256 = excluded.sha256, imported_at = excluded.imported_at",
    )?
    .execute((id, original.format, original.body, original.sha256, now))?;
    let assigned =
        crate::disciplines::assign(tx, id, r.lcc.as_deref(), r.ddc.as_deref(), r.clc.as_deref())?;
    let saved = if existing.is_some() {
        Saved::Updated
    } else {
        Saved::New
    };
    Ok((saved, assigned))
}

/// A holding may name a library the cache does not know yet: it is added as a branch of the
/// central library, named by its code, until the consortium's data names it properly.
fn ensure_library(tx: &Transaction<'_>, code: &str) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR IGNORE INTO libraries(id, parent_id, kind, name, name_zh, city, city_zh, time_zone, position)
         SELECT ?1, c.id, 'branch', ?1, ?1, '', '', c.time_zone, 1000
         FROM (SELECT id, time_zone FROM libraries WHERE kind = 'central' ORDER BY position LIMIT 1) c
         UNION ALL
         SELECT ?1, NULL, 'central', ?1, ?1, '', '', 'UTC', 1000
         WHERE NOT EXISTS (SELECT 1 FROM libraries WHERE kind = 'central')",
        [code],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(data: &[u8]) -> ImportReport {
        let store = Store::open_in_memory().unwrap();
        import_bytes(&store, Path::new("input"), data, &mut |_| {}).unwrap()
    }

    /// Hostile files: each gives a specific reason and never panics or imports garbage.
    #[test]
    fn hostile_files_are_explained() {
        let huge_field = format!(
            "<collection><record><leader>00000nam a2200000 a 4500</leader><datafield tag=\"245\" ind1=\"0\" ind2=\"0\"><subfield code=\"a\">{}</subfield></datafield></record></collection>",
            "x".repeat(marc::MAX_FIELD_BYTES + 10)
        );
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", vec![], "holds no records"),
            ("whitespace", b"  \n\n ".to_vec(), "holds no records"),
            (
                "binary garbage",
                (0..=255u8).cycle().take(5000).collect(),
                "",
            ),
            (
                "truncated ISO 2709",
                b"00100nam a2200037 a 4500245001300000\x1e00\x1faTit".to_vec(),
                "",
            ),
            (
                "invalid UTF-8 in XML",
                b"<collection><record><leader>\xff\xfe</leader></record></collection>".to_vec(),
                "",
            ),
            ("not XML after all", b"<<<<>>>>".to_vec(), ""),
            ("a 100 kB field", huge_field.into_bytes(), "longer than"),
            (
                "JSON that is no record",
                b"[1, 2, 3]".to_vec(),
                "not an object",
            ),
            ("a number", b"42".to_vec(), ""),
        ];
        for (name, data, reason) in cases {
            let report = import(&data);
            assert_eq!(report.imported, 0, "{name}: {report:?}");
            assert!(
                !report.rejected.is_empty(),
                "{name}: nothing explained: {report:?}"
            );
            for r in &report.rejected {
                assert!(!r.reason.is_empty(), "{name}");
            }
            assert!(
                report.rejected.iter().any(|r| r.reason.contains(reason)),
                "{name}: {:?}",
                report.rejected
            );
        }
    }
}
