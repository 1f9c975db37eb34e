//! A librarian signing in and out.

use super::*;

/// Signs a librarian in with a local account.
#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<SessionView, IpcError> {
    blocking(&state, move |ws| {
        let account = ws.sign_in(username.trim(), &password)?;
        Ok(SessionView::of(
            ws.session_status()
                .unwrap_or((account, commons_core::accounts::IDLE_LIMIT)),
        ))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(state: State<'_, AppState>) -> Result<(), IpcError> {
    blocking(&state, |ws| {
        ws.sign_out();
        Ok(())
    })
    .await
}

/// The signed-in librarian, or null. Asking does not keep the session going.
#[tauri::command]
#[specta::specta]
pub async fn get_session(state: State<'_, AppState>) -> Result<Option<SessionView>, IpcError> {
    blocking(&state, |ws| Ok(ws.session_status().map(SessionView::of))).await
}

/// The librarian's "Stay signed in": her own action, so the idle timer starts again (never
/// past the session's length limit). Null when the session has already ended.
#[tauri::command]
#[specta::specta]
pub async fn keep_session(state: State<'_, AppState>) -> Result<Option<SessionView>, IpcError> {
    blocking(&state, |ws| Ok(ws.keep_session().map(SessionView::of))).await
}
