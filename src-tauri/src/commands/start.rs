//! Starting: the language, opening (and if need be rebuilding) the cache with progress, the
//! home screen's overview, and the page saying it has drawn.

use super::*;

#[tauri::command]
#[specta::specta]
pub async fn get_language(state: State<'_, AppState>) -> Result<Language, IpcError> {
    // The first thing the page asks: how long the window and the page's script took.
    tracing::debug!(
        ms = state.started.elapsed().as_millis() as u64,
        "the page asks for its language"
    );
    blocking(&state, |ws| Ok(ws.language().into())).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_language(state: State<'_, AppState>, language: Language) -> Result<(), IpcError> {
    blocking(&state, move |ws| Ok(ws.set_language(language.into())?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn open_cache(
    state: State<'_, AppState>,
    on_progress: Channel<SeedEvent>,
) -> Result<Overview, IpcError> {
    let asked = state.started.elapsed();
    let overview = blocking(&state, move |ws| {
        let overview = ws.prepare(&mut |p| {
            let _ = on_progress.send(p.into());
        })?;
        Ok(overview.into())
    })
    .await?;
    tracing::debug!(
        asked_ms = asked.as_millis() as u64,
        ms = (state.started.elapsed() - asked).as_millis() as u64,
        "cache opened"
    );
    // Text extraction of documents not yet searchable goes on in the background, resuming
    // where an earlier run stopped.
    if std::env::var_os("COMMONS_NO_BACKGROUND_EXTRACTION").is_none() {
        spawn_extraction(&state.workstation);
    }
    spawn_sync(&state.workstation);
    Ok(overview)
}

#[tauri::command]
#[specta::specta]
pub async fn rebuild_cache(
    state: State<'_, AppState>,
    on_progress: Channel<SeedEvent>,
) -> Result<Rebuilt, IpcError> {
    blocking(&state, move |ws| {
        let (aside, overview) = ws.rebuild(&mut |p| {
            let _ = on_progress.send(p.into());
        })?;
        Ok(Rebuilt {
            set_aside: aside.map(|p| p.display().to_string()),
            overview: overview.into(),
        })
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_overview(state: State<'_, AppState>) -> Result<Overview, IpcError> {
    blocking(&state, |ws| Ok(ws.overview()?.into())).await
}

/// The page has drawn its first screen.
#[tauri::command]
#[specta::specta]
pub fn ui_ready(app: AppHandle, state: State<'_, AppState>) {
    let elapsed = state.started.elapsed();
    tracing::info!(ms = elapsed.as_millis() as u64, "first screen drawn");
    // What opening the cache and answering the first screen allocated and freed.
    std::thread::spawn(commons_core::memory::give_back);
    if state.exit_when_ready {
        let unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        println!("ready_unix_ms={unix_ms}");
        app.exit(0);
    }
}
