//! Declares the app's commands to Tauri's permission system, so that a window can call only
//! the commands its capability file grants (see `capabilities/README.md`).

/// Every app command; each gets an `allow-<name>` permission.
const COMMANDS: &[&str] = &[
    "get_language",
    "set_language",
    "open_cache",
    "rebuild_cache",
    "get_overview",
    "search_catalogue",
    "get_record",
    "export_records",
    "get_disciplines",
    "get_discipline",
    "list_resources",
    "get_resource",
    "open_link",
    "sign_in",
    "sign_out",
    "get_session",
    "save_resource",
    "set_resource_retired",
    "get_resource_history",
    "ui_ready",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
