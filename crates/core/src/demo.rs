//! The embedded demo consortium and seeding the cache from it.
//!
//! With no hub configured, a new cache is filled from the files in `assets/demo/`, compiled
//! into the binary so a fresh install needs nothing else. Seeding runs in one transaction and
//! records `seeded_at` in the same transaction, so it happens exactly once: a second start, or a
//! start after a crash half-way through, sees either a complete demo consortium or none.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::store::{Store, StoreError};

const CONSORTIUM: &str = include_str!("../../../assets/demo/consortium.json");
const CATALOGUE: &str = include_str!("../../../assets/demo/catalogue.json");
const RESOURCES: &str = include_str!("../../../assets/demo/resources.json");
const LIBRARIANS: &str = include_str!("../../../assets/demo/librarians.json");
const DOCUMENTS: &str = include_str!("../../../assets/demo/documents.json");
const CONSULTATION_TYPES: &str = include_str!("../../../assets/demo/consultation_types.json");
/// The Shanghai centre library's catalogue in CNMARC (ISO 2709), read as `commons import`
/// reads a file.
const SHANGHAI_CNMARC: &[u8] = include_bytes!("../../../assets/demo/shanghai.cnmarc");
const PDFS: &[(&str, &[u8])] = &[
    (
        "citing-sources.pdf",
        include_bytes!("../../../assets/demo/documents/citing-sources.pdf"),
    ),
    (
        "literature-review.pdf",
        include_bytes!("../../../assets/demo/documents/literature-review.pdf"),
    ),
    (
        "research-data.pdf",
        include_bytes!("../../../assets/demo/documents/research-data.pdf"),
    ),
    (
        "statistics-software.pdf",
        include_bytes!("../../../assets/demo/documents/statistics-software.pdf"),
    ),
    (
        "reference-desk-questions.pdf",
        include_bytes!("../../../assets/demo/documents/reference-desk-questions.pdf"),
    ),
];

/// The librarian account of the demo consortium (documented in the README; demo data only).
pub const DEMO_USERNAME: &str = "librarian";
pub const DEMO_PASSWORD: &str = "meridian-demo";
pub const DEMO_LIBRARIAN: &str = "lib-okafor";

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("the embedded demo data is invalid ({file}): {detail}")]
    Asset { file: &'static str, detail: String },
    #[error("the search index cannot be built: {0}")]
    Index(String),
    #[error("cannot write the document store {path}: {source}")]
    Documents {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SeedError {
    pub fn code(&self) -> &'static str {
        match self {
            SeedError::Asset { .. } => "demo_data_invalid",
            SeedError::Documents { .. } => "documents_unwritable",
            SeedError::Index(_) => "search_index",
            SeedError::Store(e) => e.code(),
        }
    }
}

/// What seeding is doing, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedStage {
    Libraries,
    Disciplines,
    Catalogue,
    Resources,
    Librarians,
    Documents,
    /// Building the search index (after seeding, or when it is out of step with the cache).
    SearchIndex,
}

/// One progress report: `done` of `total` units of work, all stages together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedProgress {
    pub stage: SeedStage,
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Consortium {
    pub name: String,
    pub name_zh: String,
    pub libraries: Vec<Library>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Library {
    pub id: String,
    pub parent: Option<String>,
    pub kind: String,
    pub name: String,
    pub name_zh: String,
    pub city: String,
    pub city_zh: String,
    pub time_zone: String,
}

#[derive(Debug, Deserialize)]
struct Record {
    id: String,
    title: String,
    subtitle: Option<String>,
    authors: Vec<String>,
    publisher: Option<String>,
    place: Option<String>,
    year: Option<i64>,
    language: String,
    format: String,
    isbn: Option<String>,
    lcc: Option<String>,
    ddc: Option<String>,
    clc: Option<String>,
    subjects: Vec<String>,
    summary: Option<String>,
    holdings: Vec<Holding>,
}

#[derive(Debug, Deserialize)]
struct Holding {
    id: String,
    library: String,
    call_number: String,
    location: String,
    status: String,
    due: Option<String>,
}

use crate::disciplines::curate::SharedResource as Resource;

#[derive(Debug, Deserialize)]
struct Librarian {
    id: String,
    name: String,
    email: String,
    library: String,
    subjects: Vec<String>,
    languages: Vec<String>,
    disciplines: Vec<String>,
    hours: Vec<Hours>,
}

#[derive(Debug, Deserialize)]
struct Hours {
    weekday: i64,
    starts: String,
    ends: String,
}

#[derive(Debug, Deserialize)]
struct ConsultationType {
    id: String,
    name: String,
    name_zh: String,
    minutes: i64,
    buffer_before: i64,
    buffer_after: i64,
    min_notice_minutes: i64,
    window_days: i64,
    cancel_cutoff_minutes: i64,
    capacity: i64,
}

#[derive(Debug, Deserialize)]
struct Document {
    file: String,
    title: String,
    discipline: String,
    pages: i64,
}

fn parse<T: for<'de> Deserialize<'de>>(file: &'static str, text: &str) -> Result<T, SeedError> {
    serde_json::from_str(text).map_err(|e| SeedError::Asset {
        file,
        detail: e.to_string(),
    })
}

pub(crate) fn consortium() -> Result<Consortium, SeedError> {
    parse("consortium.json", CONSORTIUM)
}

/// Whether the cache already holds the demo consortium (or data from a hub).
pub fn is_seeded(store: &Store) -> Result<bool, StoreError> {
    store
        .conn()
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM meta WHERE key = 'seeded_at')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| store.err(e))
}

/// Prepares a production cache: the shipped discipline tree, and the cache marked as this
/// library's own (`source = local`), in one transaction. Never adds demo data.
pub fn prepare_production(store: &Store) -> Result<(), SeedError> {
    let sql = |e| store.err(e);
    let tx = store.write().map_err(sql)?;
    crate::disciplines::ensure_taxonomy(&tx).map_err(sql)?;
    tx.execute(
        "INSERT INTO meta(key, value) VALUES ('source', 'local') ON CONFLICT(key) DO NOTHING",
        [],
    )
    .map_err(sql)?;
    tx.commit().map_err(sql)?;
    Ok(())
}

/// The tables the demo consortium fills, children before parents: everything but the
/// shipped discipline tree, the per-workstation settings and the schema's own bookkeeping.
pub const DATA_TABLES: [&str; 21] = [
    "bookings",
    "hub_bookings",
    "librarian_exceptions",
    "librarian_hours",
    "librarian_disciplines",
    "accounts",
    "librarians",
    "consultation_types",
    "resource_documents",
    "resource_audit",
    "resource_disciplines",
    "resources",
    "document_pages",
    "documents",
    "holdings",
    "holdings_records",
    "record_disciplines",
    "records",
    "original_dictionaries",
    "library_holdings",
    "libraries",
];

/// What [`remove`] took out of the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// Rows per table, in [`DATA_TABLES`]' order, tables left empty omitted.
    pub rows: Vec<(&'static str, u64)>,
    /// Document files deleted from the store.
    pub files: u64,
}

impl Removed {
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

/// Takes everything the demo seeded out of a cache that holds it (records, holdings,
/// libraries, resources, documents, librarians, types, accounts, bookings), in one
/// transaction, and then the demo's document files; `None`, touching nothing, when the cache
/// does not hold the demo consortium. What a demo workstation did since (imports, bookings,
/// accounts) is demo data too and goes with it. The search index is rebuilt on its next
/// open (the catalogue's generation moves on).
pub fn remove(store: &Store, documents_dir: &Path) -> Result<Option<Removed>, SeedError> {
    let sql = |e| store.err(e);
    let source = crate::consortium::meta_value(store, "source").map_err(SeedError::Store)?;
    if source.as_deref() != Some("demo") {
        return Ok(None);
    }
    let tx = store.write().map_err(sql)?;
    let files: Vec<String> = tx
        .prepare("SELECT sha256 FROM documents")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect())
        .map_err(sql)?;
    let mut removed = Removed::default();
    for table in DATA_TABLES {
        let n = tx
            .execute(&format!("DELETE FROM {table}"), [])
            .map_err(sql)?;
        if n > 0 {
            removed.rows.push((table, n as u64));
        }
    }
    tx.execute(
        "DELETE FROM meta WHERE key IN ('source', 'seeded_at', 'consortium_name',
             'consortium_name_zh', 'refreshed_at', 'hub_cursor', 'hub_synced_at')",
        [],
    )
    .map_err(sql)?;
    crate::search::index::bump_generation(&tx).map_err(sql)?;
    tx.commit().map_err(sql)?;
    for sha in files {
        let path = crate::documents::path_of(documents_dir, &sha);
        if std::fs::remove_file(&path).is_ok() {
            removed.files += 1;
        }
    }
    Ok(Some(removed))
}

/// Fills an empty cache with the demo consortium and writes the demo documents into the
/// content-addressed store under `documents_dir`. Returns `false`, touching nothing, when the
/// cache is already seeded.
pub fn seed(
    store: &Store,
    documents_dir: &Path,
    progress: &mut dyn FnMut(SeedProgress),
) -> Result<bool, SeedError> {
    if is_seeded(store)? {
        return Ok(false);
    }
    let consortium = consortium()?;
    let disciplines = crate::disciplines::taxonomy();
    let records: Vec<Record> = parse("catalogue.json", CATALOGUE)?;
    let resources: Vec<Resource> = parse("resources.json", RESOURCES)?;
    let librarians: Vec<Librarian> = parse("librarians.json", LIBRARIANS)?;
    let types: Vec<ConsultationType> = parse("consultation_types.json", CONSULTATION_TYPES)?;
    let documents: Vec<Document> = parse("documents.json", DOCUMENTS)?;
    let total = (consortium.libraries.len()
        + disciplines.len()
        + records.len()
        + crate::catalogue::marc::iso2709::split(SHANGHAI_CNMARC).count()
        + resources.len()
        + librarians.len()
        + documents.len()) as u64;
    let mut done = 0u64;
    let mut report = |stage: SeedStage, n: u64, force: bool| {
        done += n;
        if force || done.is_multiple_of(250) {
            progress(SeedProgress { stage, done, total });
        }
    };
    report(SeedStage::Libraries, 0, true);

    let now = jiff::Timestamp::now().to_string();
    let tx = store.write().map_err(|e| store.err(e))?;
    let sql = |e: rusqlite::Error| store.err(e);
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO libraries(id, parent_id, kind, name, name_zh, city, city_zh, time_zone, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(sql)?;
        for (i, l) in consortium.libraries.iter().enumerate() {
            if jiff::tz::TimeZone::get(&l.time_zone).is_err() {
                return Err(SeedError::Asset {
                    file: "consortium.json",
                    detail: format!("unknown time zone `{}` for {}", l.time_zone, l.id),
                });
            }
            insert
                .execute((
                    &l.id,
                    &l.parent,
                    &l.kind,
                    &l.name,
                    &l.name_zh,
                    &l.city,
                    &l.city_zh,
                    &l.time_zone,
                    i as i64,
                ))
                .map_err(sql)?;
            report(SeedStage::Libraries, 1, false);
        }
    }
    let added = crate::disciplines::ensure_taxonomy(&tx).map_err(sql)?;
    report(SeedStage::Disciplines, added as u64, false);
    report(SeedStage::Catalogue, 0, true);
    {
        // Each record's original is its union record, as the hub would send it: the cache
        // reads what it describes from there, as it does for every record.
        let mut record = tx
            .prepare(
                "INSERT INTO records(id, source, title, subtitle, authors, year, language, format,
                     updated_at, original_format, original_packed, original)
                 VALUES (?1, 'demo', ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'hub', 0, ?9)",
            )
            .map_err(sql)?;
        let mut holding = tx
            .prepare(
                "INSERT INTO holdings(id, record_id, library_id, call_number, location, status, due_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(sql)?;
        for r in &records {
            let asset = |detail: String| SeedError::Asset {
                file: "catalogue.json",
                detail: format!("{}: {detail}", r.id),
            };
            let format: crate::catalogue::Format =
                serde_json::from_value(serde_json::Value::from(r.format.as_str()))
                    .map_err(|e| asset(format!("format `{}`: {e}", r.format)))?;
            let union = crate::catalogue::union::UnionRecord {
                id: r.id.clone(),
                format,
                description: crate::catalogue::Description {
                    title: r.title.clone(),
                    subtitle: r.subtitle.clone(),
                    authors: r.authors.clone(),
                    publisher: r.publisher.clone(),
                    place: r.place.clone(),
                    year: r.year,
                    language: r.language.clone(),
                    isbns: r.isbn.iter().cloned().collect(),
                    lcc: r.lcc.clone(),
                    ddc: r.ddc.clone(),
                    clc: r.clc.clone(),
                    subjects: r.subjects.clone(),
                    summary: r.summary.clone(),
                    ..Default::default()
                },
                holdings: r
                    .holdings
                    .iter()
                    .map(|h| crate::catalogue::union::UnionHolding {
                        library: h.library.clone(),
                        call_number: h.call_number.clone(),
                        location: h.location.clone(),
                        status: h.status.clone(),
                        due_date: h.due.clone(),
                    })
                    .collect(),
                sources: Vec::new(),
            };
            let original = serde_json::to_vec(&union).map_err(|e| asset(e.to_string()))?;
            let authors = serde_json::to_string(&r.authors).unwrap_or_else(|_| "[]".into());
            record
                .execute(rusqlite::params![
                    r.id, r.title, r.subtitle, authors, r.year, r.language, r.format, now, original
                ])
                .map_err(sql)?;
            // The demo's records get their disciplines as imported ones do.
            crate::disciplines::assign(
                &tx,
                &r.id,
                true,
                r.lcc.as_deref(),
                r.ddc.as_deref(),
                r.clc.as_deref(),
            )
            .map_err(sql)?;
            for h in &r.holdings {
                holding
                    .execute((
                        &h.id,
                        &r.id,
                        &h.library,
                        &h.call_number,
                        &h.location,
                        &h.status,
                        &h.due,
                    ))
                    .map_err(sql)?;
            }
            report(SeedStage::Catalogue, 1, false);
        }
    }
    // The Shanghai centre library catalogues in CNMARC: its records go through the reader and
    // mapping imports use.
    {
        let mut saving = crate::catalogue::import::Saving::new(&tx).map_err(sql)?;
        for (i, raw) in crate::catalogue::marc::iso2709::split(SHANGHAI_CNMARC).enumerate() {
            let parsed = crate::catalogue::marc::iso2709::parse(raw.bytes).map_err(|detail| {
                SeedError::Asset {
                    file: "shanghai.cnmarc",
                    detail: format!("record {}: {detail}", i + 1),
                }
            })?;
            let record = crate::catalogue::CatalogueRecord::from_record(&parsed.record);
            let control = parsed.record.control("001").unwrap_or_default().to_owned();
            crate::catalogue::import::save(
                &tx,
                &format!("src:{control}"),
                "demo",
                &record,
                &crate::catalogue::import::Original {
                    format: "marc21",
                    body: raw.bytes,
                },
                &now,
                &mut saving,
            )
            .map_err(sql)?;
            report(SeedStage::Catalogue, 1, false);
        }
    }
    report(SeedStage::Resources, 0, true);
    for r in &resources {
        crate::disciplines::curate::upsert_shared(&tx, r).map_err(sql)?;
        report(SeedStage::Resources, 1, false);
    }
    {
        let mut librarian = tx
            .prepare(
                "INSERT INTO librarians(id, name, email, library_id, subjects, languages)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(sql)?;
        let mut discipline = tx
            .prepare(
                "INSERT INTO librarian_disciplines(librarian_id, discipline_id) VALUES (?1, ?2)",
            )
            .map_err(sql)?;
        let mut hours = tx
            .prepare(
                "INSERT INTO librarian_hours(librarian_id, weekday, starts, ends) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(sql)?;
        for l in &librarians {
            let subjects = serde_json::to_string(&l.subjects).unwrap_or_else(|_| "[]".into());
            let languages = serde_json::to_string(&l.languages).unwrap_or_else(|_| "[]".into());
            librarian
                .execute((&l.id, &l.name, &l.email, &l.library, subjects, languages))
                .map_err(sql)?;
            for d in &l.disciplines {
                discipline.execute((&l.id, d)).map_err(sql)?;
            }
            for h in &l.hours {
                hours
                    .execute((&l.id, h.weekday, &h.starts, &h.ends))
                    .map_err(sql)?;
            }
            report(SeedStage::Librarians, 1, false);
        }
    }
    report(SeedStage::Documents, 0, true);
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO documents(sha256, title, file_name, bytes, pages, discipline_id, added_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(sql)?;
        for d in &documents {
            let bytes = PDFS
                .iter()
                .find(|(name, _)| *name == d.file)
                .map(|(_, b)| *b)
                .ok_or_else(|| SeedError::Asset {
                    file: "documents.json",
                    detail: format!("{} is listed but not embedded", d.file),
                })?;
            let sha = store_document(documents_dir, bytes)?;
            insert
                .execute((
                    &sha,
                    &d.title,
                    &d.file,
                    bytes.len() as i64,
                    d.pages,
                    &d.discipline,
                    &now,
                ))
                .map_err(sql)?;
            report(SeedStage::Documents, 1, false);
        }
    }
    for (i, t) in types.iter().enumerate() {
        tx.execute(
            "INSERT INTO consultation_types(id, name, name_zh, minutes, buffer_before, buffer_after,
                 min_notice_minutes, window_days, cancel_cutoff_minutes, capacity, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            rusqlite::params![
                t.id,
                t.name,
                t.name_zh,
                t.minutes,
                t.buffer_before,
                t.buffer_after,
                t.min_notice_minutes,
                t.window_days,
                t.cancel_cutoff_minutes,
                t.capacity,
                i as i64
            ],
        )
        .map_err(sql)?;
    }
    // The demo's librarian account, so librarian mode can be tried (demo data only): it is
    // Adaeze Okafor's, so her desk can be run too.
    crate::accounts::create_in(
        &tx,
        DEMO_USERNAME,
        "Adaeze Okafor",
        DEMO_PASSWORD,
        Some(DEMO_LIBRARIAN),
    )
    .map_err(|e| SeedError::Asset {
        file: "demo account",
        detail: format!("{e:?}"),
    })?;
    crate::search::index::bump_generation(&tx).map_err(sql)?;
    tx.execute_batch("PRAGMA foreign_key_check").map_err(sql)?;
    for (key, value) in [
        ("consortium_name", consortium.name.as_str()),
        ("consortium_name_zh", consortium.name_zh.as_str()),
        ("source", "demo"),
        ("seeded_at", now.as_str()),
        ("refreshed_at", now.as_str()),
    ] {
        tx.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        .map_err(sql)?;
    }
    tx.commit().map_err(sql)?;
    progress(SeedProgress {
        stage: SeedStage::Documents,
        done: total,
        total,
    });
    Ok(true)
}

/// Writes `bytes` to the content-addressed store (`<dir>/<first two hex digits>/<sha256>.pdf`)
/// unless already there, and returns the SHA-256 in hex.
pub fn store_document(dir: &Path, bytes: &[u8]) -> Result<String, SeedError> {
    let sha = commons_protocol::Sha256::of(bytes).to_string();
    let shard = dir.join(&sha[..2]);
    let path = shard.join(format!("{sha}.pdf"));
    if path.exists() {
        return Ok(sha);
    }
    let io = |source| SeedError::Documents {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(&shard).map_err(io)?;
    let partial = shard.join(format!("{sha}.partial"));
    std::fs::write(&partial, bytes).map_err(io)?;
    std::fs::rename(&partial, &path).map_err(io)?;
    Ok(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(store: &Store, table: &str) -> i64 {
        store
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn seeds_once_with_progress_and_documents() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        let mut reports = Vec::new();
        assert!(
            seed(&store, &dir.path().join("documents"), &mut |p| reports
                .push(p))
            .unwrap()
        );
        let last = reports.last().unwrap();
        assert_eq!(last.done, last.total);
        assert!(reports.len() > 5, "progress is reported as seeding goes");
        assert!(reports.windows(2).all(|w| w[0].done <= w[1].done));

        assert!(count(&store, "records") >= 2000);
        assert!(count(&store, "holdings") > count(&store, "records"));
        assert!(count(&store, "libraries") >= 4);
        assert!(count(&store, "disciplines") >= 14);
        assert!(count(&store, "resources") >= 20);
        assert!(count(&store, "librarians") >= 5);
        assert_eq!(count(&store, "documents"), PDFS.len() as i64);

        // Every document is in the content-addressed store, under its own hash.
        let shas: Vec<String> = store
            .conn()
            .prepare("SELECT sha256 FROM documents")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for sha in shas {
            let path = dir
                .path()
                .join("documents")
                .join(&sha[..2])
                .join(format!("{sha}.pdf"));
            let bytes = std::fs::read(&path).unwrap();
            assert!(bytes.starts_with(b"%PDF-"));
            assert_eq!(
                store_document(&dir.path().join("documents"), &bytes).unwrap(),
                sha
            );
        }

        // Second run: nothing changes, no progress is reported.
        let records = count(&store, "records");
        let mut again = Vec::new();
        assert!(
            !seed(&store, &dir.path().join("documents"), &mut |p| again
                .push(p))
            .unwrap()
        );
        assert!(again.is_empty());
        assert_eq!(count(&store, "records"), records);
    }

    /// The Shanghai centre library's CNMARC catalogue arrives through the UNIMARC reader:
    /// titles (some in traditional characters), CLC numbers placing each in a discipline,
    /// Chinese subject headings, holdings at Shanghai.
    #[test]
    fn the_cnmarc_catalogue_is_read_as_imports_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
        let (title, disciplines): (String, i64) = store
            .conn()
            .query_row(
                "SELECT r.title, (SELECT count(*) FROM record_disciplines d WHERE d.record_id = r.id)
                 FROM records r WHERE r.id = 'src:SH000001'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let described = crate::catalogue::detail::record(&store, "src:SH000001")
            .unwrap()
            .unwrap()
            .description;
        let clc = described.clc.unwrap_or_default();
        let subjects = serde_json::to_string(&described.subjects).unwrap();
        assert_eq!(title, "圖書館學概論");
        assert_eq!(clc, "G250");
        assert_eq!(subjects, r#"["图书馆学 -- 概论"]"#);
        assert_eq!(disciplines, 1);
        let unplaced: i64 = store
            .conn()
            .query_row(
                "SELECT count(*) FROM records r WHERE r.id LIKE 'src:SH%'
                 AND NOT EXISTS (SELECT 1 FROM record_disciplines d WHERE d.record_id = r.id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(unplaced, 0, "every CLC number names a discipline");
        let at_shanghai: i64 = store
            .conn()
            .query_row(
                "SELECT count(DISTINCT record_id) FROM holdings WHERE library_id = 'shanghai'
                 AND record_id LIKE 'src:SH%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(at_shanghai, 24);
    }

    #[test]
    fn demo_catalogue_is_realistic() {
        let records: Vec<Record> = parse("catalogue.json", CATALOGUE).unwrap();
        let cjk = records
            .iter()
            .filter(|r| {
                r.title
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            })
            .count();
        assert!(
            cjk * 20 > records.len(),
            "at least 5% CJK titles, got {cjk}"
        );
        for r in &records {
            assert!(!r.title.trim().is_empty());
            assert!(!r.holdings.is_empty(), "{} has no holdings", r.id);
            if let Some(isbn) = &r.isbn {
                let sum: u32 = isbn
                    .chars()
                    .filter_map(|c| c.to_digit(10))
                    .enumerate()
                    .map(|(i, d)| if i % 2 == 0 { d } else { 3 * d })
                    .sum();
                assert_eq!(sum % 10, 0, "{}: bad ISBN-13 check digit {isbn}", r.id);
            }
        }
    }
}
