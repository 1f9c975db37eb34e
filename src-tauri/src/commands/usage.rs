//! Usage statistics: the page reports what core cannot see (a search whose results were
//! looked at, a page read), and a librarian reads and saves the statistics.

use commons_core::workstation::UsageEvent;

use super::*;
use crate::ipc::{UsageSection, UsageView};

/// A search whose results the patron looked at (not each keystroke): its text, how many it
/// found, the discipline it was limited to.
#[tauri::command]
#[specta::specta]
pub async fn count_search(
    state: State<'_, AppState>,
    text: String,
    found: u32,
    discipline: Option<String>,
) -> Result<(), IpcError> {
    blocking(&state, move |ws| {
        ws.count(UsageEvent::Search {
            text: &text,
            found: u64::from(found),
            discipline: discipline.as_deref(),
        });
        Ok(())
    })
    .await
}

/// A page of a document shown in the viewer (counted once per page and session).
#[tauri::command]
#[specta::specta]
pub async fn count_page(
    state: State<'_, AppState>,
    sha256: String,
    page: u32,
) -> Result<(), IpcError> {
    blocking(&state, move |ws| {
        if commons_core::documents::is_sha256(&sha256) {
            ws.count(UsageEvent::PageRead { sha: &sha256, page });
        }
        Ok(())
    })
    .await
}

fn view(ws: &Workstation, days: u32, library: Option<String>) -> Result<UsageView, IpcError> {
    let summary = ws.usage_statistics(days, library)?;
    let (resources, documents) = ws.usage_names(&summary)?;
    Ok(UsageView::new(&summary, resources, documents))
}

/// Usage statistics of the last `days` days: the hub's for the signed-in librarian's
/// library (the office: `library`, or the consortium), else this workstation's.
#[tauri::command]
#[specta::specta]
pub async fn get_usage_statistics(
    state: State<'_, AppState>,
    days: u32,
    library: Option<String>,
) -> Result<UsageView, IpcError> {
    blocking(&state, move |ws| view(ws, days, library)).await
}

/// Saves one section of the usage statistics as CSV in the session's downloads.
#[tauri::command]
#[specta::specta]
pub async fn export_usage_statistics(
    state: State<'_, AppState>,
    days: u32,
    library: Option<String>,
    section: UsageSection,
) -> Result<Exported, IpcError> {
    blocking(&state, move |ws| {
        let summary = ws.usage_statistics(days, library)?;
        let path = ws.usage_csv(&summary, section.into())?;
        Ok(Exported {
            path: path.display().to_string(),
            records: 0,
        })
    })
    .await
}
