//! A patron's session at a public workstation: the files it saved, and finishing it
//! ("Finish and clear", or the idle countdown).

use super::*;

/// How the page runs the patron session: minutes without input before it is cleared.
#[tauri::command]
#[specta::specta]
pub fn get_kiosk(state: State<'_, AppState>) -> KioskView {
    KioskView {
        idle_minutes: state.workstation.config().kiosk_idle_minutes.value,
    }
}

/// The files this session saved (exports, calendars), to list and open.
#[tauri::command]
#[specta::specta]
pub async fn get_session_files(state: State<'_, AppState>) -> Result<Vec<SessionFile>, IpcError> {
    blocking(&state, |ws| Ok(SessionFile::list(&ws.session_files()))).await
}

/// Opens a file this session saved with the system's opener.
#[tauri::command]
#[specta::specta]
pub async fn open_session_file(state: State<'_, AppState>, index: u32) -> Result<(), IpcError> {
    blocking(&state, move |ws| {
        Ok(ws.open_session_file(usize::try_from(index).unwrap_or(usize::MAX))?)
    })
    .await
}

/// Ends the patron session: its files deleted, a librarian signed out, the configured
/// language back. Returns how many files were deleted; the page clears what it holds.
#[tauri::command]
#[specta::specta]
pub async fn finish_session(state: State<'_, AppState>) -> Result<u32, IpcError> {
    blocking(&state, |ws| {
        Ok(u32::try_from(ws.finish_session()).unwrap_or(u32::MAX))
    })
    .await
}
