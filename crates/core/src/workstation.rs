//! The workstation as the app sees it: its configuration and its cache, opened lazily and
//! prepared (seeded from the embedded demo consortium when standalone) once.
//!
//! This is the plain Rust API the desktop shell's commands and the command line call; it
//! holds no UI state.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use std::collections::HashMap;
use std::path::Path;

use crate::accounts::{self, Account, AccountError, Session};
use crate::bookings::{self, BookingError};
use crate::catalogue::{self, ImportError, ImportReport, RecordDetail};
use crate::config::{Config, Language};
use crate::consortium::{self, Overview};
use crate::demo::{self, SeedError, SeedProgress, SeedStage};
use crate::disciplines::browse;
use crate::disciplines::curate::{self, CurateError};
use crate::documents;
use crate::links::{self, LinkError};
use crate::search::{SearchError, SearchIndex, SearchRequest, SearchResults};
use crate::settings;
use crate::store::{self, Store, StoreError};
use crate::sync;
use jiff::Timestamp;

/// Display names of facet values that are ids (libraries, disciplines): English, Chinese.
pub type Labels = HashMap<(String, String), (String, String)>;

/// A workstation: configuration plus the cache once it is open.
#[derive(Debug)]
pub struct Workstation {
    config: Config,
    store: Mutex<Option<Store>>,
    index: Mutex<Option<SearchIndex>>,
    /// The signed-in librarian, if any.
    session: Mutex<Session>,
    /// The documents' page index, once opened.
    page_index: Mutex<Option<documents::pages::PageIndex>>,
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
    pub skipped: Vec<String>,
}

impl Workstation {
    pub fn new(config: Config) -> Workstation {
        Workstation {
            config,
            store: Mutex::new(None),
            index: Mutex::new(None),
            session: Mutex::new(Session::default()),
            page_index: Mutex::new(None),
            extracting: AtomicBool::new(false),
            cancel: AtomicBool::new(false),
            sync: Mutex::new(SyncStatus::default()),
            sync_loop: AtomicBool::new(false),
            sync_wake: (Mutex::new(false), std::sync::Condvar::new()),
            hub_session: Mutex::new(None),
        }
    }

    /// Syncs with `hub` for as long as the process lives: again every `interval` while the hub
    /// answers, and after a pause growing from 5 seconds to 5 minutes while it does not.
    /// Returns at once if a loop already runs.
    /// `after` runs after each sync that succeeded (the app extracts new documents' text).
    pub fn sync_loop(
        &self,
        hub: &sync::Hub,
        interval: std::time::Duration,
        after: &dyn Fn(&SyncReport),
    ) {
        if self.sync_loop.swap(true, Ordering::SeqCst) {
            return;
        }
        let mut failures = 0u32;
        loop {
            let pause = match self.sync_from(hub) {
                Ok(report) => {
                    failures = 0;
                    after(&report);
                    if report.records > 0 {
                        tracing::info!(
                            records = report.records,
                            pages = report.pages,
                            "synced with the hub"
                        );
                    }
                    interval
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, failures, "sync with the hub failed");
                    std::time::Duration::from_secs(5)
                        .saturating_mul(1u32 << (failures - 1).min(6))
                        .min(std::time::Duration::from_secs(300))
                }
            };
            let (flag, condvar) = &self.sync_wake;
            let guard = flag
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let (mut woken, _) = condvar
                .wait_timeout_while(guard, pause, |woken| !*woken)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *woken = false;
        }
    }

    /// Asks the background sync loop to sync now rather than after its pause.
    pub fn wake_sync(&self) {
        let (flag, condvar) = &self.sync_wake;
        *flag
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        condvar.notify_all();
    }

    /// The hub this workstation is configured for, if any.
    pub fn hub(&self) -> Result<Option<sync::Hub>, sync::SyncError> {
        match (&self.config.hub_url.value, &self.config.hub_token.value) {
            (Some(url), Some(token)) => Ok(Some(sync::Hub::new(
                url.clone(),
                token.clone(),
                self.config.hub_timeout.value,
            )?)),
            _ => Ok(None),
        }
    }

    /// How syncing with the hub goes.
    pub fn sync_status(&self) -> SyncStatus {
        let mut status = self
            .sync
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        status.configured = self.config.hub_url.value.is_some();
        if status.synced_at.is_none() {
            status.synced_at = self
                .with_store(|store| consortium::meta_value(store, "hub_synced_at"))
                .ok()
                .flatten()
                .and_then(|s| s.parse().ok());
        }
        status
    }

    fn set_sync(&self, f: impl FnOnce(&mut SyncStatus)) {
        f(&mut self
            .sync
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    /// Pulls every change the hub has after the stored cursor, page by page; each page is
    /// applied with its cursor in one transaction, then the search index follows.
    pub fn sync_from(&self, hub: &sync::Hub) -> Result<SyncReport, sync::SyncError> {
        self.set_sync(|s| {
            s.running = true;
            s.applied = 0;
        });
        let result = self.sync_pages(hub);
        self.set_sync(|s| {
            s.running = false;
            match &result {
                Ok(report) => {
                    s.online = true;
                    s.error = None;
                    s.synced_at = Some(Timestamp::now());
                    s.skipped = report.skipped.clone();
                }
                Err(e) => {
                    s.online = !e.is_offline();
                    s.error = Some(e.to_string());
                }
            }
        });
        result
    }

    fn sync_pages(&self, hub: &sync::Hub) -> Result<SyncReport, sync::SyncError> {
        let mut report = SyncReport::default();
        // Bookings made while the hub was out of reach go first, each exactly once (the
        // booking code is the idempotency key).
        let sent = self.send_outbox(hub, None)?;
        if let Some((_, bookings::Sent::Failed { error })) = sent.last() {
            return Err(sync::SyncError::Unreachable {
                url: hub.url().to_string(),
                detail: error.clone(),
            });
        }
        loop {
            let since = self.with_store(sync::cursor)?;
            let page = hub.changes(&since, sync::PAGE)?;
            if page.changes.is_empty() {
                // Caught up: the time of this answer is what "as of" means.
                self.with_store(|store| sync::apply(store, &since, &page))?;
                report.documents = self.fetch_documents(hub)?;
                return Ok(report);
            }
            let applied = self.with_store(|store| sync::apply(store, &since, &page))?;
            if !applied.changed.is_empty() {
                self.with_index(|store, index| index.update(store, &applied.changed))
                    .map_err(|e| sync::SyncError::Index(e.to_string()))?;
            }
            report.pages += 1;
            report.records += applied.changed.len();
            report.libraries += applied.libraries;
            report.skipped.extend(applied.skipped);
            let n = page.changes.len() as u64;
            self.set_sync(|s| {
                s.online = true;
                s.applied += n;
            });
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, Option<Store>> {
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
        self.with_store(|store| {
            demo::seed(store, &documents, progress)?;
            // Personal data of past consultations goes on schedule.
            let purged = bookings::purge(
                store,
                Timestamp::now(),
                self.config.booking_retention_days.value,
            )?;
            if purged > 0 {
                tracing::info!(purged, "personal data of past consultations purged");
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

    fn index_dir(&self) -> PathBuf {
        self.config.data_dir.value.join("index")
    }

    /// Runs `f` with the open cache and search index (the cache must have been prepared).
    fn with_index<T>(
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

    /// Searches the catalogue; returns the results and display names for id-valued facets.
    pub fn search(&self, request: &SearchRequest) -> Result<(SearchResults, Labels), SearchError> {
        self.with_index(|store, index| {
            let results = index.search(store, request)?;
            Ok((results, labels(store)?))
        })
    }

    /// One record with its holdings.
    pub fn record(&self, id: &str) -> Result<Option<RecordDetail>, StoreError> {
        self.with_store(|store| catalogue::detail::record(store, id))
    }

    /// Records in the given order, skipping ids that are gone.
    pub fn records(&self, ids: &[String]) -> Result<Vec<RecordDetail>, StoreError> {
        self.with_store(|store| {
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(catalogue::detail::record(store, id)?);
            }
            Ok(out)
        })
    }

    /// Writes the records in `format` to a new file in the downloads folder; returns its path
    /// and how many records it holds.
    pub fn export(
        &self,
        ids: &[String],
        format: catalogue::ExportFormat,
    ) -> Result<(PathBuf, usize), ExportError> {
        let records = self.records(ids)?;
        if records.is_empty() {
            return Err(ExportError::Nothing);
        }
        let text = catalogue::export(&records, format);
        let base = if records.len() == 1 {
            "commons-record"
        } else {
            "commons-list"
        };
        let path = self.save_download(base, format.extension(), &text)?;
        Ok((path, records.len()))
    }

    /// Writes a file into the downloads folder under a fresh name (`base-YYYYMMDD-HHMMSS.ext`).
    pub fn save_download(
        &self,
        base: &str,
        extension: &str,
        text: &str,
    ) -> Result<PathBuf, ExportError> {
        let dir = &self.config.downloads_dir;
        let io = |source| ExportError::Write {
            path: dir.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let stamp = jiff::Zoned::now().strftime("%Y%m%d-%H%M%S").to_string();
        let mut path = dir.join(format!("{base}-{stamp}.{extension}"));
        let mut n = 2;
        while path.exists() {
            path = dir.join(format!("{base}-{stamp}-{n}.{extension}"));
            n += 1;
        }
        std::fs::write(&path, text).map_err(io)?;
        Ok(path)
    }

    /// When the catalogue's availability was last refreshed.
    pub fn refreshed_at(&self) -> Result<Option<Timestamp>, StoreError> {
        self.with_store(|store| {
            Ok(consortium::meta_value(store, "refreshed_at")?.and_then(|s| s.parse().ok()))
        })
    }

    /// Imports a file and brings the search index up to date.
    pub fn import(
        &self,
        path: &Path,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportReport, ImportError> {
        let report = self.with_store(|store| catalogue::import_file(store, path, progress))?;
        if !report.changed.is_empty() {
            self.with_index(|store, index| index.update(store, &report.changed))
                .map_err(|e| ImportError::Index(e.to_string()))?;
        }
        Ok(report)
    }

    /// Rebuilds the search index from the cache.
    pub fn reindex(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<u64, SearchError> {
        let dir = self.index_dir();
        self.with_store(|store| {
            let mut guard = self
                .index
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *guard = None;
            let index = SearchIndex::rebuild(&dir, store, progress)?;
            let total = index
                .search(
                    store,
                    &SearchRequest {
                        limit: 1,
                        ..SearchRequest::default()
                    },
                )?
                .total;
            *guard = Some(index);
            Ok(total)
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

    /// The discipline tree with counts.
    pub fn disciplines(&self) -> Result<Vec<browse::DisciplineNode>, StoreError> {
        self.with_store(browse::tree)
    }

    /// One discipline's page.
    pub fn discipline(&self, id: &str) -> Result<Option<browse::DisciplinePage>, StoreError> {
        self.with_store(|s| browse::page(s, id))
    }

    /// The resources A–Z, filtered; a signed-in librarian also sees retired ones.
    pub fn resources(
        &self,
        filter: &browse::ResourceFilter,
    ) -> Result<Vec<browse::ResourceSummary>, StoreError> {
        let filter = browse::ResourceFilter {
            include_retired: filter.include_retired && self.signed_in().is_some(),
            ..filter.clone()
        };
        self.with_store(|s| browse::resources(s, &filter))
    }

    fn session(&self) -> MutexGuard<'_, Session> {
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Signs a librarian in with a local account.
    /// Signs a librarian in: with this workstation's accounts, and with a hub's when one is
    /// configured (the hub's desk then shows bookings made on every workstation). Either is
    /// enough; with the hub out of reach, the local account still works.
    pub fn sign_in(&self, username: &str, password: &str) -> Result<Account, AccountError> {
        let local = self.with_store(|s| accounts::verify(s, username, password));
        let on_hub = match self.hub() {
            Ok(Some(hub)) => match hub.sign_in(username, password) {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(error = %e, "the hub could not sign the librarian in");
                    None
                }
            },
            _ => None,
        };
        let account = match (local, &on_hub) {
            (Ok(account), _) => account,
            (Err(AccountError::WrongCredentials), Some((_, account))) => account.clone(),
            (Err(e), _) => return Err(e),
        };
        *self.hub_session_slot() = on_hub.map(|(token, _)| token);
        self.session().start(account.clone(), Instant::now());
        tracing::info!(account = %account.username, "librarian signed in");
        Ok(account)
    }

    fn hub_session_slot(&self) -> MutexGuard<'_, Option<String>> {
        self.hub_session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The hub and the signed-in librarian's session on it, when both exist.
    fn hub_desk(&self) -> Option<(sync::Hub, String)> {
        let token = self.hub_session_slot().clone()?;
        let hub = self.hub().ok().flatten()?;
        Some((hub, token))
    }

    /// A booking at the hub's desk as the desk shows bookings (names from the library data).
    fn desk_booking_of(&self, b: sync::DeskBooking) -> Result<bookings::Booking, BookingError> {
        let p = self.desk_profile()?;
        Ok(bookings::Booking {
            code: b.code.to_string(),
            librarian_id: b.librarian_id,
            librarian_name: p.name,
            library_name: p.library_name,
            library_name_zh: p.library_name_zh,
            time_zone: p.time_zone,
            type_id: b.type_id,
            discipline_id: b.discipline_id,
            starts: b.starts_at,
            ends: b.ends_at,
            status: b.status.as_str().to_owned(),
            topic: b.topic,
            name: b.student_name,
            email: b.student_email,
            description: b.description,
            outcome: b.outcome,
            read_level: b.read_level,
            hub_state: Some("confirmed".into()),
        })
    }

    /// The documents in the cache.
    pub fn documents(&self) -> Result<Vec<documents::Entry>, StoreError> {
        self.with_store(documents::list)
    }

    /// A stored document's bytes (checked against its SHA-256), for the viewer.
    /// A stored document's bytes, checked against its SHA-256. A document of the hub's whose
    /// file was evicted (or not yet fetched) is downloaded first. Opening counts as use for
    /// the store's least-recently-used eviction.
    pub fn document_bytes(&self, sha: &str) -> Result<Vec<u8>, documents::DocumentError> {
        let dir = self.config.documents_dir();
        let missing = if documents::is_sha256(sha) {
            self.with_store(|s| documents::remote::missing(s, sha))
                .unwrap_or(None)
        } else {
            None
        };
        if let Some(announced) = missing {
            let hub = self
                .hub()
                .ok()
                .flatten()
                .ok_or_else(|| documents::DocumentError::Missing(sha.to_owned()))?;
            let fetched = hub.download(sha, announced, &dir);
            let error = fetched.as_ref().err().map(ToString::to_string);
            let _ =
                self.with_store(|s| documents::remote::record_download(s, sha, error.as_deref()));
            if let Err(e) = fetched {
                tracing::warn!(document = %sha, error = %e, "a document could not be downloaded");
                return Err(documents::DocumentError::Unavailable(e.to_string()));
            }
        }
        let bytes = documents::read(&dir, sha)?;
        let now = Timestamp::now().to_string();
        let _ = self.with_store(|s| {
            documents::remote::touch(s, sha, &now)?;
            documents::remote::evict(s, &dir, self.documents_cap(), Some(sha))
        });
        Ok(bytes)
    }

    fn documents_cap(&self) -> u64 {
        self.config
            .documents_cap_mb
            .value
            .saturating_mul(1024 * 1024)
    }

    /// Downloads the hub's documents this workstation has not extracted yet (each checked
    /// against its SHA-256; one that fails is noted and tried again next time), then keeps
    /// the store under its cap. Stops when the hub is out of reach. Returns how many arrived.
    fn fetch_documents(&self, hub: &sync::Hub) -> Result<usize, sync::SyncError> {
        let dir = self.config.documents_dir();
        let wanted = self.with_store(documents::remote::to_download)?;
        let mut arrived = 0;
        for (sha, announced) in wanted {
            let result = hub.download(&sha, announced, &dir);
            let error = result.as_ref().err().map(ToString::to_string);
            self.with_store(|s| documents::remote::record_download(s, &sha, error.as_deref()))?;
            match result {
                Ok(()) => {
                    arrived += 1;
                    // Never more than the cap: older ones go before the next arrives.
                    self.with_store(|s| {
                        documents::remote::evict(s, &dir, self.documents_cap(), Some(&sha))
                    })?;
                }
                Err(e) if e.is_offline() => return Err(e),
                Err(e) => {
                    tracing::warn!(document = %sha, error = %e, "a document could not be downloaded")
                }
            }
        }
        Ok(arrived)
    }

    fn with_page_index<T>(
        &self,
        f: impl FnOnce(
            &Store,
            &documents::pages::PageIndex,
        ) -> Result<T, documents::pages::PageIndexError>,
    ) -> Result<T, documents::pages::PageIndexError> {
        let dir = self.config.data_dir.value.join("document-index");
        self.with_store(|store| {
            let mut guard = self
                .page_index
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if guard.is_none() {
                *guard = Some(documents::pages::PageIndex::open(&dir, store)?);
            }
            match guard.as_ref() {
                Some(index) => f(store, index),
                None => unreachable!("the page index was just opened"),
            }
        })
    }

    /// Pages of every document that match a query (the catalogue's query language).
    pub fn search_documents(
        &self,
        query: &str,
    ) -> Result<Vec<documents::pages::PageHit>, documents::pages::PageIndexError> {
        self.with_page_index(|store, index| index.search(store, query, 50))
    }

    /// How far text extraction has come, and whether it is running.
    pub fn extraction_status(&self) -> Result<(documents::ExtractionCounts, bool), StoreError> {
        let counts = self.with_store(documents::counts)?;
        Ok((counts, self.extracting.load(Ordering::SeqCst)))
    }

    /// Extracts the text of every pending document, one after another through an isolated
    /// worker (`exe` is the `commons` binary). Stops at once when cancelled (the document being read
    /// included); what is left stays
    /// pending for the next run. Returns how many documents were processed.
    pub fn extract_pending(
        &self,
        exe: &Path,
        progress: &mut dyn FnMut(usize, usize, &str),
    ) -> Result<usize, documents::pages::PageIndexError> {
        if self.extracting.swap(true, Ordering::SeqCst) {
            return Ok(0);
        }
        self.cancel.store(false, Ordering::SeqCst);
        let result = (|| {
            let dir = self.config.documents_dir();
            let mut processed = 0;
            let mut extractor =
                documents::extract::Extractor::new(exe, documents::extract::Limits::default());
            // Documents added while this runs are picked up by the next round.
            loop {
                let pending = self.with_store(documents::pending)?;
                if pending.is_empty() {
                    break;
                }
                let total = processed + pending.len();
                for (sha, title) in &pending {
                    if self.cancel.load(Ordering::SeqCst) {
                        return Ok(processed);
                    }
                    progress(processed, total, title);
                    // A pause stops the document being read at once; it stays pending.
                    let Ok(outcome) =
                        extractor.extract_unless(&documents::path_of(&dir, sha), &self.cancel)
                    else {
                        return Ok(processed);
                    };
                    if let documents::extract::Outcome::Rejected { reason, detail } = &outcome {
                        tracing::warn!(document = %sha, reason = reason.as_str(), detail, "no text extracted");
                    }
                    self.with_page_index(|store, index| {
                        documents::record_outcome(store, index, sha, &outcome)
                    })?;
                    processed += 1;
                }
            }
            progress(processed, processed, "");
            Ok(processed)
        })();
        self.extracting.store(false, Ordering::SeqCst);
        result
    }

    /// Asks a running extraction to stop now (the document being read stays pending).
    pub fn cancel_extraction(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Adds a PDF (sent base64-encoded by the page) to the store, for signed-in librarians;
    /// its text is extracted afterwards.
    pub fn add_document(
        &self,
        base64_bytes: &str,
        doc: &documents::NewDocument,
    ) -> Result<String, documents::AddError> {
        use base64::Engine as _;
        if self.signed_in().is_none() {
            return Err(documents::AddError::Invalid(vec![curate::FieldError {
                field: "account",
                code: "not_signed_in",
                other: None,
            }]));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_bytes.trim())
            .unwrap_or_default();
        let dir = self.config.documents_dir();
        self.with_store(|s| documents::add(s, &dir, &bytes, doc))
    }

    /// The consultation types.
    pub fn consultation_types(&self) -> Result<Vec<bookings::ConsultationType>, StoreError> {
        self.with_store(bookings::types)
    }

    /// Librarians covering a discipline (or all), as students see them.
    pub fn booking_librarians(
        &self,
        discipline: Option<&str>,
    ) -> Result<Vec<bookings::Profile>, StoreError> {
        self.with_store(|s| bookings::librarians(s, discipline))
    }

    /// A librarian's free slots of a type from now on.
    pub fn free_slots(
        &self,
        librarian: &str,
        type_id: &str,
    ) -> Result<Vec<bookings::slots::Slot>, BookingError> {
        self.with_store(|s| bookings::free_slots(s, librarian, type_id, Timestamp::now()))
    }

    /// Books a consultation. With a hub, the booking is sent at once; if the hub cannot be
    /// reached it stays `pending` in the outbox and is sent by the background sync, and if the
    /// hub found the time taken elsewhere the student is offered the nearest free slots.
    pub fn book(&self, request: &bookings::Request) -> Result<bookings::Booking, BookingError> {
        let made = self.with_store(|s| bookings::book(s, request, Timestamp::now()))?;
        let hub = match self.hub() {
            Ok(Some(hub)) => hub,
            Ok(None) => return Ok(made),
            Err(e) => {
                tracing::error!(error = %e, "the hub client could not be made");
                return Ok(made);
            }
        };
        self.with_store(|s| bookings::mark_pending(s, &made.code))?;
        let sent = self.send_outbox(&hub, Some(&made.code))?;
        match sent.first() {
            Some((code, bookings::Sent::Confirmed { .. })) => self.booking_by_code(code),
            Some((_, bookings::Sent::Refused { .. })) => {
                // Learn what was booked elsewhere, then offer what is still free.
                if let Err(e) = self.sync_pages(&hub) {
                    tracing::warn!(error = %e, "could not catch up with the hub");
                }
                let nearest = self.with_store(|s| {
                    bookings::nearest_free(
                        s,
                        &made.librarian_id,
                        &made.type_id,
                        made.starts,
                        Timestamp::now(),
                    )
                })?;
                Err(BookingError::SlotTaken { nearest })
            }
            _ => self.booking_by_code(&made.code),
        }
    }

    fn booking_by_code(&self, code: &str) -> Result<bookings::Booking, BookingError> {
        self.with_store(|s| bookings::by_codes(s, &[code.to_owned()]))?
            .pop()
            .ok_or_else(|| BookingError::UnknownCode(code.to_owned()))
    }

    /// Sends bookings waiting in the outbox (`only`: just that one) and records the answers;
    /// stops at the first that cannot be delivered (the hub is out of reach). Returns each
    /// booking sent with its code now and what the hub said.
    fn send_outbox(
        &self,
        hub: &sync::Hub,
        only: Option<&str>,
    ) -> Result<Vec<(String, bookings::Sent)>, StoreError> {
        let pending = self.with_store(|s| bookings::outbox(s, only))?;
        let mut out = Vec::new();
        for o in pending {
            let sent = match hub.book(&o) {
                Ok(sync::HubBooking::Booked { code }) => bookings::Sent::Confirmed { code },
                Ok(sync::HubBooking::Taken { reason }) => bookings::Sent::Refused { reason },
                // The hub read the request and will never accept it: not worth sending again.
                Err(e) if e.is_refusal() => bookings::Sent::Refused {
                    reason: e.to_string(),
                },
                Err(e) => bookings::Sent::Failed {
                    error: e.to_string(),
                },
            };
            let code =
                self.with_store(|s| bookings::record_sent(s, &o.code, &sent, Timestamp::now()))?;
            match &sent {
                bookings::Sent::Confirmed { .. } => {
                    tracing::info!(code = %code, "booking accepted by the hub");
                }
                bookings::Sent::Refused { reason } => {
                    tracing::warn!(code = %code, reason, "booking refused by the hub: the time was taken elsewhere");
                }
                bookings::Sent::Failed { error } => {
                    tracing::warn!(code = %code, error, "booking not delivered to the hub; it stays in the outbox");
                }
            }
            let failed = matches!(sent, bookings::Sent::Failed { .. });
            out.push((code, sent));
            if failed {
                break;
            }
        }
        Ok(out)
    }

    /// Bookings by code (a student's own, this session).
    pub fn bookings(&self, codes: &[String]) -> Result<Vec<bookings::Booking>, StoreError> {
        self.with_store(|s| bookings::by_codes(s, codes))
    }

    /// Cancels a booking with its code. A booking the hub holds is cancelled there first: with
    /// the hub out of reach it cannot be, and the student is told so.
    pub fn cancel_booking(&self, code: &str) -> Result<bookings::Booking, BookingError> {
        let now = Timestamp::now();
        let b = self.with_store(|s| bookings::cancellable(s, code, now))?;
        if b.hub_state.as_deref() == Some("confirmed")
            && let Ok(Some(hub)) = self.hub()
        {
            hub.cancel(&b.code).map_err(|e| match e.refusal() {
                Some(refusal) => BookingError::HubRefused(refusal.message.clone()),
                None => BookingError::HubUnreachable(e.to_string()),
            })?;
        }
        self.with_store(|s| bookings::cancel(s, &b.code, now))
    }

    /// Saves the bookings with these codes as an iCalendar file in the downloads folder.
    pub fn booking_calendar(&self, codes: &[String]) -> Result<PathBuf, ExportError> {
        let found = self.bookings(codes)?;
        if found.is_empty() {
            return Err(ExportError::Nothing);
        }
        self.save_download(
            "consultation",
            "ics",
            &bookings::ics(&found, Timestamp::now()),
        )
    }

    /// The signed-in librarian's own librarian id.
    fn desk_librarian(&self) -> Result<String, BookingError> {
        let account = self.signed_in().ok_or(BookingError::NotSignedIn)?;
        account.librarian_id.ok_or(BookingError::NotALibrarian)
    }

    /// The signed-in librarian's profile (for the desk's heading and time zone).
    pub fn desk_profile(&self) -> Result<bookings::Profile, BookingError> {
        let me = self.desk_librarian()?;
        self.booking_librarians(None)?
            .into_iter()
            .find(|p| p.id == me)
            .ok_or(BookingError::UnknownLibrarian(me))
    }

    /// The signed-in librarian's queue for a local date of their library (today by default).
    pub fn desk_queue(
        &self,
        date: Option<jiff::civil::Date>,
    ) -> Result<Vec<bookings::Booking>, BookingError> {
        let me = self.desk_librarian()?;
        let now = Timestamp::now();
        let mut queue = self.with_store(|s| {
            bookings::purge(s, now, self.config.booking_retention_days.value)?;
            bookings::queue(s, &me, now, date)
        })?;
        // Bookings made on other workstations, from the hub (with the hub out of reach, the
        // queue is this workstation's).
        if let Some((hub, token)) = self.hub_desk() {
            let (from, to) = self.with_store(|s| bookings::day_bounds(s, &me, now, date))?;
            match hub.desk(&token, from, to) {
                Ok(Some(remote)) => {
                    for b in remote {
                        let b = self.desk_booking_of(b)?;
                        match queue.iter_mut().find(|l| l.code == b.code) {
                            // The hub's status is the consortium's.
                            Some(local) => local.status = b.status,
                            None => queue.push(b),
                        }
                    }
                    queue.sort_by_key(|b| b.starts);
                }
                Ok(None) => *self.hub_session_slot() = None,
                Err(e) => tracing::warn!(error = %e, "the hub's desk could not be read"),
            }
        }
        Ok(queue)
    }

    /// Check-in, completion or no-show at the desk.
    pub fn desk_action(
        &self,
        code: &str,
        action: &bookings::DeskAction,
    ) -> Result<bookings::Booking, BookingError> {
        let me = self.desk_librarian()?;
        let code = bookings::normalize_code(code);
        let local = self.with_store(|s| bookings::by_codes(s, std::slice::from_ref(&code)))?;
        let held_here = local.first().is_some_and(|b| b.librarian_id == me);
        let on_hub = local
            .first()
            .is_none_or(|b| b.hub_state.as_deref() == Some("confirmed"));
        if on_hub && let Some((hub, token)) = self.hub_desk() {
            match hub.desk_act(&token, &code, action) {
                Ok(b) if !held_here => return self.desk_booking_of(b),
                Ok(_) => {}
                Err(e) if !held_here => return Err(desk_refusal(e, &code)),
                Err(e) => tracing::warn!(error = %e, "the hub did not take the desk action"),
            }
        }
        self.with_store(|s| bookings::desk(s, &me, &code, action, Timestamp::now()))
    }

    /// A new address for the signed-in librarian's calendar feed on the hub, to subscribe to
    /// from a calendar program (the previous address stops working).
    pub fn new_calendar_feed(&self) -> Result<String, BookingError> {
        self.desk_librarian()?;
        let (hub, token) = self.hub_desk().ok_or(BookingError::NoHubSession)?;
        hub.new_calendar(&token)
            .map(|u| u.to_string())
            .map_err(|e| BookingError::HubUnreachable(e.to_string()))
    }

    /// The signed-in librarian's upcoming bookings as an iCalendar file in the downloads folder.
    pub fn desk_calendar(&self) -> Result<PathBuf, BookingError> {
        let me = self.desk_librarian()?;
        let upcoming = self.with_store(|s| bookings::upcoming(s, &me, Timestamp::now()))?;
        self.save_download(
            "my-consultations",
            "ics",
            &bookings::ics(&upcoming, Timestamp::now()),
        )
        .map_err(|e| BookingError::Download(e.to_string()))
    }

    /// The signed-in librarian's weekly hours.
    pub fn desk_hours(&self) -> Result<Vec<(i64, String, String)>, BookingError> {
        let me = self.desk_librarian()?;
        Ok(self.with_store(|s| bookings::hours_rows(s, &me))?)
    }

    /// Adds or changes a consultation type (a signed-in librarian only).
    pub fn save_consultation_type(
        &self,
        form: &bookings::TypeForm,
    ) -> Result<String, BookingError> {
        self.signed_in().ok_or(BookingError::NotSignedIn)?;
        let mut id = self.with_store(|s| bookings::prepare_type(s, form))?;
        // With a hub, the types are the consortium's: saved there first, for every workstation.
        if let Ok(Some(hub)) = self.hub() {
            let Some(session) = self.hub_session_slot().clone() else {
                return Err(BookingError::DeskSignIn);
            };
            let new = form.id.is_none();
            let (free, answer) = send_under_free_id(&id, |id| {
                let shared = bookings::TypeForm {
                    id: Some(id.to_owned()),
                    ..form.clone()
                };
                hub.save_type(&session, &shared, new)
            });
            self.desk_answer(answer, "consultation type")?;
            id = free;
        }
        self.with_store(|s| bookings::write_type(s, &id, form))?;
        tracing::info!(type_id = %id, "consultation type saved");
        Ok(id)
    }

    /// Replaces the signed-in librarian's weekly hours. With a hub, they are kept there for
    /// every workstation: the new schedule goes to the hub first, then into this cache.
    pub fn set_desk_hours(&self, hours: &[(i64, String, String)]) -> Result<(), BookingError> {
        let me = self.desk_librarian()?;
        bookings::check_hours(hours)?;
        self.share_schedule(&me, |s| s.hours = hours.to_vec())?;
        self.with_store(|s| bookings::set_hours(s, &me, hours))
    }

    pub fn desk_exceptions(&self) -> Result<Vec<bookings::ExceptionRow>, BookingError> {
        let me = self.desk_librarian()?;
        Ok(self.with_store(|s| bookings::list_exceptions(s, &me))?)
    }

    /// Adds time off for the signed-in librarian (through the hub, as her hours).
    pub fn add_desk_exception(
        &self,
        date: &str,
        range: Option<(&str, &str)>,
        reason: &str,
    ) -> Result<(), BookingError> {
        let me = self.desk_librarian()?;
        bookings::check_exception(date, range, reason)?;
        self.share_schedule(&me, |s| {
            s.exceptions.push(bookings::SharedException {
                date: date.to_owned(),
                starts: range.map(|r| r.0.to_owned()),
                ends: range.map(|r| r.1.to_owned()),
                reason: reason.trim().to_owned(),
            });
        })?;
        self.with_store(|s| bookings::add_exception(s, &me, date, range, reason))
    }

    /// Removes time off of the signed-in librarian (through the hub, as her hours).
    pub fn remove_desk_exception(&self, id: i64) -> Result<(), BookingError> {
        let me = self.desk_librarian()?;
        let listed = self.with_store(|s| bookings::list_exceptions(s, &me))?;
        let Some(gone) = listed.iter().find(|e| e.id == id) else {
            return Ok(());
        };
        let gone = bookings::SharedException {
            date: gone.date.clone(),
            starts: gone.starts.clone(),
            ends: gone.ends.clone(),
            reason: gone.reason.clone(),
        };
        self.share_schedule(&me, |s| {
            if let Some(i) = s.exceptions.iter().position(|e| *e == gone) {
                s.exceptions.remove(i);
            }
        })?;
        Ok(self.with_store(|s| bookings::remove_exception(s, &me, id))?)
    }

    /// With a hub, sends `librarian`'s schedule as `change` leaves it; without one, nothing.
    fn share_schedule(
        &self,
        librarian: &str,
        change: impl FnOnce(&mut bookings::SharedSchedule),
    ) -> Result<(), BookingError> {
        let Ok(Some(hub)) = self.hub() else {
            return Ok(());
        };
        let Some(session) = self.hub_session_slot().clone() else {
            return Err(BookingError::DeskSignIn);
        };
        let mut schedule = self.with_store(|s| bookings::read_schedule(s, librarian))?;
        change(&mut schedule);
        self.desk_answer(hub.save_schedule(&session, &schedule), "schedule")
    }

    /// What the hub's answer to a change of desk settings (`what`) means here.
    fn desk_answer(
        &self,
        answer: Result<Result<(), sync::Refusal>, sync::SyncError>,
        what: &str,
    ) -> Result<(), BookingError> {
        match answer {
            Ok(Ok(())) => Ok(()),
            Ok(Err(sync::Refusal::NotSignedIn)) => {
                *self.hub_session_slot() = None;
                Err(BookingError::DeskSignIn)
            }
            Ok(Err(sync::Refusal::Invalid(reason))) => Err(BookingError::HubRefused(format!(
                "the hub refused the {what}: {reason}"
            ))),
            Ok(Err(sync::Refusal::NotFound)) => Err(BookingError::HubRefused(format!(
                "the hub does not know this {what}"
            ))),
            Ok(Err(sync::Refusal::Taken)) => Err(BookingError::HubRefused(format!(
                "the hub already has a {what} with this id"
            ))),
            Err(e) if e.is_offline() => Err(BookingError::DeskOffline(e.to_string())),
            Err(e) => Err(BookingError::HubRefused(e.to_string())),
        }
    }

    /// Consultation statistics (any signed-in librarian) over the last `days` days, or all.
    pub fn booking_statistics(
        &self,
        days: Option<u32>,
    ) -> Result<bookings::stats::Statistics, BookingError> {
        self.signed_in().ok_or(BookingError::NotSignedIn)?;
        let from = since(days);
        self.with_store(|s| {
            bookings::mark_no_shows(s, Timestamp::now())?;
            Ok(bookings::stats::aggregate(&bookings::stats::rows(s, from)?))
        })
    }

    /// The anonymised consultations of the last `days` days (or all) as CSV in the downloads
    /// folder.
    pub fn booking_statistics_csv(&self, days: Option<u32>) -> Result<PathBuf, BookingError> {
        self.signed_in().ok_or(BookingError::NotSignedIn)?;
        let from = since(days);
        let rows = self.with_store(|s| bookings::stats::rows(s, from))?;
        self.save_download("consultations", "csv", &bookings::stats::csv(&rows))
            .map_err(|e| BookingError::Download(e.to_string()))
    }

    /// Creates a local librarian account.
    pub fn create_account(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        librarian_id: Option<&str>,
    ) -> Result<Account, AccountError> {
        self.with_store(|s| accounts::create(s, username, display_name, password, librarian_id))
    }

    pub fn sign_out(&self) {
        self.session().end();
        if let Some((hub, token)) = self.hub_desk()
            && let Err(e) = hub.sign_out(&token)
        {
            tracing::warn!(error = %e, "the hub session could not be ended; it expires unused");
        }
        *self.hub_session_slot() = None;
    }

    /// The signed-in librarian, if the session has not expired.
    pub fn signed_in(&self) -> Option<Account> {
        self.session().touch(Instant::now())
    }

    fn librarian(&self) -> Result<Account, CurateError> {
        self.signed_in().ok_or(CurateError::NotSignedIn)
    }

    /// Adds or edits a resource (signed-in librarians only). With a hub, the consortium's
    /// list is kept there: the change goes to the hub first (as the librarian signed in on
    /// it), and only then into this cache; every other workstation takes it from the feed.
    /// Without the hub, or without a session on it, nothing changes.
    pub fn save_resource(&self, input: &curate::ResourceInput) -> Result<String, CurateError> {
        let account = self.librarian()?;
        let mut prepared = self.with_store(|s| curate::prepare(s, input))?;
        if let Some((hub, session)) = self.hub_for_curation()? {
            let base = prepared.shared.id.clone();
            let (id, answer) = send_under_free_id(&base, |id| {
                let shared = curate::SharedResource {
                    id: id.to_owned(),
                    ..prepared.shared.clone()
                };
                hub.save_resource(&session, &shared, prepared.new)
            });
            prepared.shared.id = id;
            self.curation_answer(answer)?;
        }
        self.with_store(|s| curate::write(s, &account, &prepared))
    }

    /// Retires or restores a resource (signed-in librarians only); with a hub, on the hub
    /// first, as [`Workstation::save_resource`].
    pub fn set_resource_retired(&self, id: &str, retired: bool) -> Result<(), CurateError> {
        let account = self.librarian()?;
        if self.with_store(|s| curate::is_retired(s, id))? == retired {
            return Ok(());
        }
        if let Some((hub, session)) = self.hub_for_curation()? {
            match hub.set_resource_retired(&session, id, retired) {
                // A resource this workstation had before it was connected to the hub is
                // its own: retired or restored here only.
                Ok(Err(sync::Refusal::NotFound)) => {}
                answer => self.curation_answer(answer)?,
            }
        }
        self.with_store(|s| curate::set_retired(s, &account, id, retired))
    }

    /// What the hub's answer to a change of the resource list means here.
    fn curation_answer(
        &self,
        answer: Result<Result<(), sync::Refusal>, sync::SyncError>,
    ) -> Result<(), CurateError> {
        match answer {
            Ok(Ok(())) => Ok(()),
            Ok(Err(sync::Refusal::NotSignedIn)) => {
                *self.hub_session_slot() = None;
                Err(CurateError::HubSignIn)
            }
            Ok(Err(sync::Refusal::NotFound)) => Err(CurateError::HubRefused(
                "the consortium's list has no such resource".into(),
            )),
            Ok(Err(sync::Refusal::Taken)) => Err(CurateError::HubRefused(
                "a resource with this name was just added on other workstations; save again".into(),
            )),
            Ok(Err(sync::Refusal::Invalid(reason))) => Err(CurateError::HubRefused(reason)),
            Err(e) if e.is_offline() => Err(CurateError::HubUnreachable),
            Err(e) => Err(CurateError::HubRefused(e.to_string())),
        }
    }

    /// The hub and the librarian's session on it, when the resource list is kept there.
    fn hub_for_curation(&self) -> Result<Option<(sync::Hub, String)>, CurateError> {
        match self.hub() {
            Ok(Some(hub)) => match self.hub_session_slot().clone() {
                Some(session) => Ok(Some((hub, session))),
                None => Err(CurateError::HubSignIn),
            },
            Ok(None) => Ok(None),
            Err(_) => Err(CurateError::HubUnreachable),
        }
    }

    /// A resource's audit history (signed-in librarians only).
    pub fn resource_history(&self, id: &str) -> Result<Vec<curate::AuditLine>, CurateError> {
        self.librarian()?;
        // With a hub, the list's history is the hub's (changes made on every workstation);
        // this workstation's own lines when the hub cannot say, or has none.
        if let Ok(Some(hub)) = self.hub()
            && let Some(session) = self.hub_session_slot().clone()
        {
            match hub.resource_history(&session, id) {
                Ok(lines) if !lines.is_empty() => return Ok(curate::shared_history(&lines)),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the hub could not send a resource's history"),
            }
        }
        Ok(self.with_store(|s| curate::history(s, id))?)
    }

    /// One resource with its disciplines.
    pub fn resource(&self, id: &str) -> Result<Option<browse::ResourceDetail>, StoreError> {
        self.with_store(|s| browse::resource_detail(s, id))
    }

    /// Opens an outside link in the system browser, if the configuration allows it.
    pub fn open_link(&self, url: &str) -> Result<url::Url, LinkError> {
        links::open(
            url,
            &self.config.link_domains.value,
            self.config.link_opener.value.as_deref(),
        )
    }
}

/// The instant `days` days ago.
/// What a failed desk action on the hub means for the librarian: the hub refusing it (the
/// booking's status, a code it does not know) is never reported as the hub out of reach.
fn desk_refusal(e: sync::SyncError, code: &str) -> BookingError {
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

fn since(days: Option<u32>) -> Option<Timestamp> {
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

fn labels(store: &Store) -> Result<Labels, StoreError> {
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
fn send_under_free_id(
    base: &str,
    mut send: impl FnMut(&str) -> Result<Result<(), sync::Refusal>, sync::SyncError>,
) -> (String, Result<Result<(), sync::Refusal>, sync::SyncError>) {
    let mut id = base.to_owned();
    let mut answer = send(&id);
    for attempt in 2..=5 {
        if !matches!(answer, Ok(Err(sync::Refusal::Taken))) {
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

    fn workstation(dir: &Path, extra: &[(&str, &str)]) -> Workstation {
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
