//! The app's commands, one module per area: each takes the workstation state, converts its
//! input, calls core on a blocking thread, and converts the result. No SQL, HTTP or file
//! handling here. `list.rs` is the one list of them.

mod bookings;
mod catalogue;
mod disciplines;
mod documents;
mod patron;
mod session;
mod sharing;
mod start;
mod sync;
mod usage;

pub use documents::spawn_extraction;
pub use sync::spawn_sync;

use std::sync::Arc;
use std::time::Instant;

use commons_core::Workstation;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use commons_core::bookings::DeskAction;

use crate::ipc::{
    AddDocumentOutcome, BookOutcome, BookingRequest, BookingView, ConsultationTypeForm,
    ConsultationTypeView, DeskActionInput, DeskView, DocumentView, ExceptionView, ExtractionStatus,
    HoursRow, LibrarianProfile, NewDocumentForm, PageHitView, SlotView, StatisticsView,
    SyncStatusView,
};
use crate::ipc::{
    AuditLine, DisciplineNode, DisciplinePage, ExportFormat, Exported, IpcError, KioskView,
    Language, Overview, Rebuilt, RecordView, ResourceDetail, ResourceForm, ResourceQuery,
    ResourceSummary, SaveOutcome, SearchPage, SearchQuery, SeedEvent, SessionFile, SessionView,
};

/// What every command can reach.
#[derive(Debug)]
pub struct AppState {
    pub workstation: Arc<Workstation>,
    pub started: Instant,
    /// Set by the start-up benchmark: exit once the first screen is drawn.
    pub exit_when_ready: bool,
}

/// Runs blocking core work off the async executor.
async fn blocking<T: Send + 'static>(
    state: &State<'_, AppState>,
    f: impl FnOnce(&Workstation) -> Result<T, IpcError> + Send + 'static,
) -> Result<T, IpcError> {
    let ws = Arc::clone(&state.workstation);
    tauri::async_runtime::spawn_blocking(move || f(&ws))
        .await
        .map_err(IpcError::internal)?
}

macro_rules! command_list {
    ($($module:ident :: $name:ident),* $(,)?) => {
        /// Every command's name, as the permission system knows it.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// The command list and its TypeScript bindings, in one place.
        pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
            tauri_specta::Builder::<tauri::Wry>::new()
                .commands(tauri_specta::collect_commands![$($module::$name),*])
                .error_handling(tauri_specta::ErrorHandlingMode::Throw)
                .disable_serde_phases()
        }
    };
}

include!("list.rs");

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The committed TypeScript bindings must be what the Rust types generate. Run with
    /// `COMMONS_UPDATE_BINDINGS=1` to rewrite them after changing a command or an IPC type.
    #[test]
    fn typescript_bindings_are_current() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("bindings.ts");
        super::specta_builder()
            .export(specta_typescript::Typescript::default(), &fresh)
            .unwrap();
        let fresh = std::fs::read_to_string(&fresh).unwrap();
        if std::env::var_os("COMMONS_UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh).unwrap();
        }
        let current = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            current == fresh,
            "ui/src/lib/bindings.ts is stale: run `COMMONS_UPDATE_BINDINGS=1 cargo test -p commons typescript_bindings_are_current` and commit the result"
        );
    }

    /// The main window's capability grants every command and nothing else.
    #[test]
    fn the_capability_file_grants_exactly_the_commands() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities/main.json");
        let file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut granted: Vec<String> = file["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        granted.sort();
        let mut expected: Vec<String> = super::NAMES
            .iter()
            .map(|n| format!("allow-{}", n.replace('_', "-")))
            .collect();
        expected.sort();
        assert_eq!(granted, expected);
        let mut unique = super::NAMES.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), super::NAMES.len(), "a command listed twice");
    }
}
