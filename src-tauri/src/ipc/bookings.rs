//! Consultations: types, librarians, slots, bookings, the desk, statistics.

use super::*;
use commons_core::bookings;

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsultationTypeView {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    pub minutes: u32,
    pub buffer_before: u32,
    pub buffer_after: u32,
    pub min_notice_minutes: u32,
    pub capacity: u32,
    pub window_days: u32,
    pub cancel_cutoff_minutes: u32,
}

/// A consultation type as a librarian edits it; `id` null for a new one.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsultationTypeForm {
    pub id: Option<String>,
    pub name: String,
    pub name_zh: String,
    pub minutes: u32,
    pub buffer_before: u32,
    pub buffer_after: u32,
    pub min_notice_minutes: u32,
    pub capacity: u32,
    pub window_days: u32,
    pub cancel_cutoff_minutes: u32,
}

impl From<ConsultationTypeForm> for bookings::TypeForm {
    fn from(f: ConsultationTypeForm) -> Self {
        bookings::TypeForm {
            id: f.id,
            name: f.name,
            name_zh: f.name_zh,
            minutes: i64::from(f.minutes),
            buffer_before: i64::from(f.buffer_before),
            buffer_after: i64::from(f.buffer_after),
            min_notice_minutes: i64::from(f.min_notice_minutes),
            window_days: i64::from(f.window_days),
            cancel_cutoff_minutes: i64::from(f.cancel_cutoff_minutes),
            capacity: i64::from(f.capacity),
        }
    }
}

impl SaveOutcome {
    /// A consultation type saved, or the problems with the form.
    pub fn from_booking_result(
        result: Result<String, bookings::BookingError>,
    ) -> Result<SaveOutcome, IpcError> {
        SaveOutcome::of(result, |e| match e {
            bookings::BookingError::Invalid(list) => Ok(list),
            other => Err(other),
        })
    }
}

pub(crate) fn small(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

impl From<bookings::ConsultationType> for ConsultationTypeView {
    fn from(t: bookings::ConsultationType) -> Self {
        ConsultationTypeView {
            id: t.id,
            name: t.name,
            name_zh: t.name_zh,
            minutes: small(t.rules.minutes),
            buffer_before: small(t.rules.buffer_before),
            buffer_after: small(t.rules.buffer_after),
            min_notice_minutes: small(t.rules.min_notice_minutes),
            capacity: small(t.rules.capacity),
            window_days: small(t.rules.window_days),
            cancel_cutoff_minutes: small(t.cancel_cutoff_minutes),
        }
    }
}

/// A librarian as students see them: no contact details.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct LibrarianProfile {
    pub id: String,
    pub name: String,
    pub library: DisciplineName,
    /// IANA time zone of the library; slots are shown in it.
    pub time_zone: String,
    pub subjects: Vec<String>,
    pub languages: Vec<String>,
    pub disciplines: Vec<String>,
}

impl From<bookings::Profile> for LibrarianProfile {
    fn from(p: bookings::Profile) -> Self {
        LibrarianProfile {
            id: p.id,
            name: p.name,
            library: DisciplineName {
                id: p.library_id,
                name: p.library_name,
                name_zh: p.library_name_zh,
            },
            time_zone: p.time_zone,
            subjects: p.subjects,
            languages: p.languages,
            disciplines: p.disciplines,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SlotView {
    /// RFC 3339, UTC.
    pub starts: String,
    pub ends: String,
    pub places: u32,
}

impl From<bookings::slots::Slot> for SlotView {
    fn from(s: bookings::slots::Slot) -> Self {
        SlotView {
            starts: bookings::stamp(s.starts),
            ends: bookings::stamp(s.ends),
            places: small(s.places),
        }
    }
}

/// What a student submits to book.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BookingRequest {
    pub librarian_id: String,
    pub type_id: String,
    /// The slot's start as given by `get_free_slots`.
    pub starts: String,
    pub name: String,
    pub email: String,
    pub topic: String,
    pub discipline_id: Option<String>,
    pub description: String,
}

impl From<BookingRequest> for bookings::Request {
    fn from(r: BookingRequest) -> Self {
        bookings::Request {
            librarian_id: r.librarian_id,
            type_id: r.type_id,
            starts: r.starts.parse().ok(),
            name: r.name,
            email: r.email,
            topic: r.topic,
            discipline_id: r.discipline_id,
            description: r.description,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct BookingView {
    pub code: String,
    pub librarian_id: String,
    pub librarian_name: String,
    pub library_name: String,
    pub library_name_zh: String,
    pub time_zone: String,
    pub type_id: String,
    pub discipline_id: Option<String>,
    pub starts: String,
    pub ends: String,
    pub status: BookingState,
    pub topic: String,
    /// Personal data: null once purged.
    pub name: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub outcome: Option<String>,
    pub read_level: Option<u32>,
    /// With a hub: `pending` (waiting to reach it), `confirmed` or `refused` (taken first
    /// on another workstation); null on a standalone workstation.
    pub hub_state: Option<String>,
}

impl From<bookings::Booking> for BookingView {
    fn from(b: bookings::Booking) -> Self {
        BookingView {
            code: b.code,
            library_name: b.library_name,
            library_name_zh: b.library_name_zh,
            librarian_id: b.librarian_id,
            librarian_name: b.librarian_name,
            time_zone: b.time_zone,
            type_id: b.type_id,
            discipline_id: b.discipline_id,
            starts: bookings::stamp(b.starts),
            ends: bookings::stamp(b.ends),
            status: BookingState::of(&b.status),
            topic: b.topic,
            name: b.name,
            email: b.email,
            description: b.description,
            outcome: b.outcome,
            read_level: b.read_level.map(small),
            hub_state: b.hub_state,
        }
    }
}

/// What booking did: the booking, or the problems with the form, or the slot was taken
/// meanwhile (with the nearest free ones).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BookOutcome {
    Booked { booking: Box<BookingView> },
    Invalid { problems: Vec<FieldProblem> },
    Taken { nearest: Vec<SlotView> },
}

impl BookOutcome {
    pub fn from_result(
        result: Result<bookings::Booking, bookings::BookingError>,
    ) -> Result<BookOutcome, IpcError> {
        match result {
            Ok(b) => Ok(BookOutcome::Booked {
                booking: Box::new(b.into()),
            }),
            Err(bookings::BookingError::Invalid(list)) => Ok(BookOutcome::Invalid {
                problems: list.into_iter().map(Into::into).collect(),
            }),
            Err(bookings::BookingError::SlotTaken { nearest }) => Ok(BookOutcome::Taken {
                nearest: nearest.into_iter().map(Into::into).collect(),
            }),
            Err(e) => Err(e.into()),
        }
    }
}

/// The signed-in librarian's desk: who they are and the day's queue.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeskView {
    pub librarian: LibrarianProfile,
    pub queue: Vec<BookingView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HoursRow {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: u32,
    /// Local wall-clock "HH:MM".
    pub starts: String,
    pub ends: String,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionView {
    pub id: u32,
    pub date: String,
    pub starts: Option<String>,
    pub ends: Option<String>,
    pub reason: String,
}

impl From<bookings::ExceptionRow> for ExceptionView {
    fn from(e: bookings::ExceptionRow) -> Self {
        ExceptionView {
            id: u32::try_from(e.id).unwrap_or(0),
            date: e.date,
            starts: e.starts,
            ends: e.ends,
            reason: e.reason,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CountOf {
    pub key: String,
    pub count: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsView {
    pub total: u32,
    pub completed: u32,
    pub no_shows: u32,
    pub cancelled: u32,
    /// 0–1.
    pub no_show_rate: f64,
    pub by_discipline: Vec<CountOf>,
    pub by_week: Vec<CountOf>,
    pub by_librarian: Vec<CountOf>,
    pub by_library: Vec<CountOf>,
    /// Completed consultations at READ levels 1 to 6.
    pub read_levels: Vec<u32>,
}

impl From<bookings::stats::Statistics> for StatisticsView {
    fn from(s: bookings::stats::Statistics) -> Self {
        let counts = |v: Vec<(String, u64)>| {
            v.into_iter()
                .map(|(key, n)| CountOf {
                    key,
                    count: count(n),
                })
                .collect()
        };
        StatisticsView {
            total: count(s.total),
            completed: count(s.completed),
            no_shows: count(s.no_shows),
            cancelled: count(s.cancelled),
            no_show_rate: s.no_show_rate,
            by_discipline: counts(s.by_discipline),
            by_week: counts(s.by_week),
            by_librarian: counts(s.by_librarian),
            by_library: counts(s.by_library),
            read_levels: s.read_levels.iter().map(|n| count(*n)).collect(),
        }
    }
}

/// What a librarian does with a booking at the desk.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(tag = "action", rename_all = "camelCase")]
pub enum DeskActionInput {
    CheckIn,
    NoShow,
    Complete {
        /// The READ scale, 1 to 6.
        #[serde(rename = "readLevel")]
        read_level: u32,
        outcome: String,
    },
}

impl From<DeskActionInput> for bookings::DeskAction {
    fn from(a: DeskActionInput) -> Self {
        match a {
            DeskActionInput::CheckIn => bookings::DeskAction::CheckIn,
            DeskActionInput::NoShow => bookings::DeskAction::NoShow,
            DeskActionInput::Complete {
                read_level,
                outcome,
            } => bookings::DeskAction::Complete {
                read_level: i64::from(read_level),
                outcome,
            },
        }
    }
}

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum BookingState {
    Booked,
    CheckedIn,
    Completed,
    NoShow,
    Cancelled,
}

impl BookingState {
    /// The state a store keeps as text; the cache's CHECK constraint allows no other.
    fn of(status: &str) -> BookingState {
        use commons_protocol::bookings::BookingStatus as S;
        match S::parse(status) {
            Some(S::Booked) | None => BookingState::Booked,
            Some(S::CheckedIn) => BookingState::CheckedIn,
            Some(S::Completed) => BookingState::Completed,
            Some(S::NoShow) => BookingState::NoShow,
            Some(S::Cancelled) => BookingState::Cancelled,
        }
    }
}
