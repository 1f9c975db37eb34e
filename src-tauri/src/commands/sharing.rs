//! Resource sharing: the request form's context, placing a request, finding one by code and
//! email, the librarian's queue and steps, document delivery, and the statistics.

use super::*;
use crate::ipc::{
    DeliverOutcome, FoundRequest, OpenedCopyView, PlaceOutcome, QueueEntryView, RequestFormInput,
    RequestQueueView, SharingContextView, SharingStatsView,
};

#[tauri::command]
#[specta::specta]
pub async fn get_sharing_context(
    state: State<'_, AppState>,
) -> Result<SharingContextView, IpcError> {
    blocking(&state, |ws| Ok(ws.sharing_context()?.into())).await
}

/// A reader's request for another library's item: placed with the hub, waiting in the
/// outbox, or the problems with the form.
#[tauri::command]
#[specta::specta]
pub async fn place_request(
    state: State<'_, AppState>,
    form: RequestFormInput,
) -> Result<PlaceOutcome, IpcError> {
    blocking(&state, move |ws| {
        PlaceOutcome::from_result(ws.place_request(&form.into()))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn find_request(
    state: State<'_, AppState>,
    code: String,
    email: String,
) -> Result<FoundRequest, IpcError> {
    blocking(&state, move |ws| Ok(ws.find_request(&code, &email)?.into())).await
}

/// The signed-in librarian's library's requests.
#[tauri::command]
#[specta::specta]
pub async fn get_request_queue(state: State<'_, AppState>) -> Result<RequestQueueView, IpcError> {
    blocking(&state, |ws| {
        let (library, entries) = ws.request_queue()?;
        Ok(RequestQueueView {
            library,
            entries: entries.into_iter().map(Into::into).collect(),
        })
    })
    .await
}

/// A librarian's step on a request; `due` (`YYYY-MM-DD`) when shipping a loan, `note` when
/// declining.
#[tauri::command]
#[specta::specta]
pub async fn take_request_step(
    state: State<'_, AppState>,
    code: String,
    step: String,
    due: Option<String>,
    note: Option<String>,
) -> Result<QueueEntryView, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .request_step(&code, &step, due.as_deref(), note.as_deref())?
            .into())
    })
    .await
}

/// The supplying library's librarian delivers the scanned copy (base64 PDF).
#[tauri::command]
#[specta::specta]
pub async fn deliver_copy(
    state: State<'_, AppState>,
    code: String,
    base64: String,
) -> Result<DeliverOutcome, IpcError> {
    blocking(&state, move |ws| {
        DeliverOutcome::from_result(ws.deliver_copy(&code, &base64))
    })
    .await
}

/// A delivered copy, opened for this patron session by code and email.
#[tauri::command]
#[specta::specta]
pub async fn open_copy(
    state: State<'_, AppState>,
    code: String,
    email: String,
) -> Result<OpenedCopyView, IpcError> {
    blocking(&state, move |ws| {
        let c = ws.open_copy(&code, &email)?;
        Ok(OpenedCopyView {
            sha256: c.sha256,
            title: c.title,
        })
    })
    .await
}

/// Saves a copy opened this session in the downloads folder (a file of the session).
#[tauri::command]
#[specta::specta]
pub async fn save_copy(state: State<'_, AppState>, sha256: String) -> Result<Exported, IpcError> {
    blocking(&state, move |ws| {
        let path = ws.save_copy(&sha256)?;
        Ok(Exported {
            path: path.display().to_string(),
            records: 0,
        })
    })
    .await
}

/// Lending between member libraries over the last `days` days.
#[tauri::command]
#[specta::specta]
pub async fn get_sharing_statistics(
    state: State<'_, AppState>,
    days: u32,
) -> Result<SharingStatsView, IpcError> {
    blocking(&state, move |ws| Ok(ws.sharing_statistics(days)?.into())).await
}

/// The same as CSV in the downloads folder.
#[tauri::command]
#[specta::specta]
pub async fn export_sharing_statistics(
    state: State<'_, AppState>,
    days: u32,
) -> Result<Exported, IpcError> {
    blocking(&state, move |ws| {
        let path = ws.sharing_statistics_csv(days)?;
        Ok(Exported {
            path: path.display().to_string(),
            records: 0,
        })
    })
    .await
}
