//! The workstation and the hub: the background sync loop with its backoff, a sync's pages,
//! the documents it announces, and the outboxes (bookings, requests to other libraries).

use super::sharing;
use super::*;
use crate::search::Indexing;
use crate::{bookings, documents, sync};

/// Records a sync applies before the search index follows them.
const INDEX_BATCH: usize = 50_000;

impl Workstation {
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
                if self.config.hub_allow_insecure_http.value {
                    sync::Transport::AllowInsecureHttp
                } else {
                    sync::Transport::HttpsOnly
                },
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

    pub(super) fn set_sync(&self, f: impl FnOnce(&mut SyncStatus)) {
        f(&mut self
            .sync
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    /// Pulls every change the hub has after the stored cursor, page by page; each page is
    /// applied with its cursor in one transaction, then the search index follows.
    pub fn sync_from(&self, hub: &sync::Hub) -> Result<SyncReport, sync::SyncError> {
        let _writing = self.writing();
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

    /// A sync by one that has the turn to write the search index (`writing`).
    pub(super) fn sync_pages(&self, hub: &sync::Hub) -> Result<SyncReport, sync::SyncError> {
        // Records a sync changed, not yet in the search index: the index follows every
        // `INDEX_BATCH` of them and at the end (also when the sync fails), not every page;
        // one writer and one commit per page would spend a long first sync merging segments.
        // A first sync rebuilds the index once, at its end.
        let mut pending = Vec::new();
        let result = self.sync_pages_into(hub, &mut pending);
        let indexed = self.index_changed(&mut pending);
        let report = result?;
        indexed?;
        Ok(report)
    }

    /// Brings the search index up to the records in `pending` (emptied): an update, or a
    /// rebuild when they are most of the catalogue (a first sync).
    fn index_changed(&self, pending: &mut Vec<String>) -> Result<(), sync::SyncError> {
        if pending.is_empty() {
            return Ok(());
        }
        let total: i64 = self.with_store(|store| {
            store
                .conn()
                .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
                .map_err(|e| store.err(e))
        })?;
        let result = if pending.len() >= 10_000 && (pending.len() as i64) * 2 >= total {
            self.rebuild_index(&mut |_, _| {}).map(|_| ())
        } else {
            self.with_index(|store, index| index.update(store, pending))
        };
        pending.clear();
        result.map_err(|e| sync::SyncError::Index(e.to_string()))
    }

    fn sync_pages_into(
        &self,
        hub: &sync::Hub,
        pending: &mut Vec<String>,
    ) -> Result<SyncReport, sync::SyncError> {
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
        // So do requests to other libraries (the idempotency key makes each exactly once).
        if let Some(sharing::Sent::Failed(error)) = self.send_requests(hub, None)?.last() {
            return Err(sync::SyncError::Unreachable {
                url: hub.url().to_string(),
                detail: error.clone(),
            });
        }
        // A first sync (never synced before) asks for the largest pages the hub gives, and
        // its index follows the pages as they are written (documents built from the records
        // applied, indexed on tantivy's thread while the next page is written), committed
        // once at the end. Should the sync stop on the way, that is dropped and the records
        // applied are indexed from the cache instead (`pending`).
        let start = self.with_store(sync::cursor)?;
        let first = start.is_empty();
        let mut indexing = if first {
            Some(
                self.with_index(|store, index| index.indexing(store))
                    .map_err(|e| sync::SyncError::Index(e.to_string()))?,
            )
        } else {
            None
        };
        let limit = if first {
            commons_protocol::limits::FEED_PAGE_MAX
        } else {
            sync::PAGE
        };
        // The next page is fetched (the hub reads and compresses it, this side reads it)
        // while this one is applied: each page's answer names the cursor after it. Pages
        // are applied in order, each checked against the cache's cursor, so an error on
        // either side stops the sync where the cache is consistent.
        std::thread::scope(|scope| {
            let (ahead, pages) = std::sync::mpsc::sync_channel(1);
            scope.spawn(move || {
                let mut since = start;
                loop {
                    let page = hub.changes(&since, limit);
                    let next = match &page {
                        Ok(p) if !p.changes.is_empty() => Some(p.next.clone()),
                        _ => None,
                    };
                    let sent = ahead.send(page.map(|p| (since, p)));
                    match next {
                        Some(next) if sent.is_ok() => since = next,
                        _ => return,
                    }
                }
            });
            for fetched in pages {
                let (since, page) = fetched?;
                if page.changes.is_empty() {
                    return self.caught_up(hub, &since, &page, pending, indexing, report);
                }
                let applied = self.with_store(|store| match indexing.as_mut() {
                    Some(follow) => sync::apply_following(store, &since, &page, follow),
                    None => sync::apply(store, &since, &page),
                })?;
                report.pages += 1;
                report.records += applied.changed.len();
                pending.extend(applied.changed);
                if !first && pending.len() >= INDEX_BATCH {
                    self.index_changed(pending)?;
                }
                report.libraries += applied.libraries;
                report.skipped.extend(applied.skipped);
                let n = page.changes.len() as u64;
                self.set_sync(|s| {
                    s.online = true;
                    s.applied += n;
                });
            }
            // The fetching thread ended without its last answer: it panicked.
            Err(sync::SyncError::Unreachable {
                url: hub.url().to_string(),
                detail: "the feed's pages stopped arriving".into(),
            })
        })
    }

    /// The end of a sync, on the hub's empty page: its time is what "as of" means; then the
    /// index, documents, usage counts and this workstation's report.
    fn caught_up(
        &self,
        hub: &sync::Hub,
        since: &str,
        page: &commons_protocol::feed::Page,
        pending: &mut Vec<String>,
        indexing: Option<Indexing>,
        mut report: SyncReport,
    ) -> Result<SyncReport, sync::SyncError> {
        self.with_store(|store| sync::apply(store, since, page))?;
        if let Some(indexing) = indexing {
            self.with_index(|store, index| indexing.commit(store, index))
                .map_err(|e| sync::SyncError::Index(e.to_string()))?;
            pending.clear();
        }
        self.index_changed(pending)?;
        report.documents = self.fetch_documents(hub)?;
        // Usage counts go last: a hub that refuses them (an older one) holds up nothing
        // else, and they are sent again next time.
        match self.send_usage(hub) {
            Ok(days) => report.usage_days = days,
            Err(e) if e.is_offline() => return Err(e),
            Err(e) => tracing::warn!(error = %e, "the hub did not take the usage counts"),
        }
        match self.send_health(hub) {
            Err(e) if e.is_offline() => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "the hub did not take this workstation's report")
            }
            Ok(()) => {}
        }
        Ok(report)
    }

    /// Records health checks to tell the hub (the app runs `commons doctor`'s checks once a
    /// day by itself; a fleet tool may record its own).
    pub fn record_health(&self, at: Timestamp, checks: Vec<crate::doctor::Check>) {
        *self
            .health
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((at, checks));
    }

    /// Tells the hub this workstation's version, feed cursor and last health checks (run
    /// again when a day old).
    pub(super) fn send_health(&self, hub: &sync::Hub) -> Result<(), sync::SyncError> {
        use commons_protocol::fleet::{
            CHECK_DETAIL_MAX, CHECK_NAME_MAX, HealthCheck, WorkstationReport,
        };
        let now = Timestamp::now();
        let fresh = self
            .health
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .is_some_and(|(at, _)| now.duration_since(*at).as_hours() < 24);
        if !fresh {
            self.record_health(now, crate::doctor::run(&self.config));
        }
        let (checked_at, checks) = self
            .health
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .unwrap_or((now, Vec::new()));
        let report = WorkstationReport {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            cursor: self.with_store(sync::cursor)?,
            checked_at: Some(checked_at),
            checks: checks
                .into_iter()
                .map(|c| HealthCheck {
                    name: c.name.chars().take(CHECK_NAME_MAX).collect(),
                    ok: c.ok,
                    detail: c.detail.chars().take(CHECK_DETAIL_MAX).collect(),
                })
                .collect(),
        };
        let library = hub.send_report(&report)?;
        self.with_store(|s| crate::sharing::set_home_library(s, library.as_deref()))?;
        Ok(())
    }

    /// Downloads the hub's documents this workstation has not extracted yet (each checked
    /// against its SHA-256; one that fails is noted and tried again next time), then keeps
    /// the store under its cap. Stops when the hub is out of reach. Returns how many arrived.
    pub(super) fn fetch_documents(&self, hub: &sync::Hub) -> Result<usize, sync::SyncError> {
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

    /// Sends bookings waiting in the outbox (`only`: just that one) and records the answers;
    /// stops at the first that cannot be delivered (the hub is out of reach). Returns each
    /// booking sent with its code now and what the hub said.
    pub(super) fn send_outbox(
        &self,
        hub: &sync::Hub,
        only: Option<&str>,
    ) -> Result<Vec<(String, bookings::Sent)>, StoreError> {
        let pending = self.with_store(|s| bookings::outbox(s, only))?;
        let mut out = Vec::new();
        for o in pending {
            let sent = match hub.book(&o) {
                Ok(sync::HubBooking::Booked { code, busy_key }) => {
                    bookings::Sent::Confirmed { code, busy_key }
                }
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
                    tracing::info!("a booking from the outbox was accepted by the hub");
                }
                bookings::Sent::Refused { reason } => {
                    tracing::warn!(
                        reason,
                        "a booking was refused by the hub (taken elsewhere, or not allowed by its roster)"
                    );
                }
                bookings::Sent::Failed { error } => {
                    tracing::warn!(
                        error,
                        "a booking was not delivered to the hub; it stays in the outbox"
                    );
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
}
