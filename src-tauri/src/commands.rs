//! The app's commands: each takes the workstation state, converts its input, calls core on a
//! blocking thread, and converts the result. No SQL, HTTP or file handling here.

use std::sync::Arc;
use std::time::Instant;

use commons_core::Workstation;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use commons_core::bookings::DeskAction;

use crate::ipc::{
    AddDocumentOutcome, BookOutcome, BookingRequest, BookingView, ConsultationTypeForm,
    ConsultationTypeView, DeskView, DocumentView, ExceptionView, ExtractionStatus, HoursRow,
    LibrarianProfile, NewDocumentForm, PageHitView, SlotView, StatisticsView, SyncStatusView,
};
use crate::ipc::{
    AuditLine, DisciplineNode, DisciplinePage, ExportFormat, Exported, IpcError, Language,
    Overview, Rebuilt, RecordView, ResourceDetail, ResourceForm, ResourceQuery, ResourceSummary,
    SaveOutcome, SearchPage, SearchQuery, SeedEvent, SessionView,
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

#[tauri::command]
#[specta::specta]
pub async fn get_language(state: State<'_, AppState>) -> Result<Language, IpcError> {
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
    let overview = blocking(&state, move |ws| {
        let overview = ws.prepare(&mut |p| {
            let _ = on_progress.send(p.into());
        })?;
        Ok(overview.into())
    })
    .await?;
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

#[tauri::command]
#[specta::specta]
pub async fn search_catalogue(
    state: State<'_, AppState>,
    query: SearchQuery,
) -> Result<SearchPage, IpcError> {
    blocking(&state, move |ws| {
        let (results, labels) = ws.search(&query.into())?;
        Ok(SearchPage::new(results, &labels))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_record(state: State<'_, AppState>, id: String) -> Result<RecordView, IpcError> {
    blocking(&state, move |ws| {
        let record = ws.record(&id)?.ok_or_else(|| IpcError::not_found(&id))?;
        let as_of = ws.refreshed_at()?.map(|t| t.to_string());
        Ok(RecordView::new(record, as_of))
    })
    .await
}

/// Writes the records as RIS, BibTeX or CSL-JSON to the downloads folder.
#[tauri::command]
#[specta::specta]
pub async fn export_records(
    state: State<'_, AppState>,
    ids: Vec<String>,
    format: ExportFormat,
) -> Result<Exported, IpcError> {
    blocking(&state, move |ws| {
        let (path, records) = ws.export(&ids, format.into())?;
        Ok(Exported {
            path: path.display().to_string(),
            records: u32::try_from(records).unwrap_or(u32::MAX),
        })
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_disciplines(state: State<'_, AppState>) -> Result<Vec<DisciplineNode>, IpcError> {
    blocking(&state, |ws| {
        Ok(ws.disciplines()?.into_iter().map(Into::into).collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_discipline(
    state: State<'_, AppState>,
    id: String,
) -> Result<DisciplinePage, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .discipline(&id)?
            .ok_or_else(|| IpcError::not_found(&id))?
            .into())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn list_resources(
    state: State<'_, AppState>,
    query: ResourceQuery,
) -> Result<Vec<ResourceSummary>, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .resources(&query.into())?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_resource(
    state: State<'_, AppState>,
    id: String,
) -> Result<ResourceDetail, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .resource(&id)?
            .ok_or_else(|| IpcError::not_found(&id))?
            .into())
    })
    .await
}

/// Opens an outside link in the system browser (http and https only, allowed domains).
#[tauri::command]
#[specta::specta]
pub async fn open_link(state: State<'_, AppState>, url: String) -> Result<(), IpcError> {
    blocking(&state, move |ws| {
        ws.open_link(&url)?;
        Ok(())
    })
    .await
}

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

/// Adds or edits a resource; problems with the form come back as data, not as an error.
#[tauri::command]
#[specta::specta]
pub async fn save_resource(
    state: State<'_, AppState>,
    form: ResourceForm,
) -> Result<SaveOutcome, IpcError> {
    blocking(&state, move |ws| {
        SaveOutcome::from_result(ws.save_resource(&form.into()))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_resource_retired(
    state: State<'_, AppState>,
    id: String,
    retired: bool,
) -> Result<(), IpcError> {
    blocking(&state, move |ws| Ok(ws.set_resource_retired(&id, retired)?)).await
}

#[tauri::command]
#[specta::specta]
pub async fn get_resource_history(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<AuditLine>, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .resource_history(&id)?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_consultation_types(
    state: State<'_, AppState>,
) -> Result<Vec<ConsultationTypeView>, IpcError> {
    blocking(&state, |ws| {
        Ok(ws
            .consultation_types()?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

/// Librarians who cover a discipline (null: all).
#[tauri::command]
#[specta::specta]
pub async fn get_booking_librarians(
    state: State<'_, AppState>,
    discipline: Option<String>,
) -> Result<Vec<LibrarianProfile>, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .booking_librarians(discipline.as_deref().filter(|d| !d.is_empty()))?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_free_slots(
    state: State<'_, AppState>,
    librarian: String,
    consultation_type: String,
) -> Result<Vec<SlotView>, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws
            .free_slots(&librarian, &consultation_type)?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn book_consultation(
    state: State<'_, AppState>,
    request: BookingRequest,
) -> Result<BookOutcome, IpcError> {
    blocking(&state, move |ws| {
        BookOutcome::from_result(ws.book(&request.into()))
    })
    .await
}

/// The bookings with these codes (the student's own, this session).
#[tauri::command]
#[specta::specta]
pub async fn get_bookings(
    state: State<'_, AppState>,
    codes: Vec<String>,
) -> Result<Vec<BookingView>, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws.bookings(&codes)?.into_iter().map(Into::into).collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_booking(
    state: State<'_, AppState>,
    code: String,
) -> Result<BookingView, IpcError> {
    blocking(&state, move |ws| Ok(ws.cancel_booking(&code)?.into())).await
}

/// Saves the bookings as an .ics file in the downloads folder.
#[tauri::command]
#[specta::specta]
pub async fn save_booking_calendar(
    state: State<'_, AppState>,
    codes: Vec<String>,
) -> Result<Exported, IpcError> {
    blocking(&state, move |ws| {
        let path = ws.booking_calendar(&codes)?;
        Ok(Exported {
            path: path.display().to_string(),
            records: u32::try_from(codes.len()).unwrap_or(u32::MAX),
        })
    })
    .await
}

/// The signed-in librarian's desk for a local date (`YYYY-MM-DD`; null: today).
#[tauri::command]
#[specta::specta]
pub async fn get_desk(
    state: State<'_, AppState>,
    date: Option<String>,
) -> Result<DeskView, IpcError> {
    blocking(&state, move |ws| {
        let date = date.and_then(|d| d.parse().ok());
        Ok(DeskView {
            librarian: ws.desk_profile()?.into(),
            queue: ws.desk_queue(date)?.into_iter().map(Into::into).collect(),
        })
    })
    .await
}

/// `checkIn`, `noShow`, or `complete` with a READ level (1–6) and outcome notes.
#[tauri::command]
#[specta::specta]
pub async fn desk_action(
    state: State<'_, AppState>,
    code: String,
    action: String,
    read_level: Option<u32>,
    outcome: Option<String>,
) -> Result<BookingView, IpcError> {
    blocking(&state, move |ws| {
        let action = match action.as_str() {
            "checkIn" => DeskAction::CheckIn,
            "noShow" => DeskAction::NoShow,
            "complete" => DeskAction::Complete {
                read_level: i64::from(read_level.unwrap_or(0)),
                outcome: outcome.unwrap_or_default(),
            },
            other => return Err(IpcError::internal(format!("unknown desk action {other}"))),
        };
        Ok(ws.desk_action(&code, &action)?.into())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn save_desk_calendar(state: State<'_, AppState>) -> Result<Exported, IpcError> {
    blocking(&state, |ws| {
        let path = ws.desk_calendar()?;
        Ok(Exported {
            path: path.display().to_string(),
            records: 0,
        })
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_desk_hours(state: State<'_, AppState>) -> Result<Vec<HoursRow>, IpcError> {
    blocking(&state, |ws| {
        Ok(ws
            .desk_hours()?
            .into_iter()
            .map(|(weekday, starts, ends)| HoursRow {
                weekday: u32::try_from(weekday).unwrap_or(0),
                starts,
                ends,
            })
            .collect())
    })
    .await
}

/// A new calendar feed address for the signed-in librarian (from the hub).
#[tauri::command]
#[specta::specta]
pub async fn new_calendar_feed(state: State<'_, AppState>) -> Result<String, IpcError> {
    blocking(&state, |ws| Ok(ws.new_calendar_feed()?)).await
}

/// Adds or changes a consultation type (a signed-in librarian).
#[tauri::command]
#[specta::specta]
pub async fn save_consultation_type(
    state: State<'_, AppState>,
    form: ConsultationTypeForm,
) -> Result<SaveOutcome, IpcError> {
    blocking(&state, move |ws| {
        SaveOutcome::from_booking_result(ws.save_consultation_type(&form.into()))
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn set_desk_hours(
    state: State<'_, AppState>,
    hours: Vec<HoursRow>,
) -> Result<(), IpcError> {
    blocking(&state, move |ws| {
        let rows: Vec<(i64, String, String)> = hours
            .into_iter()
            .map(|h| (i64::from(h.weekday), h.starts, h.ends))
            .collect();
        Ok(ws.set_desk_hours(&rows)?)
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_desk_exceptions(
    state: State<'_, AppState>,
) -> Result<Vec<ExceptionView>, IpcError> {
    blocking(&state, |ws| {
        Ok(ws.desk_exceptions()?.into_iter().map(Into::into).collect())
    })
    .await
}

/// Time off: a whole day (no times) or a local time range on a date.
#[tauri::command]
#[specta::specta]
pub async fn add_desk_exception(
    state: State<'_, AppState>,
    date: String,
    starts: Option<String>,
    ends: Option<String>,
    reason: String,
) -> Result<(), IpcError> {
    blocking(&state, move |ws| {
        let range = match (&starts, &ends) {
            (Some(a), Some(b)) if !a.is_empty() && !b.is_empty() => Some((a.as_str(), b.as_str())),
            _ => None,
        };
        Ok(ws.add_desk_exception(&date, range, &reason)?)
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_desk_exception(state: State<'_, AppState>, id: u32) -> Result<(), IpcError> {
    blocking(&state, move |ws| {
        Ok(ws.remove_desk_exception(i64::from(id))?)
    })
    .await
}

/// Statistics over the last `days` days (null: all).
#[tauri::command]
#[specta::specta]
pub async fn get_booking_statistics(
    state: State<'_, AppState>,
    days: Option<u32>,
) -> Result<StatisticsView, IpcError> {
    blocking(&state, move |ws| Ok(ws.booking_statistics(days)?.into())).await
}

#[tauri::command]
#[specta::specta]
pub async fn export_booking_statistics(
    state: State<'_, AppState>,
    days: Option<u32>,
) -> Result<Exported, IpcError> {
    blocking(&state, move |ws| {
        let path = ws.booking_statistics_csv(days)?;
        Ok(Exported {
            path: path.display().to_string(),
            records: 0,
        })
    })
    .await
}

/// The documents in the cache (their bytes come through the `doc:` protocol).
#[tauri::command]
#[specta::specta]
pub async fn get_documents(state: State<'_, AppState>) -> Result<Vec<DocumentView>, IpcError> {
    blocking(&state, |ws| {
        Ok(ws.documents()?.into_iter().map(Into::into).collect())
    })
    .await
}

/// A librarian adds a PDF; its text is then extracted in the background.
#[tauri::command]
#[specta::specta]
pub async fn add_document(
    state: State<'_, AppState>,
    form: NewDocumentForm,
) -> Result<AddDocumentOutcome, IpcError> {
    let outcome = blocking(&state, move |ws| {
        let doc = commons_core::documents::NewDocument {
            file_name: form.file_name,
            title: form.title,
            discipline_id: form.discipline_id,
            record_id: form.record_id,
            resource_id: form.resource_id,
        };
        AddDocumentOutcome::from_result(ws.add_document(&form.base64, &doc))
    })
    .await?;
    if outcome.sha256.is_some() {
        spawn_extraction(&state.workstation);
    }
    Ok(outcome)
}

/// Pages of documents matching a query, best first, with snippets.
#[tauri::command]
#[specta::specta]
pub async fn search_documents(
    state: State<'_, AppState>,
    query: String,
) -> Result<Vec<PageHitView>, IpcError> {
    blocking(&state, move |ws| {
        let query: String = query.chars().take(1000).collect();
        Ok(ws
            .search_documents(&query)?
            .into_iter()
            .map(Into::into)
            .collect())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn get_extraction_status(
    state: State<'_, AppState>,
) -> Result<ExtractionStatus, IpcError> {
    blocking(&state, |ws| {
        let (c, running) = ws.extraction_status()?;
        let n = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(ExtractionStatus {
            pending: n(c.pending),
            indexed: n(c.indexed),
            rejected: n(c.rejected),
            pages: n(c.pages),
            running,
        })
    })
    .await
}

/// Starts background extraction of pending documents (no-op while one runs).
#[tauri::command]
#[specta::specta]
pub fn start_extraction(state: State<'_, AppState>) {
    spawn_extraction(&state.workstation);
}

/// Asks background extraction to stop after the current document.
#[tauri::command]
#[specta::specta]
pub fn cancel_extraction(state: State<'_, AppState>) {
    state.workstation.cancel_extraction();
}

/// Runs extraction of pending documents on a background thread, in isolated workers.
pub fn spawn_extraction(ws: &Arc<Workstation>) {
    let ws = Arc::clone(ws);
    std::thread::spawn(move || {
        let Ok(exe) = std::env::current_exe() else {
            tracing::error!("cannot find the program file to start extraction workers");
            return;
        };
        match ws.extract_pending(&exe, &mut |done, total, _| {
            tracing::debug!(done, total, "extracting document text");
        }) {
            Ok(n) if n > 0 => tracing::info!(documents = n, "document text extracted"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "document text extraction stopped"),
        }
    });
}

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

/// The page has drawn its first screen.
#[tauri::command]
#[specta::specta]
pub fn ui_ready(app: AppHandle, state: State<'_, AppState>) {
    let elapsed = state.started.elapsed();
    tracing::info!(ms = elapsed.as_millis() as u64, "first screen drawn");
    if state.exit_when_ready {
        let unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        println!("ready_unix_ms={unix_ms}");
        app.exit(0);
    }
}

/// The command list and its TypeScript bindings, in one place.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            get_language,
            set_language,
            open_cache,
            rebuild_cache,
            get_overview,
            search_catalogue,
            get_record,
            export_records,
            get_disciplines,
            get_discipline,
            list_resources,
            get_resource,
            open_link,
            sign_in,
            sign_out,
            get_session,
            save_resource,
            set_resource_retired,
            get_resource_history,
            get_consultation_types,
            save_consultation_type,
            new_calendar_feed,
            get_booking_librarians,
            get_free_slots,
            book_consultation,
            get_bookings,
            cancel_booking,
            save_booking_calendar,
            get_desk,
            desk_action,
            save_desk_calendar,
            get_desk_hours,
            set_desk_hours,
            get_desk_exceptions,
            add_desk_exception,
            remove_desk_exception,
            get_booking_statistics,
            export_booking_statistics,
            get_documents,
            add_document,
            search_documents,
            get_extraction_status,
            start_extraction,
            cancel_extraction,
            get_sync_status,
            sync_now,
            ui_ready,
        ])
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
        .disable_serde_phases()
}

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
}
