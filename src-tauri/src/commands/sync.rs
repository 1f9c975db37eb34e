//! Syncing with the hub: the background loop, its status, "sync now".

use super::*;

/// Keeps the cache in step with the hub, when one is configured, on a thread of its own
/// (the blocking HTTP client must not be made or dropped on the async runtime's threads).
pub fn spawn_sync(ws: &Arc<Workstation>) {
    if ws.config().hub_url.value.is_none() {
        return;
    }
    let every = ws.config().hub_sync_interval.value;
    let ws = Arc::clone(ws);
    std::thread::spawn(move || match ws.hub() {
        Ok(Some(hub)) => ws.sync_loop(&hub, every, &|report| {
            // A sync's pages and index buffers, freed.
            commons_core::memory::give_back();
            // Documents that arrived become searchable.
            if report.documents > 0
                && std::env::var_os("COMMONS_NO_BACKGROUND_EXTRACTION").is_none()
            {
                spawn_extraction(&ws);
            }
        }),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "the hub client could not be made"),
    });
}

/// How syncing with the hub goes.
#[tauri::command]
#[specta::specta]
pub fn get_sync_status(state: State<'_, AppState>) -> SyncStatusView {
    state.workstation.sync_status().into()
}

/// Sync with the hub now.
#[tauri::command]
#[specta::specta]
pub fn sync_now(state: State<'_, AppState>) {
    state.workstation.wake_sync();
}
