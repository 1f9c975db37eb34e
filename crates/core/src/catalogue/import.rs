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

/// Told of every record a write to the cache makes, as it makes it: the search index
/// follows the cache this way ([`crate::search::index::Indexing`]). Calls come inside the
/// cache's transaction; what they build must not be visible before it commits.
pub trait Follow {
    /// `record` was written as `id` (`new`: the cache did not hold it before), assigned to
    /// `disciplines`.
    fn written(&mut self, id: &str, record: &CatalogueRecord, new: bool, disciplines: &[&str]);
    /// `id` was changed otherwise (holdings attached) or removed: read it back afterwards.
    fn touched(&mut self, id: &str);
}

/// Follows nothing (a write whose index is brought up to date otherwise).
impl Follow for () {
    fn written(&mut self, _: &str, _: &CatalogueRecord, _: bool, _: &[&str]) {}
    fn touched(&mut self, _: &str) {}
}

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
    /// MARC 21 holdings records read (their holdings go to the record their 004 names).
    pub holdings_records: usize,
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
        self.holdings_records += other.holdings_records;
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
    follow: &mut dyn Follow,
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
    Ok(import_bytes(store, path, &data, progress, follow)?)
}

struct Incoming {
    position: String,
    /// Identifier in the source, when it has one (001 with 003, or the OAI identifier).
    source_id: Option<String>,
    /// The control number (001) holdings records name in their 004.
    control: Option<String>,
    format: &'static str,
    body: Vec<u8>,
    record: CatalogueRecord,
}

/// A MARC 21 holdings record from the file.
struct HeldIn {
    position: String,
    source_id: Option<String>,
    /// The 004: the control number of the bibliographic record it belongs to.
    target: String,
    format: &'static str,
    body: Vec<u8>,
    holdings: Vec<commons_catalogue::Holding>,
}

/// A record's element as the file has it, `start..end` as the XML reader found it (an XML
/// record's original is its own bytes, not a rendering of what was read from them).
fn as_sent(data: &[u8], start: usize, end: usize) -> Vec<u8> {
    let end = end.min(data.len());
    let start = start.min(end);
    data[start..end].trim_ascii().to_vec()
}

/// Where a MARC record read from a file goes: a holdings record (leader type u, v, x or y)
/// to `held`, a bibliographic record to `incoming`; a holdings record that names no record
/// or holds nothing is rejected with the reason. Returns whether the record was read as
/// UNIMARC (its family is found once, here).
#[allow(clippy::too_many_arguments)]
fn route(
    m: &marc::Record,
    position: String,
    source_id: Option<String>,
    format: &'static str,
    body: Vec<u8>,
    incoming: &mut Vec<Incoming>,
    held: &mut Vec<HeldIn>,
    rejected: &mut Vec<(String, String)>,
) -> bool {
    if matches!(m.leader.as_bytes().get(6), Some(b'u' | b'v' | b'x' | b'y')) {
        let Some(target) = m.control("004").map(str::trim).filter(|t| !t.is_empty()) else {
            rejected.push((
                position,
                "a holdings record (leader type u, v, x or y) without a 004 naming its bibliographic record".into(),
            ));
            return false;
        };
        let holdings = commons_catalogue::record::holdings(m);
        if holdings.is_empty() {
            rejected.push((
                position,
                format!("the holdings record for `{target}` holds no 852 with a library"),
            ));
            return false;
        }
        held.push(HeldIn {
            position,
            source_id,
            target: target.to_owned(),
            format,
            body,
            holdings,
        });
        return false;
    }
    let family = commons_catalogue::unimarc::family(m);
    incoming.push(Incoming {
        position,
        source_id,
        control: m
            .control("001")
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        format,
        body,
        record: CatalogueRecord::from_record_as(m, Some(family)),
    });
    family == commons_catalogue::unimarc::Family::Unimarc
}

/// What one share of a file's ISO 2709 records became, in the file's order.
#[derive(Default)]
struct Share {
    read: usize,
    unimarc: usize,
    warnings: Vec<Rejection>,
    rejected: Vec<Rejection>,
    incoming: Vec<Incoming>,
    held: Vec<HeldIn>,
    routed_out: Vec<(String, String)>,
}

/// Files of fewer records are read on the calling thread alone.
const SHARED_FROM: usize = 4096;

/// Parses and maps the records of an ISO 2709 file, split in contiguous shares read side by
/// side (the cache and the index have nothing to write until every record is read, so both
/// cores are free); the shares come back in the file's order.
fn read_iso2709(file: &Path, raws: &[iso2709::Raw<'_>]) -> Vec<Share> {
    let threads = if raws.len() < SHARED_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    };
    if threads == 1 {
        return vec![read_share(file, 0, raws)];
    }
    let per_share = raws.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = raws
            .chunks(per_share)
            .enumerate()
            .map(|(n, chunk)| scope.spawn(move || read_share(file, n * per_share, chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Reads the records of one share; `first` is the index of its first record in the file.
fn read_share(file: &Path, first: usize, raws: &[iso2709::Raw<'_>]) -> Share {
    let mut share = Share::default();
    for (i, raw) in raws.iter().enumerate() {
        let i = first + i;
        share.read += 1;
        let position = format!("record {} (byte {})", i + 1, raw.offset);
        match iso2709::parse(raw.bytes) {
            Ok(parsed) => {
                if parsed.unmapped > 0 {
                    let reason = match parsed.charset {
                        iso2709::Charset::UnimarcUtf8 => format!(
                            "{} bytes are not UTF-8 although the record's 100 field says UTF-8; they were replaced by �, the original is kept",
                            parsed.unmapped
                        ),
                        iso2709::Charset::Iso5426 | iso2709::Charset::Iso6937 => format!(
                            "{} bytes that are not {} characters were replaced by �; the original is kept",
                            parsed.unmapped,
                            parsed.charset.as_str()
                        ),
                        iso2709::Charset::UnimarcOther | iso2709::Charset::Gb18030 => {
                            format!(
                                "{} bytes in {} (its 100 field names a set other than UTF-8) were replaced by �; the original is kept",
                                parsed.unmapped,
                                parsed.charset.as_str()
                            )
                        }
                        _ => format!(
                            "{} bytes that are not MARC-8 characters (no MARC-8 code table names them) were replaced by �; the original is kept",
                            parsed.unmapped
                        ),
                    };
                    share.warnings.push(Rejection {
                        file: file.to_path_buf(),
                        position: position.clone(),
                        reason,
                    });
                }
                share.unimarc += usize::from(route(
                    &parsed.record,
                    position,
                    marc_id(&parsed.record),
                    "marc21",
                    raw.bytes.to_vec(),
                    &mut share.incoming,
                    &mut share.held,
                    &mut share.routed_out,
                ));
            }
            Err(reason) => share.rejected.push(Rejection {
                file: file.to_path_buf(),
                position,
                reason,
            }),
        }
    }
    share
}

/// Imports the records in `data` (read from `file`, named in the report), telling `follow`
/// of each write.
pub fn import_bytes(
    store: &Store,
    file: &Path,
    data: &[u8],
    progress: &mut dyn FnMut(usize),
    follow: &mut dyn Follow,
) -> Result<ImportReport, StoreError> {
    store.bulk_checked_by_caller(|| import_in_bulk(store, file, data, progress, follow))
}

fn import_in_bulk(
    store: &Store,
    file: &Path,
    data: &[u8],
    progress: &mut dyn FnMut(usize),
    follow: &mut dyn Follow,
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
    let mut held = Vec::new();
    let mut routed_out: Vec<(String, String)> = Vec::new();
    let mut deletions = Vec::new();
    match detect(data) {
        Detected::Iso2709 => {
            let raws: Vec<iso2709::Raw<'_>> = iso2709::split(data).collect();
            for share in read_iso2709(file, &raws) {
                report.read += share.read;
                report.unimarc += share.unimarc;
                report.warnings.extend(share.warnings);
                report.rejected.extend(share.rejected);
                incoming.extend(share.incoming);
                held.extend(share.held);
                routed_out.extend(share.routed_out);
            }
        }
        Detected::Json => match marc::json::read(data) {
            Ok(records) => {
                for (i, r) in records.into_iter().enumerate() {
                    report.read += 1;
                    let position = format!("record {}", i + 1);
                    match r {
                        Ok((m, original)) => {
                            report.unimarc += usize::from(route(
                                &m,
                                position,
                                marc_id(&m),
                                "marc-in-json",
                                original.as_bytes().to_vec(),
                                &mut incoming,
                                &mut held,
                                &mut routed_out,
                            ));
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
                        end,
                        record,
                        oai_identifier,
                    } => {
                        report.read += 1;
                        report.unimarc += usize::from(route(
                            &record,
                            format!("record {} (byte {position})", i + 1),
                            oai_identifier.or_else(|| marc_id(&record)),
                            "marcxml",
                            as_sent(data, position, end),
                            &mut incoming,
                            &mut held,
                            &mut routed_out,
                        ));
                    }
                    Item::Dc {
                        position,
                        end,
                        record,
                    } => {
                        report.read += 1;
                        incoming.push(Incoming {
                            position: format!("record {} (byte {position})", i + 1),
                            source_id: record.oai_identifier.clone(),
                            control: None,
                            format: "oai_dc",
                            body: as_sent(data, position, end),
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

    for (position, reason) in routed_out {
        reject(&mut report, position, reason);
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
    let mut keyed: Vec<(String, Incoming)> = Vec::with_capacity(incoming.len());
    let mut index: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(incoming.len());
    for item in incoming {
        if item.record.description.title.trim().is_empty() {
            let reason = match item.format {
                "oai_dc" => "the record has no title (dc:title)",
                _ => "the record has no title (neither a MARC 21 245 nor a UNIMARC 200 $a)",
            };
            reject(&mut report, item.position, reason.into());
            continue;
        }
        let id = match &item.source_id {
            Some(s) => format!("src:{s}"),
            None => format!("sha:{}", &hex(&Sha256::digest(&item.body))[..20]),
        };
        match index.entry(id) {
            std::collections::hash_map::Entry::Occupied(seen) => {
                let (i, id) = (*seen.get(), seen.key().clone());
                report.warnings.push(Rejection {
                    file: file.to_path_buf(),
                    position: keyed[i].1.position.clone(),
                    reason: format!(
                        "{} has the same identifier ({}); the later record is kept",
                        item.position,
                        id.trim_start_matches("src:")
                    ),
                });
                keyed[i] = (id, item);
            }
            std::collections::hash_map::Entry::Vacant(new) => {
                let id = new.key().clone();
                new.insert(keyed.len());
                keyed.push((id, item));
            }
        }
    }

    let tx = store.write().map_err(|e| store.err(e))?;
    crate::disciplines::ensure_taxonomy(&tx).map_err(|e| store.err(e))?;
    let now = jiff::Timestamp::now().to_string();
    let mut saving = Saving::new(&tx).map_err(|e| store.err(e))?;
    // Most caches hold no holdings records: then no record needs to look for any.
    let waiting_holdings: bool = tx
        .query_row("SELECT EXISTS(SELECT 1 FROM holdings_records)", [], |r| {
            r.get(0)
        })
        .map_err(|e| store.err(e))?;
    for (done, (id, item)) in keyed.into_iter().enumerate() {
        let original = Original {
            format: item.format,
            body: &item.body,
        };
        let (saved, assigned) = save(
            &tx,
            &id,
            "import",
            &item.record,
            &original,
            &now,
            &mut saving,
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
        follow.written(&id, &item.record, saved == Saved::New, &assigned);
        // Holdings records that came in an earlier import belong to it (this file's are
        // attached below).
        if waiting_holdings && let Some(control) = &item.control {
            attach_holdings(&tx, &id, control, &mut saving.libraries).map_err(|e| store.err(e))?;
            follow.touched(&id);
        }
        report.unclassified += usize::from(assigned.is_empty());
        report.changed.push(id);
        if done % 1000 == 999 {
            progress(done + 1);
        }
    }
    // The records reported changed, to add each once (a lookup, not a scan per holdings
    // record).
    let mut reported: std::collections::HashSet<String> = if held.is_empty() {
        std::collections::HashSet::new()
    } else {
        report.changed.iter().cloned().collect()
    };
    for h in held {
        report.holdings_records += 1;
        let sha = hex(&Sha256::digest(&h.body));
        let id = match &h.source_id {
            Some(s) => format!("hld:{s}"),
            None => format!("hld:sha:{}", &sha[..20]),
        };
        let before: Option<String> = tx
            .query_row(
                "SELECT sha256 FROM holdings_records WHERE id = ?1",
                [&id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| store.err(e))?;
        let unchanged = before.as_deref() == Some(sha.as_str());
        if !unchanged {
            let holdings: Vec<serde_json::Value> = h
                .holdings
                .iter()
                .map(|x| {
                    serde_json::json!({"library": x.library, "call_number": x.call_number,
                        "location": x.location, "status": x.status, "due_date": x.due_date})
                })
                .collect();
            tx.execute(
                "INSERT INTO holdings_records(id, target, holdings, format, body, sha256, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(id) DO UPDATE SET target = excluded.target, holdings = excluded.holdings,
                     format = excluded.format, body = excluded.body, sha256 = excluded.sha256,
                     imported_at = excluded.imported_at",
                (
                    &id,
                    &h.target,
                    serde_json::Value::Array(holdings).to_string(),
                    h.format,
                    &h.body,
                    &sha,
                    &now,
                ),
            )
            .map_err(|e| store.err(e))?;
        }
        match record_with_control(&tx, &h.target).map_err(|e| store.err(e))? {
            Some(record) if !unchanged => {
                attach_holdings(&tx, &record, &h.target, &mut saving.libraries)
                    .map_err(|e| store.err(e))?;
                follow.touched(&record);
                if reported.insert(record.clone()) {
                    report.changed.push(record);
                }
            }
            Some(_) => {}
            None => report.warnings.push(Rejection {
                file: file.to_path_buf(),
                position: h.position,
                reason: format!(
                    "the holdings record for `{}` has no bibliographic record in the cache yet; it is kept and attached when that record is imported",
                    h.target
                ),
            }),
        }
    }
    for oai in deletions {
        let id = format!("src:{oai}");
        let n = tx
            .execute("DELETE FROM records WHERE id = ?1", [&id])
            .map_err(|e| store.err(e))?;
        if n > 0 {
            report.deleted += n;
            follow.touched(&id);
            report.changed.push(id);
        }
    }
    if report.imported + report.updated + report.deleted > 0 || !report.changed.is_empty() {
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

/// The formats `records.original_format` allows.
const ORIGINAL_FORMATS: [&str; 5] = ["marc21", "marcxml", "marc-in-json", "oai_dc", "hub"];

/// The error SQLite gives for a failed CHECK constraint.
fn check_failed(what: String) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_CHECK),
        Some(format!("CHECK constraint failed: {what}")),
    )
}

/// What became of a record written to the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Saved {
    New,
    Updated,
    Unchanged,
}

/// The record as its source sent it, kept (compressed) in the mapped record's row.
pub(crate) struct Original<'a> {
    /// `marc21`, `marcxml`, `marc-in-json`, `oai_dc` or `hub`.
    pub format: &'a str,
    pub body: &'a [u8],
}

/// What one write keeps across the records it saves: the libraries the cache is known to
/// hold, and how originals are compressed and read back.
pub(crate) struct Saving {
    pub libraries: std::collections::HashSet<String>,
    pub packer: super::originals::Packer,
    unpacker: super::originals::Unpacker,
}

impl Saving {
    pub(crate) fn new(tx: &Transaction<'_>) -> rusqlite::Result<Saving> {
        Ok(Saving {
            libraries: std::collections::HashSet::new(),
            packer: super::originals::Packer::new(tx)?,
            unpacker: super::originals::Unpacker::default(),
        })
    }
}

fn json(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// Writes one record (what lists show of it, and its original) and its holdings, and
/// assigns its disciplines (returns them). Libraries named by holdings that the cache does
/// not know are added.
pub(crate) fn save(
    tx: &Transaction<'_>,
    id: &str,
    source: &str,
    record: &CatalogueRecord,
    original: &Original<'_>,
    now: &str,
    saving: &mut Saving,
) -> rusqlite::Result<(Saved, Vec<&'static str>)> {
    // Whether the cache holds the record (with an original or not: the demo's have none),
    // and its original: one the same as this leaves the record untouched.
    let existing: Option<super::originals::Stored> = tx
        .prepare_cached(
            "SELECT original_format, original_packed, original_dictionary, original
             FROM records WHERE id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let exists = existing.is_some();
    if let Some((Some(format), Some(packed), dictionary, Some(stored))) = &existing
        && format == original.format
    {
        // An original that cannot be read back is replaced by this one.
        let same = saving
            .unpacker
            .unpack(tx, id, *packed, *dictionary, stored)
            .is_ok_and(|body| body == original.body);
        if same {
            return Ok((Saved::Unchanged, Vec::new()));
        }
    }
    // What the cache's CHECK constraints ask, checked here: a bulk import does not have
    // SQLite evaluate them (`Store::bulk_checked_by_caller`).
    if !ORIGINAL_FORMATS.contains(&original.format) {
        return Err(check_failed(format!(
            "an original in format `{}`",
            original.format
        )));
    }
    let packed = saving.packer.pack(tx, id, original.format, original.body)?;
    let r = &record.description;
    let format = record.format.map_or("other", |f| f.as_str());
    // Of the description, the row keeps what lists show and sort by; the rest is read from
    // the original (`originals::describe`).
    tx.prepare_cached(
        "INSERT INTO records(id, source, title, subtitle, authors, year, language, format,
             updated_at, original_format, original_packed, original_dictionary, original)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12)
         ON CONFLICT(id) DO UPDATE SET source = excluded.source, title = excluded.title,
             subtitle = excluded.subtitle, authors = excluded.authors, year = excluded.year,
             language = excluded.language, format = excluded.format,
             updated_at = excluded.updated_at, original_format = excluded.original_format,
             original_packed = 1, original_dictionary = excluded.original_dictionary,
             original = excluded.original",
    )?
    .execute(rusqlite::params![
        id,
        source,
        r.title,
        r.subtitle,
        json(&r.authors),
        r.year,
        r.language,
        format,
        now,
        original.format,
        packed.dictionary,
        packed.bytes
    ])?;
    if exists {
        tx.prepare_cached("DELETE FROM holdings WHERE record_id = ?1")?
            .execute([id])?;
    }
    {
        let mut holding = tx.prepare_cached(
            "INSERT INTO holdings(id, record_id, library_id, call_number, location, status, due_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (n, h) in record.holdings.iter().enumerate() {
            if !saving.libraries.contains(&h.library) {
                ensure_library(tx, &h.library)?;
                saving.libraries.insert(h.library.clone());
            }
            holding.execute((
                n.to_string(),
                id,
                &h.library,
                &h.call_number,
                &h.location,
                commons_catalogue::record::known_status(h.status),
                &h.due_date,
            ))?;
        }
    }
    let assigned = crate::disciplines::assign(
        tx,
        id,
        !exists,
        r.lcc.as_deref(),
        r.ddc.as_deref(),
        r.clc.as_deref(),
    )?;
    let saved = if exists { Saved::Updated } else { Saved::New };
    Ok((saved, assigned))
}

/// The record of this workstation whose control number (001) is `control`: imported as
/// `src:<001>` or `src:<003>:<001>`.
fn record_with_control(tx: &Transaction<'_>, control: &str) -> rusqlite::Result<Option<String>> {
    tx.query_row(
        "SELECT id FROM records WHERE id = 'src:' || ?1
            OR (id LIKE 'src:%:%' AND substr(id, -length(?1) - 1) = ':' || ?1)
         ORDER BY id LIMIT 1",
        [control],
        |r| r.get(0),
    )
    .optional()
}

/// Puts the holdings of every holdings record naming `control` on `record`, replacing what
/// holdings records attached before (its own holdings stay).
fn attach_holdings(
    tx: &Transaction<'_>,
    record: &str,
    control: &str,
    libraries: &mut std::collections::HashSet<String>,
) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM holdings WHERE record_id = ?1 AND substr(id, 1, 2) = 'h:'")?
        .execute([record])?;
    let rows: Vec<(String, String)> = tx
        .prepare_cached("SELECT id, holdings FROM holdings_records WHERE target = ?1 ORDER BY id")?
        .query_map([control], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (hid, json) in rows {
        let list: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap_or_default();
        for (n, h) in list.iter().enumerate() {
            let text = |k: &str| h[k].as_str().unwrap_or_default().to_owned();
            let library = text("library");
            if library.is_empty() {
                continue;
            }
            if !libraries.contains(&library) {
                ensure_library(tx, &library)?;
                libraries.insert(library.clone());
            }
            tx.prepare_cached(
                "INSERT INTO holdings(id, record_id, library_id, call_number, location, status, due_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute((
                    format!("h:{hid}#{n}"),
                    record,
                    &library,
                    text("call_number"),
                    text("location"),
                    commons_catalogue::record::known_status(&text("status")),
                    h["due_date"].as_str(),
                ))?;
        }
    }
    Ok(())
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
        import_bytes(&store, Path::new("input"), data, &mut |_| {}, &mut ()).unwrap()
    }

    fn marc(leader6: char, fields: &[(&str, &str)]) -> Vec<u8> {
        use commons_catalogue::marc::{Field, Record};
        let record = Record {
            leader: format!("00000n{leader6}m a2200000 a 4500"),
            fields: fields
                .iter()
                .map(|(tag, value)| {
                    if tag.starts_with("00") {
                        Field::Control {
                            tag: (*tag).into(),
                            value: (*value).into(),
                        }
                    } else {
                        Field::Data {
                            tag: (*tag).into(),
                            ind1: ' ',
                            ind2: ' ',
                            subfields: value
                                .split('$')
                                .filter(|p| !p.is_empty())
                                .map(|p| {
                                    let mut c = p.chars();
                                    (c.next().unwrap(), c.as_str().to_owned())
                                })
                                .collect(),
                        }
                    }
                })
                .collect(),
        };
        iso2709::write(&record)
    }

    /// A record whose original cannot be read back (a damaged cache) is still shown and found
    /// by what its row keeps; the rest of the record is not invented.
    #[test]
    fn a_record_whose_original_is_damaged_shows_what_its_row_keeps() {
        let store = Store::open_in_memory().unwrap();
        let data = marc(
            'a',
            &[
                ("001", "kept"),
                ("020", "$a9780000000002"),
                ("100", "$aWriter, Ann"),
                ("245", "$aRivers and roads"),
                ("260", "$aLyon :$bMeridian,$c1999."),
                ("650", "$aRivers"),
            ],
        );
        import_bytes(&store, Path::new("input"), &data, &mut |_| {}, &mut ()).unwrap();
        let whole = crate::catalogue::detail::record(&store, "src:kept")
            .unwrap()
            .unwrap();
        assert_eq!(whole.description.isbns, ["9780000000002"]);
        assert_eq!(whole.description.subjects, ["Rivers"]);
        store
            .conn()
            .execute(
                "UPDATE records SET original = x'28b52ffd00' WHERE id = 'src:kept'",
                [],
            )
            .unwrap();
        let kept = crate::catalogue::detail::record(&store, "src:kept")
            .unwrap()
            .unwrap();
        assert_eq!(kept.description.title, whole.description.title);
        assert_eq!(kept.description.authors, whole.description.authors);
        assert_eq!(kept.description.year, Some(1999));
        assert!(kept.description.isbns.is_empty());
        assert!(kept.description.subjects.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let (index, _) =
            crate::search::SearchIndex::open(dir.path(), &store, &mut |_, _| {}).unwrap();
        let found = index
            .search(
                &store,
                &crate::search::SearchRequest {
                    query: "rivers roads".into(),
                    limit: 20,
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(found.total, 1, "found by its title");
    }

    #[test]
    fn of_two_records_with_one_identifier_in_a_file_the_later_is_kept() {
        let store = Store::open_in_memory().unwrap();
        let mut data = marc('a', &[("001", "twice"), ("245", "$aThe earlier")]);
        data.extend(marc('a', &[("001", "once"), ("245", "$aAnother")]));
        data.extend(marc('a', &[("001", "twice"), ("245", "$aThe later")]));
        let report = import_bytes(&store, Path::new("input"), &data, &mut |_| {}, &mut ()).unwrap();
        assert_eq!((report.read, report.imported), (3, 2), "{report:?}");
        assert_eq!(report.warnings.len(), 1, "{report:?}");
        let warning = &report.warnings[0];
        assert!(warning.position.starts_with("record 1 "), "{warning:?}");
        assert!(
            warning.reason.starts_with("record 3 ") && warning.reason.contains("(twice)"),
            "{warning:?}"
        );
        let title: String = store
            .conn()
            .query_row(
                "SELECT title FROM records WHERE id = 'src:twice'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(title, "The later");
    }

    #[test]
    fn a_large_file_read_in_shares_reads_as_one_pass_does() {
        // More records than are read on one thread, with bad ones, holdings records and a
        // UNIMARC-looking one spread over the file (the shares' edges included).
        let n = SHARED_FROM * 2 + 7;
        let mut data = Vec::new();
        for i in 0..n {
            let control = format!("r{i}");
            match i % 997 {
                13 => data.extend_from_slice(b"short\x1d"),
                500 => data.extend(marc('x', &[("001", &format!("h{i}")), ("004", "r1")])),
                700 => data.extend(marc(
                    'x',
                    &[("001", &format!("h{i}")), ("004", "r1"), ("852", "$aMAIN")],
                )),
                _ => data.extend(marc(
                    'a',
                    &[
                        ("001", &control),
                        ("245", &format!("$aTitle {i}")),
                        ("852", "$aMAIN$hQA76 .X1"),
                    ],
                )),
            }
        }
        let raws: Vec<iso2709::Raw<'_>> = iso2709::split(&data).collect();
        assert!(raws.len() >= SHARED_FROM);
        let file = Path::new("input.mrc");
        let shares = read_iso2709(file, &raws);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(shares.len(), cores.min(4), "one share per core");
        let one = read_share(file, 0, &raws);
        let positions = |v: &[Incoming]| v.iter().map(|x| x.position.clone()).collect::<Vec<_>>();
        let mut incoming = Vec::new();
        let mut rejected = Vec::new();
        let mut routed_out = Vec::new();
        let mut held = Vec::new();
        let (mut read, mut unimarc) = (0, 0);
        for share in shares {
            read += share.read;
            unimarc += share.unimarc;
            incoming.extend(share.incoming);
            rejected.extend(share.rejected);
            routed_out.extend(share.routed_out);
            held.extend(share.held.into_iter().map(|h| h.position));
        }
        assert_eq!(read, n);
        assert_eq!((read, unimarc), (one.read, one.unimarc));
        assert_eq!(positions(&incoming), positions(&one.incoming));
        assert_eq!(
            incoming
                .iter()
                .map(|x| &x.record.description.title)
                .collect::<Vec<_>>(),
            one.incoming
                .iter()
                .map(|x| &x.record.description.title)
                .collect::<Vec<_>>()
        );
        assert_eq!(rejected, one.rejected);
        assert_eq!(routed_out, one.routed_out);
        assert_eq!(
            held,
            one.held.into_iter().map(|h| h.position).collect::<Vec<_>>()
        );
        assert!(
            !rejected.is_empty() && !routed_out.is_empty(),
            "{} rejected, {} routed out, {} held",
            rejected.len(),
            routed_out.len(),
            held.len()
        );
        // Positions count from the start of the file in every share.
        assert_eq!(
            incoming
                .last()
                .map(|x| x.position.starts_with(&format!("record {n} "))),
            Some(true)
        );
    }

    #[test]
    fn a_bulk_write_checks_what_the_cache_constrains_itself() {
        let store = Store::open_in_memory().unwrap();
        let record = CatalogueRecord {
            description: crate::catalogue::Description {
                title: "Tides".into(),
                language: "eng".into(),
                ..Default::default()
            },
            format: None,
            holdings: vec![crate::catalogue::Holding {
                library: "central".into(),
                call_number: "GC 301".into(),
                location: String::new(),
                status: "lost",
                due_date: None,
            }],
        };
        let write = |format: &str| {
            store.bulk_checked_by_caller(|| {
                let tx = store.write().unwrap();
                let saved = save(
                    &tx,
                    "src:t1",
                    "import",
                    &record,
                    &Original { format, body: b"x" },
                    "2026-12-02T00:00:00Z",
                    &mut Saving::new(&tx).unwrap(),
                );
                tx.commit().unwrap();
                saved
            })
        };
        let refused = write("bogus").unwrap_err().to_string();
        assert!(refused.contains("CHECK constraint failed"), "{refused}");
        assert_eq!(write("marc21").unwrap().0, Saved::New);
        let status: String = store
            .conn()
            .query_row("SELECT status FROM holdings", [], |r| r.get(0))
            .unwrap();
        assert_eq!(status, "unknown", "a status the cache does not know");
        // Outside a bulk write SQLite checks again.
        let err = store
            .conn()
            .execute("UPDATE holdings SET status = 'lost'", [])
            .unwrap_err();
        assert!(err.to_string().contains("CHECK"), "{err}");
    }

    fn holdings_of(store: &Store, record: &str) -> Vec<(String, String, String)> {
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT library_id, call_number, location FROM holdings WHERE record_id = ?1
                 ORDER BY library_id, call_number",
            )
            .unwrap();
        stmt.query_map([record], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// MARC 21 holdings records (leader type u–y) put their 852/866 holdings on the record
    /// their 004 names: before or after it in one file, or in an earlier import (kept and
    /// reported until the record arrives), and again when the record is imported anew.
    #[test]
    fn holdings_records_attach_to_their_record_wherever_they_come() {
        let store = Store::open_in_memory().unwrap();
        let file = Path::new("holdings.mrc");
        let bib = |id: &str, title: &str| {
            marc(
                'a',
                &[
                    ("001", id),
                    ("245", &format!("$a{title}")),
                    ("852", "$amain$hQA76$i.K5"),
                ],
            )
        };
        let hold = |id: &str, target: &str, library: &str| {
            marc(
                'x',
                &[
                    ("001", id),
                    ("004", target),
                    ("852", &format!("$a{library}$bStacks$hQA76$i.K5")),
                    ("866", "$av.1-3 (1968-1973)"),
                ],
            )
        };
        // In one file: one holdings record before its record, one after.
        let one_file = [
            hold("h1", "b1", "east"),
            bib("b1", "The Art of Computer Programming"),
            hold("h2", "b1", "west"),
        ]
        .concat();
        let r = import_bytes(&store, file, &one_file, &mut |_| {}, &mut ()).unwrap();
        assert_eq!((r.read, r.imported, r.holdings_records), (3, 1, 2), "{r:?}");
        assert!(r.rejected.is_empty() && r.warnings.is_empty(), "{r:?}");
        assert_eq!(
            holdings_of(&store, "src:b1"),
            [
                (
                    "east".into(),
                    "QA76 .K5".into(),
                    "Stacks · v.1-3 (1968-1973)".into()
                ),
                ("main".into(), "QA76 .K5".into(), "".into()),
                (
                    "west".into(),
                    "QA76 .K5".into(),
                    "Stacks · v.1-3 (1968-1973)".into()
                ),
            ]
        );
        // Across imports: the holdings record first is an orphan, kept and reported ...
        let r = import_bytes(
            &store,
            file,
            &hold("h3", "b2", "north"),
            &mut |_| {},
            &mut (),
        )
        .unwrap();
        assert_eq!(
            (r.imported, r.holdings_records, r.warnings.len()),
            (0, 1, 1),
            "{r:?}"
        );
        assert!(r.warnings[0].reason.contains("`b2`"), "{r:?}");
        // ... and attaches when its record arrives.
        import_bytes(
            &store,
            file,
            &bib("b2", "Concrete Mathematics"),
            &mut |_| {},
            &mut (),
        )
        .unwrap();
        assert_eq!(holdings_of(&store, "src:b2")[1].0, "north");
        // The record imported anew (changed) keeps the holdings of its holdings records.
        import_bytes(
            &store,
            file,
            &bib("b1", "The Art of Computer Programming, 3rd ed."),
            &mut |_| {},
            &mut (),
        )
        .unwrap();
        assert_eq!(holdings_of(&store, "src:b1").len(), 3);
        // The same holdings record again changes nothing; one without a 004 is refused.
        let again = import_bytes(
            &store,
            file,
            &hold("h2", "b1", "west"),
            &mut |_| {},
            &mut (),
        )
        .unwrap();
        assert_eq!(holdings_of(&store, "src:b1").len(), 3, "{again:?}");
        let bad = marc('y', &[("001", "h9"), ("852", "$aeast")]);
        let r = import_bytes(&store, file, &bad, &mut |_| {}, &mut ()).unwrap();
        assert!(r.rejected[0].reason.contains("without a 004"), "{r:?}");
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

    #[test]
    fn an_xml_records_original_is_its_element_as_sent() {
        let marc = r#"<marc:record>
      <marc:leader>00000nam a2200000 a 4500</marc:leader>
      <marc:controlfield tag="001">x-1</marc:controlfield>
      <marc:datafield tag="245" ind1="0" ind2="0"><marc:subfield code="a">Tides &amp; currents</marc:subfield></marc:datafield>
    </marc:record>"#;
        let collection = format!(
            "<?xml version=\"1.0\"?>\n<marc:collection xmlns:marc=\"http://www.loc.gov/MARC21/slim\">\n    {marc}\n</marc:collection>\n"
        );
        let dc = r#"<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Salt marshes</dc:title></oai_dc:dc>"#;
        let oai = format!(
            r#"<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header><identifier>oai:x:9</identifier></header><metadata>{dc}</metadata></record></ListRecords></OAI-PMH>"#
        );
        let store = Store::open_in_memory().unwrap();
        for data in [collection.as_bytes(), oai.as_bytes()] {
            let report =
                import_bytes(&store, Path::new("input"), data, &mut |_| {}, &mut ()).unwrap();
            assert_eq!(report.imported, 1, "{report:?}");
        }
        let marc_original = crate::catalogue::originals::original(store.conn(), "src:x-1")
            .unwrap()
            .unwrap();
        assert_eq!(marc_original.format, "marcxml");
        assert_eq!(String::from_utf8(marc_original.body).unwrap(), marc);
        let dc_original = crate::catalogue::originals::original(store.conn(), "src:oai:x:9")
            .unwrap()
            .unwrap();
        assert_eq!(dc_original.format, "oai_dc");
        assert_eq!(String::from_utf8(dc_original.body).unwrap(), dc);
        // The same bytes again: nothing changes.
        let again = import_bytes(
            &store,
            Path::new("input"),
            collection.as_bytes(),
            &mut |_| {},
            &mut (),
        )
        .unwrap();
        assert_eq!(again.unchanged, 1, "{again:?}");
    }

    /// So is a MARC-in-JSON record's: its object as the file has it, spacing and all.
    #[test]
    fn a_json_records_original_is_its_object_as_sent() {
        let record = r#"{ "leader": "00000nam a2200000 a 4500",
      "fields": [ {"001": "j-1"}, {"245": {"ind1": "0", "ind2": "0", "subfields": [{"a": "Dunes \u0026 deltas"}]}} ] }"#;
        let file = format!("[\n  {record}\n]\n");
        let store = Store::open_in_memory().unwrap();
        let report = import_bytes(
            &store,
            Path::new("input.json"),
            file.as_bytes(),
            &mut |_| {},
            &mut (),
        )
        .unwrap();
        assert_eq!(report.imported, 1, "{report:?}");
        let original = crate::catalogue::originals::original(store.conn(), "src:j-1")
            .unwrap()
            .unwrap();
        assert_eq!(original.format, "marc-in-json");
        assert_eq!(String::from_utf8(original.body).unwrap(), record);
    }
}
