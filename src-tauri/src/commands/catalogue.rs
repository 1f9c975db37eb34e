//! The shared catalogue: search, a record, export of citations.

use super::*;

#[tauri::command]
#[specta::specta]
pub async fn search_catalogue(
    state: State<'_, AppState>,
    query: SearchQuery,
) -> Result<SearchPage, IpcError> {
    blocking(&state, move |ws| {
        let (results, labels) = ws.search(&query.into())?;
        Ok(SearchPage::new(results, &labels))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_record(state: State<'_, AppState>, id: String) -> Result<RecordView, IpcError> {
    blocking(&state, move |ws| {
        let record = ws.record(&id)?.ok_or_else(|| IpcError::not_found(&id))?;
        let as_of = ws.refreshed_at()?.map(|t| t.to_string());
        Ok(RecordView::new(record, as_of))
    })
    .await
}

/// Writes the records as RIS, BibTeX or CSL-JSON to the downloads folder.
#[tauri::command]
#[specta::specta]
pub async fn export_records(
    state: State<'_, AppState>,
    ids: Vec<String>,
    format: ExportFormat,
) -> Result<Exported, IpcError> {
    blocking(&state, move |ws| {
        let (path, records) = ws.export(&ids, format.into())?;
        Ok(Exported {
            path: path.display().to_string(),
            records: u32::try_from(records).unwrap_or(u32::MAX),
        })
    })
    .await
}
