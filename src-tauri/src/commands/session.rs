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
        Ok(ws.sign_in(username.trim(), &password)?.into())
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

/// The signed-in librarian, or null.
#[tauri::command]
#[specta::specta]
pub async fn get_session(state: State<'_, AppState>) -> Result<Option<SessionView>, IpcError> {
    blocking(&state, |ws| Ok(ws.signed_in().map(Into::into))).await
}
