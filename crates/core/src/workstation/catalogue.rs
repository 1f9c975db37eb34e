//! The catalogue: search, records, exports and downloads, import and reindexing.

use super::*;
use crate::catalogue;

impl Workstation {
    /// Searches the catalogue; returns the results and display names for id-valued facets.
    pub fn search(&self, request: &SearchRequest) -> Result<(SearchResults, Labels), SearchError> {
        self.with_index(|store, index| {
            let results = index.search(store, request)?;
            Ok((results, labels(store)?))
        })
    }

    /// One record with its holdings.
    /// Opening a record's page counts as a view in usage statistics.
    pub fn record(&self, id: &str) -> Result<Option<RecordDetail>, StoreError> {
        let found = self.with_store(|store| catalogue::detail::record(store, id))?;
        if found.is_some() {
            self.count(UsageEvent::RecordView { record: id });
        }
        Ok(found)
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
        self.count(UsageEvent::CitationExport {
            record: (records.len() == 1).then(|| records[0].id.as_str()),
        });
        Ok((path, records.len()))
    }

    /// Writes a file into the downloads folder under a fresh name (`base-YYYYMMDD-HHMMSS.ext`).
    pub fn save_download(
        &self,
        base: &str,
        extension: &str,
        text: impl AsRef<[u8]>,
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
        // Written aside, then renamed: the file appears whole or not at all.
        let part = dir.join(format!(
            ".{}.part",
            path.file_name().unwrap_or_default().to_string_lossy()
        ));
        std::fs::write(&part, text)
            .and_then(|()| std::fs::rename(&part, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&part);
                io(e)
            })?;
        self.session_files_slot().push(path.clone());
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
        // The index is written as the records are (see `Indexing`) and committed after them,
        // once a sync writing it has finished.
        let _writing = self.writing();
        let mut imported = None;
        self.with_index(|store, index| {
            let mut indexing = index.indexing(store)?;
            let report = catalogue::import_file(store, path, progress, &mut indexing);
            if report.as_ref().is_ok_and(|r| !r.changed.is_empty()) {
                indexing.commit(store, index)?;
            }
            imported = Some(report);
            Ok(())
        })
        .map_err(|e| ImportError::Index(e.to_string()))?;
        imported.unwrap_or_else(|| unreachable!("the import ran"))
    }

    /// Rebuilds the search index from the cache.
    pub fn reindex(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<u64, SearchError> {
        let _writing = self.writing();
        self.rebuild_index(progress)
    }

    /// `reindex`, by one that has the turn to write the index.
    pub(super) fn rebuild_index(
        &self,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, SearchError> {
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

    /// The original of catalogue record `id`, byte for byte as its source sent it.
    pub fn original(
        &self,
        id: &str,
    ) -> Result<Option<catalogue::originals::Original>, catalogue::originals::OriginalError> {
        self.with_store(|store| catalogue::originals::original(store.conn(), id))
    }

    /// Compresses the originals stored as sent or without a dictionary, then gives the
    /// cache's free pages back to the disk (`VACUUM`).
    pub fn compact(
        &self,
    ) -> Result<catalogue::originals::Repacked, catalogue::originals::OriginalError> {
        self.with_store(|store| {
            let size = || std::fs::metadata(store.path()).map_or(0, |m| m.len());
            let bytes_before = size();
            let mut done = store.bulk(|| {
                let tx = store.write()?;
                let done = catalogue::originals::repack(&tx)?;
                tx.commit()?;
                Ok::<_, catalogue::originals::OriginalError>(done)
            })?;
            store
                .conn()
                .execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
            done.bytes_before = bytes_before;
            done.bytes_after = size();
            Ok(done)
        })
    }
}
