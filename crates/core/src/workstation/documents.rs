//! Documents: the store, the page index, background extraction, adding a PDF.

use super::*;
use crate::documents;

impl Workstation {
    /// The documents in the cache.
    pub fn documents(&self) -> Result<Vec<documents::Entry>, StoreError> {
        self.with_store(documents::list)
    }

    /// A stored document's bytes (checked against its SHA-256), for the viewer.
    /// A stored document's bytes, checked against its SHA-256. A document of the hub's whose
    /// file was evicted (or not yet fetched) is downloaded first. Opening counts as use for
    /// the store's least-recently-used eviction.
    pub fn document_bytes(&self, sha: &str) -> Result<Vec<u8>, documents::DocumentError> {
        // A copy delivered to this patron session is served from memory, and not counted.
        if let Some((_, bytes)) = self.copies_slot().get(sha) {
            return Ok(bytes.clone());
        }
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
        self.count(UsageEvent::DocumentOpen { sha });
        Ok(bytes)
    }

    pub(super) fn documents_cap(&self) -> u64 {
        self.config
            .documents_cap_mb
            .value
            .saturating_mul(1024 * 1024)
    }

    pub(super) fn with_page_index<T>(
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
            // The worker reads the document store and nothing else.
            let mut extractor =
                documents::extract::Extractor::new(exe, documents::extract::Limits::default())
                    .reading_from(vec![dir.clone()]);
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
}
