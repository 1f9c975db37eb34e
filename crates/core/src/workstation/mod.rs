//! The workstation as the app sees it: its configuration and its cache, opened lazily and
//! prepared (seeded from the embedded demo consortium when standalone) once.
//!
//! This is the plain Rust API the desktop shell's commands and the command line call; it
//! holds no UI state.

mod bookings;
mod catalogue;
mod disciplines;
mod documents;
mod session;
mod sharing;
mod snapshot;
mod sync;
mod usage;

pub use sharing::{Found, OpenedCopy, Placement, QueueEntry, SharingContext};
pub use usage::{DocumentUse, ResourceUse, UsageEvent};

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use std::collections::HashMap;
use std::path::Path;

use crate::accounts::{self, Account, AccountError, Session};
use crate::bookings::BookingError;
use crate::catalogue::{ImportError, ImportReport, RecordDetail};
use crate::config::{Config, Language};
use crate::consortium::{self, Overview};
use crate::demo::{self, SeedError, SeedProgress, SeedStage};
use crate::disciplines::browse;
use crate::disciplines::curate::{self, CurateError};
use crate::links::{self, LinkError};
use crate::search::{SearchError, SearchIndex, SearchRequest, SearchResults};
use crate::settings;
use crate::store::{self, Store, StoreError};
use jiff::Timestamp;

/// Display names of facet values that are ids (libraries, disciplines): English, Chinese.
pub type Labels = HashMap<(String, String), (String, String)>;

/// A workstation: configuration plus the cache once it is open.
#[derive(Debug)]
pub struct Workstation {
    config: Config,
    store: Mutex<Option<Store>>,
    index: Mutex<Option<SearchIndex>>,
    /// Held by whatever writes the search index (an import, a sync, a rebuild, a snapshot
    /// copying it): tantivy has one writer, and a second one would fail on its lock instead
    /// of waiting its turn. Taken before the store, never while holding it.
    writing: Mutex<()>,
    /// The signed-in librarian, if any.
    session: Mutex<Session>,
    /// The documents' page index, once opened.
    page_index: Mutex<Option<crate::documents::pages::PageIndex>>,
    /// Set while background extraction runs; `cancel_extraction` asks it to stop.
    extracting: AtomicBool,
    cancel: AtomicBool,
    /// How syncing with the hub goes.
    sync: Mutex<SyncStatus>,
    /// Set once the background sync loop runs; the flag and condvar wake it early.
    sync_loop: AtomicBool,
    sync_wake: (Mutex<bool>, std::sync::Condvar),
    /// The signed-in librarian's session on the hub, when there is one.
    hub_session: Mutex<Option<String>>,
    /// The files this patron session saved (exports, calendars), deleted when it finishes.
    session_files: Mutex<Vec<PathBuf>>,
    /// Failed sign-ins per user name on this workstation.
    sign_in_throttle: Mutex<commons_protocol::throttle::Throttle>,
    /// What the patron session has counted for usage statistics.
    tally: Mutex<usage::Tally>,
    /// The last health checks (`commons doctor`'s), told to the hub after each sync.
    health: Mutex<Option<(Timestamp, Vec<crate::doctor::Check>)>>,
    /// Delivered copies this patron session opened (SHA-256 → title and bytes): in memory
    /// only, never in the store or the index, gone when the session finishes.
    copies: Mutex<HashMap<String, (String, Vec<u8>)>>,
}

/// How syncing with the hub goes, for the status line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// A hub is configured.
    pub configured: bool,
    /// A sync is running now.
    pub running: bool,
    /// The last attempt reached the hub (false before the first attempt).
    pub online: bool,
    /// Changes applied in the running (or last) sync.
    pub applied: u64,
    /// When the cache last caught up with the hub.
    pub synced_at: Option<Timestamp>,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Changes the last sync could not read (kept for the librarian, not fatal).
    pub skipped: Vec<String>,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pages: usize,
    pub records: usize,
    pub libraries: usize,
    /// Documents downloaded (their text is extracted next).
    pub documents: usize,
    /// Days of usage counts the hub took.
    pub usage_days: usize,
    pub skipped: Vec<String>,
}

impl Workstation {
    pub fn new(config: Config) -> Workstation {
        Workstation {
            config,
            store: Mutex::new(None),
            index: Mutex::new(None),
            writing: Mutex::new(()),
            session: Mutex::new(Session::default()),
            page_index: Mutex::new(None),
            extracting: AtomicBool::new(false),
            cancel: AtomicBool::new(false),
            sync: Mutex::new(SyncStatus::default()),
            sync_loop: AtomicBool::new(false),
            sync_wake: (Mutex::new(false), std::sync::Condvar::new()),
            hub_session: Mutex::new(None),
            session_files: Mutex::new(Vec::new()),
            sign_in_throttle: Mutex::new(commons_protocol::throttle::Throttle::new(
                accounts::FREE_FAILURES,
            )),
            tally: Mutex::new(usage::Tally::default()),
            health: Mutex::new(None),
            copies: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Option<Store>> {
        // A panic while holding the lock leaves the store in a consistent state (SQLite
        // transactions roll back), so a poisoned lock is safe to reuse.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `f` on the open cache, opening it first if needed.
    pub fn with_store<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut guard = self.lock();
        if guard.is_none() {
            *guard = Some(Store::open(&self.config.cache_path())?);
        }
        match guard.as_ref() {
            Some(store) => f(store),
            None => unreachable!("the store was just opened"),
        }
    }

    /// Opens the cache and, when it is empty, seeds it from the demo consortium (reporting
    /// progress); returns the home screen's overview.
    pub fn prepare(&self, progress: &mut dyn FnMut(SeedProgress)) -> Result<Overview, SeedError> {
        let documents = self.config.documents_dir();
        let index_dir = self.index_dir();
        let production = self.config.mode.value == crate::config::Mode::Production
            || self.config.hub_url.value.is_some();
        self.with_store(|store| {
            if production {
                // A library's own workstation or one joined to a hub: the discipline tree only;
                // records, resources and accounts come from `commons import`, `commons account
                // add` or the hub. A demo it held before is taken out first.
                if let Some(removed) = demo::remove(store, &documents)? {
                    tracing::info!(
                        rows = removed.total(),
                        files = removed.files,
                        "the demo consortium was removed"
                    );
                }
                demo::prepare_production(store)?;
            } else {
                demo::seed(store, &documents, progress)?;
            }
            // Personal data of past consultations goes on schedule.
            let purged = crate::bookings::purge(
                store,
                Timestamp::now(),
                self.config.booking_retention_days.value,
            )?;
            if purged > 0 {
                tracing::info!(purged, "personal data of past consultations purged");
            }
            crate::sharing::purge(
                store,
                Timestamp::now(),
                self.config.booking_retention_days.value,
            )?;
            let old = store::delete_set_aside(
                &self.config.cache_path(),
                self.config.booking_retention_days.value,
                Timestamp::now(),
            );
            if old > 0 {
                tracing::info!(
                    files = old,
                    "caches set aside before the retention period deleted"
                );
            }
            let (index, _) = SearchIndex::open(&index_dir, store, &mut |done, total| {
                progress(SeedProgress {
                    stage: SeedStage::SearchIndex,
                    done,
                    total,
                })
            })
            .map_err(|e| SeedError::Index(e.to_string()))?;
            *self
                .index
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(index);
            Ok(consortium::overview(store)?)
        })
    }

    /// Takes the demo consortium out of the cache, if the cache exists and holds it
    /// (`commons provision` does this; so does [`Workstation::prepare`] on a production or
    /// hub-connected workstation).
    pub fn remove_demo(&self) -> Result<Option<demo::Removed>, SeedError> {
        if !self.config.cache_path().exists() {
            return Ok(None);
        }
        let documents = self.config.documents_dir();
        self.with_store(|store| demo::remove(store, &documents))
    }

    /// Sets the unusable cache aside (keeping it for recovery) and builds a new one from the
    /// embedded data. Returns where the old cache now is, if there was one.
    pub fn rebuild(
        &self,
        progress: &mut dyn FnMut(SeedProgress),
    ) -> Result<(Option<PathBuf>, Overview), SeedError> {
        let path = self.config.cache_path();
        let aside = {
            let mut guard = self.lock();
            *guard = None; // close it before moving the file
            *self
                .index
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
            if path.exists() {
                Some(store::set_aside(&path)?)
            } else {
                None
            }
        };
        if let Some(aside) = &aside {
            tracing::warn!(from = %path.display(), to = %aside.display(), "cache set aside for rebuild");
        }
        Ok((aside, self.prepare(progress)?))
    }

    pub(super) fn index_dir(&self) -> PathBuf {
        self.config.data_dir.value.join("index")
    }

    /// The turn to write the search index (see `writing`), waited for.
    pub(super) fn writing(&self) -> MutexGuard<'_, ()> {
        self.writing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The turn to write the search index, if no one has it now.
    pub(super) fn writing_now(&self) -> Option<MutexGuard<'_, ()>> {
        match self.writing.try_lock() {
            Ok(guard) => Some(guard),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// Runs `f` with the open cache and search index (the cache must have been prepared).
    pub(super) fn with_index<T>(
        &self,
        f: impl FnOnce(&Store, &SearchIndex) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        self.with_store(|store| {
            let mut guard = self
                .index
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if guard.is_none() {
                *guard = Some(SearchIndex::open(&self.index_dir(), store, &mut |_, _| {})?.0);
            }
            match guard.as_ref() {
                Some(index) => f(store, index),
                None => unreachable!("the index was just opened"),
            }
        })
    }

    /// The consortium overview from the cache.
    pub fn overview(&self) -> Result<Overview, StoreError> {
        self.with_store(consortium::overview)
    }

    /// The language to show: the one chosen on this workstation, else the configured default.
    /// A cache that cannot be opened falls back to the configured default.
    pub fn language(&self) -> Language {
        self.with_store::<_, StoreError>(settings::language)
            .ok()
            .flatten()
            .unwrap_or(self.config.language.value)
    }

    /// Remembers the language a user chose.
    pub fn set_language(&self, language: Language) -> Result<(), StoreError> {
        self.with_store(|s| settings::set_language(s, language))
    }

    pub(super) fn session_files_slot(&self) -> MutexGuard<'_, Vec<PathBuf>> {
        self.session_files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The files this patron session saved, oldest first (those still there).
    pub fn session_files(&self) -> Vec<PathBuf> {
        let mut files = self.session_files_slot();
        files.retain(|p| p.exists());
        files.clone()
    }

    /// Opens a file this session saved (by its place in `session_files`).
    pub fn open_session_file(&self, index: usize) -> Result<(), LinkError> {
        let path = self
            .session_files()
            .get(index)
            .cloned()
            .ok_or_else(|| LinkError::Opener("no such file from this session".into()))?;
        links::open_file(&path, self.config.link_opener.value.as_deref())
    }

    /// Ends a patron's session ("Finish and clear", or the idle countdown): the files it
    /// saved are deleted, a librarian signed in is signed out (here and on the hub), and the
    /// language goes back to the configured one. What the page holds, it clears itself.
    /// Returns how many files were deleted.
    pub fn finish_session(&self) -> usize {
        self.finish_session_at(Timestamp::now())
    }

    /// [`Workstation::finish_session`] at `now` (the end of the session's counted time).
    pub fn finish_session_at(&self, now: Timestamp) -> usize {
        let files = std::mem::take(&mut *self.session_files_slot());
        self.copies_slot().clear();
        let mut deleted = 0;
        for f in &files {
            match std::fs::remove_file(f) {
                Ok(()) => deleted += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                // The name only: the path holds nothing of the patron, but keep logs lean.
                Err(e) => {
                    tracing::warn!(error = %e, "a file of the finished session could not be deleted")
                }
            }
        }
        self.sign_out();
        self.end_usage_session(now);
        if let Err(e) = self.with_store(settings::forget_language) {
            tracing::warn!(error = %e, "the language could not be reset");
        }
        tracing::info!(files = deleted, "patron session finished and cleared");
        deleted
    }
}

/// The instant `days` days ago.
/// What a failed desk action on the hub means for the librarian: the hub refusing it (the
/// booking's status, a code it does not know) is never reported as the hub out of reach.
pub(super) fn desk_refusal(e: crate::sync::SyncError, code: &str) -> BookingError {
    use commons_protocol::ApiCode;
    match e.refusal() {
        Some(r) if r.code == ApiCode::NotFound => BookingError::UnknownCode(code.to_owned()),
        Some(r) if r.code == ApiCode::WrongState => BookingError::WrongState(r.message.clone()),
        Some(r) if r.code == ApiCode::NotSignedIn => BookingError::DeskSignIn,
        Some(r) => BookingError::HubRefused(r.message.clone()),
        None if e.is_offline() => BookingError::HubUnreachable(e.to_string()),
        None => BookingError::HubRefused(e.to_string()),
    }
}

pub(super) fn since(days: Option<u32>) -> Option<Timestamp> {
    days.and_then(|d| {
        Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_hours(24 * i64::from(d)))
            .ok()
    })
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("none of the records to export is in the catalogue")]
    Nothing,
    #[error("cannot write the export to {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExportError {
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::Nothing => "not_found",
            ExportError::Write { .. } => "export_unwritable",
            ExportError::Store(e) => e.code(),
        }
    }
}

pub(super) fn labels(store: &Store) -> Result<Labels, StoreError> {
    let mut out = Labels::new();
    for (group, sql) in [
        ("library", "SELECT id, name, name_zh FROM libraries"),
        ("discipline", "SELECT id, name, name_zh FROM disciplines"),
        ("subdiscipline", "SELECT id, name, name_zh FROM disciplines"),
    ] {
        let mut stmt = store.conn().prepare_cached(sql).map_err(|e| store.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| store.err(e))?;
        for row in rows {
            let (id, en, zh) = row.map_err(|e| store.err(e))?;
            out.insert((group.to_owned(), id), (en, zh));
        }
    }
    Ok(out)
}

/// Sends a new item to the hub under `base`, or `base-2` … `base-5` while the hub answers that
/// the id is taken (another workstation added one of the same name meanwhile); the id last
/// tried and the hub's answer to it.
pub(super) fn send_under_free_id(
    base: &str,
    mut send: impl FnMut(&str) -> Result<Result<(), crate::sync::Refusal>, crate::sync::SyncError>,
) -> (
    String,
    Result<Result<(), crate::sync::Refusal>, crate::sync::SyncError>,
) {
    let mut id = base.to_owned();
    let mut answer = send(&id);
    for attempt in 2..=5 {
        if !matches!(answer, Ok(Err(crate::sync::Refusal::Taken))) {
            break;
        }
        id = format!("{base}-{attempt}");
        answer = send(&id);
    }
    (id, answer)
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    pub(super) fn workstation(dir: &Path, extra: &[(&str, &str)]) -> Workstation {
        let mut env: HashMap<String, String> = HashMap::new();
        env.insert("HOME".into(), dir.display().to_string());
        env.insert("COMMONS_SYSTEM_CONFIG".into(), "/nonexistent".into());
        env.insert(
            "COMMONS_DATA_DIR".into(),
            dir.join("data").display().to_string(),
        );
        for (k, v) in extra {
            env.insert((*k).into(), (*v).into());
        }
        Workstation::new(Config::load_with(&|k| env.get(k).cloned()).unwrap())
    }

    #[test]
    fn prepare_seeds_once_and_language_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[("COMMONS_UI_LANGUAGE", "zh-Hans")]);
        assert_eq!(
            ws.language(),
            Language::SimplifiedChinese,
            "configured default"
        );
        let mut reports = 0;
        let o = ws.prepare(&mut |_| reports += 1).unwrap();
        assert!(reports > 0);
        assert!(o.counts.records > 0);
        ws.set_language(Language::English).unwrap();
        drop(ws);

        let again = workstation(dir.path(), &[("COMMONS_UI_LANGUAGE", "zh-Hans")]);
        assert_eq!(
            again.language(),
            Language::English,
            "the user's choice wins"
        );
        let mut reports = 0;
        assert_eq!(again.prepare(&mut |_| reports += 1).unwrap(), o);
        assert_eq!(reports, 0, "a second start does not seed again");
    }

    /// A librarian's import while a first sync writes the search index waits for the sync's
    /// commit, then lands: tantivy has one writer, and the import used to fail on its lock.
    /// A writer in another process is reported as such.
    #[test]
    fn an_import_waits_for_the_sync_writing_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let ws = std::sync::Arc::new(workstation(dir.path(), &[]));
        ws.prepare(&mut |_| {}).unwrap();
        let file = dir.path().join("quokka.xml");
        std::fs::write(
            &file,
            "<collection><record><leader>00000nam a2200000 a 4500</leader>\
             <controlfield tag=\"001\">q1</controlfield>\
             <datafield tag=\"245\" ind1=\"0\" ind2=\"0\"><subfield code=\"a\">Quokkas of Rottnest</subfield></datafield>\
             </record></collection>",
        )
        .unwrap();

        // What a first sync holds while its pages come in: the turn to write and the writer.
        let writing = ws.writing();
        let indexing = ws.with_index(|store, index| index.indexing(store)).unwrap();
        let importer = {
            let ws = std::sync::Arc::clone(&ws);
            let file = file.clone();
            std::thread::spawn(move || ws.import(&file, &mut |_| {}))
        };
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(!importer.is_finished(), "the import waits for the sync");
        // Meanwhile a writer that does not wait its turn (another process) is told why.
        let busy = ws
            .with_index(|store, index| index.update(store, &["q1".to_owned()]))
            .unwrap_err();
        assert_eq!(busy.code(), "search_index_busy", "{busy}");
        assert!(
            busy.to_string().contains("another Commons process"),
            "{busy}"
        );
        ws.with_index(|store, index| indexing.commit(store, index))
            .unwrap();
        drop(writing);

        let report = importer.join().unwrap().unwrap();
        assert_eq!(report.imported, 1, "{report:?}");
        let (found, _) = ws
            .search(&SearchRequest {
                query: "quokkas".into(),
                limit: 5,
                ..SearchRequest::default()
            })
            .unwrap();
        assert_eq!(found.total, 1);
    }

    #[test]
    fn corrupt_cache_is_reported_then_rebuilt_keeping_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[]);
        let path = ws.config().cache_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"PK\x03\x04 not a cache at all".repeat(300)).unwrap();

        let err = ws.prepare(&mut |_| {}).unwrap_err();
        assert_eq!(err.code(), "cache_corrupt");
        assert_eq!(
            ws.language(),
            Language::English,
            "falls back to the default"
        );

        let (aside, overview) = ws.rebuild(&mut |_| {}).unwrap();
        let aside = aside.unwrap();
        assert!(std::fs::read(&aside).unwrap().starts_with(b"PK\x03\x04"));
        assert!(overview.counts.records > 0);
        assert_eq!(ws.overview().unwrap(), overview);
    }

    #[test]
    fn a_production_workstation_starts_empty_of_demo_data() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[("COMMONS_MODE", "production")]);
        let o = ws.prepare(&mut |_| {}).unwrap();
        assert_eq!(o.source, consortium::DataSource::Local);
        assert_eq!((o.counts.records, o.counts.librarians), (0, 0));
        assert!(o.libraries.is_empty());
        assert!(
            o.counts.disciplines > 0,
            "the discipline tree is there for imports"
        );
        assert!(matches!(
            ws.sign_in(demo::DEMO_USERNAME, demo::DEMO_PASSWORD),
            Err(AccountError::WrongCredentials)
        ));
        // Started again, still nothing of the demo.
        let again = workstation(dir.path(), &[("COMMONS_MODE", "production")]);
        assert_eq!(again.prepare(&mut |_| {}).unwrap().counts.records, 0);
    }

    /// A demo workstation provisioned to a hub keeps nothing of the demo: every table the
    /// demo filled is empty (checked one by one), its document files are gone, its account no
    /// longer signs in, and the search index finds nothing; the discipline tree stays.
    #[test]
    fn joining_a_hub_removes_every_demo_row() {
        let dir = tempfile::tempdir().unwrap();
        let demo_ws = workstation(dir.path(), &[]);
        demo_ws.prepare(&mut |_| {}).unwrap();
        let documents = demo_ws.config().documents_dir();
        let files = |dir: &Path| {
            walk(dir)
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
                .count()
        };
        assert!(files(&documents) > 0);
        let ty = demo_ws.consultation_types().unwrap()[0].id.clone();
        let slot = demo_ws.free_slots(demo::DEMO_LIBRARIAN, &ty).unwrap()[0];
        demo_ws
            .book(&crate::bookings::Request {
                librarian_id: demo::DEMO_LIBRARIAN.into(),
                type_id: ty,
                starts: Some(slot.starts),
                name: "Ada".into(),
                email: "ada@example.org".into(),
                topic: "Maps".into(),
                discipline_id: None,
                description: String::new(),
            })
            .unwrap();
        let counts = |ws: &Workstation| -> Vec<(&'static str, i64)> {
            ws.with_store(|s| {
                demo::DATA_TABLES
                    .iter()
                    .map(|t| {
                        s.conn()
                            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                            .map(|n| (*t, n))
                            .map_err(|e| s.err(e))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()
            })
            .unwrap()
        };
        let before = counts(&demo_ws);
        for table in [
            "records",
            "libraries",
            "librarians",
            "accounts",
            "bookings",
            "documents",
        ] {
            assert!(before.iter().any(|(t, n)| *t == table && *n > 0), "{table}");
        }
        drop(demo_ws);

        let ws = workstation(
            dir.path(),
            &[
                ("COMMONS_HUB_URL", "https://hub.example.org/"),
                ("COMMONS_HUB_TOKEN", "t"),
            ],
        );
        let removed = ws.remove_demo().unwrap().unwrap();
        assert_eq!(
            removed.total(),
            before.iter().map(|(_, n)| n.unsigned_abs()).sum::<u64>()
        );
        assert!(ws.remove_demo().unwrap().is_none(), "once");
        let o = ws.prepare(&mut |_| {}).unwrap();
        for (table, n) in counts(&ws) {
            assert_eq!(n, 0, "{table} still holds demo rows");
        }
        assert_eq!(files(&documents), 0, "the demo's document files are gone");
        assert_eq!(o.source, consortium::DataSource::Local);
        assert!(o.name.is_empty() && o.libraries.is_empty());
        assert!(o.counts.disciplines > 0, "the discipline tree stays");
        assert!(matches!(
            ws.sign_in(demo::DEMO_USERNAME, demo::DEMO_PASSWORD),
            Err(AccountError::WrongCredentials)
        ));
        let (found, _) = ws
            .search(&SearchRequest {
                query: "history".into(),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(found.total, 0, "the index was rebuilt without the demo");
    }

    /// Chinese readers' queries: simplified or traditional characters, or the pinyin the
    /// CNMARC records carry, each finds the record whatever script it is written in.
    #[test]
    fn simplified_traditional_and_pinyin_queries_find_the_same_records() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[]);
        ws.prepare(&mut |_| {}).unwrap();
        let table = [
            ("图书馆", "圖書館學概論"),
            ("圖書館", "圖書館學概論"),
            ("tu shu guan", "圖書館學概論"),
            ("wang ming", "圖書館學概論"),
            ("红楼梦", "紅樓夢研究"),
            ("紅樓夢", "紅樓夢研究"),
            ("hong lou meng", "紅樓夢研究"),
            ("台湾文学", "臺灣文學史"),
            ("心理学导论", "心理學導論"),
            ("数据结构", "数据结构与算法"),
            ("數據結構", "数据结构与算法"),
        ];
        for (query, title) in table {
            let (found, _) = ws
                .search(&SearchRequest {
                    query: query.into(),
                    limit: 20,
                    ..Default::default()
                })
                .unwrap();
            assert!(
                found.hits.iter().any(|h| h.title == title),
                "{query} → {:?}",
                found.hits.iter().map(|h| &h.title).collect::<Vec<_>>()
            );
        }
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn finishing_a_session_deletes_its_files_signs_out_and_resets_the_language() {
        let dir = tempfile::tempdir().unwrap();
        let downloads = dir.path().join("downloads");
        let ws = workstation(
            dir.path(),
            &[("XDG_DOWNLOAD_DIR", downloads.to_str().unwrap())],
        );
        ws.prepare(&mut |_| {}).unwrap();
        std::fs::create_dir_all(&downloads).unwrap();
        let someone_elses = downloads.join("thesis.pdf");
        std::fs::write(&someone_elses, b"not Commons'").unwrap();
        let saved = ws
            .save_download("commons-record", "ris", "TY  - BOOK")
            .unwrap();
        assert_eq!(ws.session_files(), std::slice::from_ref(&saved));
        ws.sign_in(demo::DEMO_USERNAME, demo::DEMO_PASSWORD)
            .unwrap();
        ws.set_language(Language::SimplifiedChinese).unwrap();
        assert_eq!(ws.finish_session(), 1);
        assert!(!saved.exists());
        assert!(someone_elses.exists(), "only what this session saved goes");
        assert!(ws.session_files().is_empty());
        assert!(ws.signed_in().is_none());
        assert_eq!(ws.language(), Language::English);
    }

    #[test]
    fn repeated_failed_sign_ins_wait_and_say_how_long() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[]);
        ws.prepare(&mut |_| {}).unwrap();
        for _ in 0..accounts::FREE_FAILURES {
            assert!(matches!(
                ws.sign_in(demo::DEMO_USERNAME, "not the password"),
                Err(AccountError::WrongCredentials)
            ));
        }
        // The right password waits too, so the wait tells a guesser nothing.
        let held = ws.sign_in(demo::DEMO_USERNAME, demo::DEMO_PASSWORD);
        assert!(
            matches!(held, Err(AccountError::Throttled { seconds }) if (1..=15).contains(&seconds)),
            "{held:?}"
        );
        assert_eq!(held.unwrap_err().code(), "sign_in_throttled");
        // Another name is not held up.
        assert!(matches!(
            ws.sign_in("someone", "not the password"),
            Err(AccountError::WrongCredentials)
        ));
    }

    #[test]
    fn curation_needs_a_signed_in_librarian() {
        let dir = tempfile::tempdir().unwrap();
        let ws = workstation(dir.path(), &[]);
        ws.prepare(&mut |_| {}).unwrap();
        let input = curate::ResourceInput {
            kind: "guide".into(),
            name: "Thesis Formatting".into(),
            description: "How to format a thesis.".into(),
            access: "open".into(),
            disciplines: vec![("higher-education".into(), true)],
            ..Default::default()
        };
        assert_eq!(
            ws.save_resource(&input).unwrap_err().code(),
            "not_signed_in"
        );
        assert_eq!(
            ws.set_resource_retired("res-stata", true)
                .unwrap_err()
                .code(),
            "not_signed_in"
        );
        assert_eq!(
            ws.resource_history("res-stata").unwrap_err().code(),
            "not_signed_in"
        );
        assert_eq!(
            ws.sign_in(demo::DEMO_USERNAME, "not the password")
                .unwrap_err()
                .code(),
            "wrong_credentials"
        );
        assert!(ws.signed_in().is_none());
        let me = ws
            .sign_in(demo::DEMO_USERNAME, demo::DEMO_PASSWORD)
            .unwrap();
        assert_eq!(ws.signed_in(), Some(me));
        let id = ws.save_resource(&input).unwrap();
        ws.set_resource_retired(&id, true).unwrap();
        assert_eq!(ws.resource_history(&id).unwrap().len(), 2);
        // Retired resources are listed only for a signed-in librarian who asks for them.
        let all = browse::ResourceFilter {
            include_retired: true,
            ..Default::default()
        };
        assert!(ws.resources(&all).unwrap().iter().any(|r| r.id == id));
        ws.sign_out();
        assert!(!ws.resources(&all).unwrap().iter().any(|r| r.id == id));
        assert_eq!(
            ws.save_resource(&input).unwrap_err().code(),
            "not_signed_in"
        );
    }
}
