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

/// The page sizes a patron may choose, in percent: 200 is WCAG's reflow case.
pub const ZOOM_LEVELS: [u16; 3] = [100, 150, 200];

/// Zooms the whole page (text, images, layout) for this patron session, as the browser's
/// zoom would: the page reflows at the narrower width. Only [`ZOOM_LEVELS`] are taken.
#[tauri::command]
#[specta::specta]
pub fn set_zoom(window: tauri::WebviewWindow, percent: u16) -> Result<(), IpcError> {
    if !ZOOM_LEVELS.contains(&percent) {
        return Err(IpcError::new(
            "invalid_zoom",
            format!("a page size of {percent}% is not offered (100, 150 or 200)"),
        ));
    }
    window
        .set_zoom(f64::from(percent) / 100.0)
        .map_err(IpcError::internal)
}

/// Ends the patron session: its files deleted, a librarian signed out, the configured
/// language and page size back. Returns how many files were deleted; the page clears what
/// it holds.
#[tauri::command]
#[specta::specta]
pub async fn finish_session(
    state: State<'_, AppState>,
    window: tauri::WebviewWindow,
) -> Result<u32, IpcError> {
    // The next patron starts at the standard size, whatever this one chose.
    if let Err(e) = window.set_zoom(1.0) {
        tracing::warn!("could not reset the page size: {e}");
    }
    blocking(&state, |ws| {
        Ok(u32::try_from(ws.finish_session()).unwrap_or(u32::MAX))
    })
    .await
}
