//! Disciplines and the resource list: browsing, outside links, and librarians' curation.

use super::*;

#[tauri::command]
#[specta::specta]
pub async fn get_disciplines(state: State<'_, AppState>) -> Result<Vec<DisciplineNode>, IpcError> {
    blocking(&state, |ws| {
        Ok(ws.disciplines()?.into_iter().map(Into::into).collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_discipline(
    state: State<'_, AppState>,
    id: String,
) -> Result<DisciplinePage, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .discipline(&id)?
            .ok_or_else(|| IpcError::not_found(&id))?
            .into())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn list_resources(
    state: State<'_, AppState>,
    query: ResourceQuery,
) -> Result<Vec<ResourceSummary>, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .resources(&query.into())?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_resource(
    state: State<'_, AppState>,
    id: String,
) -> Result<ResourceDetail, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .resource(&id)?
            .ok_or_else(|| IpcError::not_found(&id))?
            .into())
    })
    .await
}

/// Opens an outside link in the system browser (http and https only, allowed domains).
#[tauri::command]
#[specta::specta]
pub async fn open_link(state: State<'_, AppState>, url: String) -> Result<(), IpcError> {
    blocking(&state, move |ws| {
        ws.open_link(&url)?;
        Ok(())
    })
    .await
}

/// Opens a resource's link in the system browser (counted in usage statistics).
#[tauri::command]
#[specta::specta]
pub async fn open_resource(state: State<'_, AppState>, id: String) -> Result<(), IpcError> {
    blocking(&state, move |ws| {
        ws.open_resource(&id)?;
        Ok(())
    })
    .await
}

/// Adds or edits a resource; problems with the form come back as data, not as an error.
#[tauri::command]
#[specta::specta]
pub async fn save_resource(
    state: State<'_, AppState>,
    form: ResourceForm,
) -> Result<SaveOutcome, IpcError> {
    blocking(&state, move |ws| {
        SaveOutcome::from_result(ws.save_resource(&form.into()))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_resource_retired(
    state: State<'_, AppState>,
    id: String,
    retired: bool,
) -> Result<(), IpcError> {
    blocking(&state, move |ws| Ok(ws.set_resource_retired(&id, retired)?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_resource_history(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<AuditLine>, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .resource_history(&id)?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}
