//! Consultations: types, librarians and free slots, booking and cancelling, the desk, hours
//! and time off, statistics.

use super::*;

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
    email: Option<String>,
) -> Result<BookingView, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws.cancel_booking(&code, email.as_deref())?.into())
    })
    .await
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

/// Check-in, no-show, or completion with a READ level (1–6) and outcome notes.
#[tauri::command]
#[specta::specta]
pub async fn desk_action(
    state: State<'_, AppState>,
    code: String,
    action: DeskActionInput,
) -> Result<BookingView, IpcError> {
    blocking(&state, move |ws| {
        Ok(ws.desk_action(&code, &DeskAction::from(action))?.into())
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
