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
    "get_consultation_types",
    "save_consultation_type",
    "new_calendar_feed",
    "get_booking_librarians",
    "get_free_slots",
    "book_consultation",
    "get_bookings",
    "cancel_booking",
    "save_booking_calendar",
    "get_desk",
    "desk_action",
    "save_desk_calendar",
    "get_desk_hours",
    "set_desk_hours",
    "get_desk_exceptions",
    "add_desk_exception",
    "remove_desk_exception",
    "get_booking_statistics",
    "export_booking_statistics",
    "get_documents",
    "add_document",
    "search_documents",
    "get_extraction_status",
    "start_extraction",
    "cancel_extraction",
    "get_sync_status",
    "sync_now",
    "ui_ready",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
