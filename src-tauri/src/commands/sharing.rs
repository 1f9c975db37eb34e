//! Resource sharing: the request form's context, placing a request, finding one by code and
//! email, and the librarian's queue and steps.

use super::*;
use crate::ipc::{
    FoundRequest, PlaceOutcome, QueueEntryView, RequestFormInput, RequestQueueView,
    SharingContextView,
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
