//! Documents: the list, adding a PDF, search across pages, background extraction.

use super::*;

/// The documents in the cache (their bytes come through the `doc:` protocol).
#[tauri::command]
#[specta::specta]
pub async fn get_documents(state: State<'_, AppState>) -> Result<Vec<DocumentView>, IpcError> {
    blocking(&state, |ws| {
        Ok(ws.documents()?.into_iter().map(Into::into).collect())
    })
    .await
}

/// A librarian adds a PDF; its text is then extracted in the background.
#[tauri::command]
#[specta::specta]
pub async fn add_document(
    state: State<'_, AppState>,
    form: NewDocumentForm,
) -> Result<AddDocumentOutcome, IpcError> {
    let outcome = blocking(&state, move |ws| {
        let doc = commons_core::documents::NewDocument {
            file_name: form.file_name,
            title: form.title,
            discipline_id: form.discipline_id,
            record_id: form.record_id,
            resource_id: form.resource_id,
        };
        AddDocumentOutcome::from_result(ws.add_document(&form.base64, &doc))
    })
    .await?;
    if matches!(outcome, AddDocumentOutcome::Added { .. }) {
        spawn_extraction(&state.workstation);
    }
    Ok(outcome)
}

/// Pages of documents matching a query, best first, with snippets.
#[tauri::command]
#[specta::specta]
pub async fn search_documents(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<PageHitView>, IpcError> {
    blocking(&state, move |ws| {
        let query: String = query.chars().take(1000).collect();
        Ok(ws
            .search_documents(&query)?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_extraction_status(
    state: State<'_, AppState>,
) -> Result<ExtractionStatus, IpcError> {
    blocking(&state, |ws| {
        let (c, running) = ws.extraction_status()?;
        let n = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(ExtractionStatus {
            pending: n(c.pending),
            indexed: n(c.indexed),
            rejected: n(c.rejected),
            pages: n(c.pages),
            running,
        })
    })
    .await
}

/// Starts background extraction of pending documents (no-op while one runs).
#[tauri::command]
#[specta::specta]
pub fn start_extraction(state: State<'_, AppState>) {
    spawn_extraction(&state.workstation);
}

/// Asks background extraction to stop after the current document.
#[tauri::command]
#[specta::specta]
pub fn cancel_extraction(state: State<'_, AppState>) {
    state.workstation.cancel_extraction();
}

/// Runs extraction of pending documents on a background thread, in isolated workers.
pub fn spawn_extraction(ws: &Arc<Workstation>) {
    let ws = Arc::clone(ws);
    std::thread::spawn(move || {
        let Ok(exe) = std::env::current_exe() else {
            tracing::error!("cannot find the program file to start extraction workers");
            return;
        };
        match ws.extract_pending(&exe, &mut |done, total, _| {
            tracing::debug!(done, total, "extracting document text");
        }) {
            Ok(n) if n > 0 => {
                tracing::info!(documents = n, "document text extracted");
                // Each document's page index writer had buffers of its own.
                commons_core::memory::give_back();
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "document text extraction stopped"),
        }
    });
}
