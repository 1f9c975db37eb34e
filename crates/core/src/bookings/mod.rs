//! On-site consultation booking: slots from librarians' hours, bookings with a code, the
//! librarian's desk (queue, check-in, outcome, no-shows), retention and statistics.
//!
//! Standalone, bookings live in the cache; a booking is written in one write transaction
//! that first checks the slot is still free, so two students can never take the same
//! librarian's time (SQLite admits one writer at a time). Instants are stored in UTC with
//! second precision (`2026-03-02T16:00:00Z`), so they compare as text.

pub use commons_protocol::slots;
pub mod stats;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, Row, Transaction};

use commons_protocol::bookings::{BookingStatus, exception_problems, hours_problems};
pub use commons_protocol::bookings::{
    DeskAction, SharedException, SharedSchedule, TYPE_LIMITS, TypeForm, type_problems,
};
use commons_protocol::limits::{DESCRIPTION_MAX, STUDENT_NAME_MAX, TOPIC_MAX, is_email};
use commons_protocol::{BookingCode, FieldError};

use crate::store::{Store, StoreError};
use slots::{Busy, Exception, Hours, Rules, Slot};

/// A booked consultation that was not checked in this long after its start is a no-show.
pub const NO_SHOW_GRACE: SignedDuration = SignedDuration::from_mins(15);

/// Why a booking action was refused.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("the booking has {} problems", .0.len())]
    Invalid(Vec<FieldError>),
    #[error("this time has just been taken")]
    SlotTaken { nearest: Vec<Slot> },
    #[error(
        "this time is not one the librarian offers (in the past, too soon, or outside the hours)"
    )]
    NotOffered,
    #[error("no booking has the code {0}")]
    UnknownCode(String),
    #[error("it is too late to cancel online; please call or visit the desk")]
    TooLateToCancel,
    #[error("the booking is {0}; that cannot be done now")]
    WrongState(String),
    #[error("there is no librarian {0}")]
    UnknownLibrarian(String),
    #[error("there is no consultation type {0}")]
    UnknownType(String),
    #[error("the library's time zone {0} is unknown to this workstation")]
    TimeZone(String),
    #[error("sign in as a librarian first (or again: sessions end after 30 minutes unused)")]
    NotSignedIn,
    #[error("this account is not a librarian's, so it has no desk")]
    NotALibrarian,
    #[error("the file could not be saved: {0}")]
    Download(String),
    #[error("the consortium hub could not do this now: {0}")]
    HubUnreachable(String),
    /// The hub read the request and refused it (its reason): not a network problem.
    #[error("the consortium hub refused this: {0}")]
    HubRefused(String),
    #[error("this needs a librarian signed in through the consortium hub")]
    NoHubSession,
    /// With a hub, hours, time off and consultation types are kept there, for every
    /// workstation.
    #[error(
        "hours, time off and consultation types are kept on the consortium hub: sign in again while it can be reached"
    )]
    DeskSignIn,
    #[error("the consortium hub cannot be reached, so this cannot be changed now: {0}")]
    DeskOffline(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BookingError {
    pub fn code(&self) -> &'static str {
        match self {
            BookingError::Invalid(_) => "invalid",
            BookingError::SlotTaken { .. } => "slot_taken",
            BookingError::NotOffered => "slot_not_offered",
            BookingError::UnknownCode(_) => "unknown_code",
            BookingError::TooLateToCancel => "too_late_to_cancel",
            BookingError::WrongState(_) => "wrong_state",
            BookingError::UnknownLibrarian(_) => "not_found",
            BookingError::UnknownType(_) => "not_found",
            BookingError::TimeZone(_) => "time_zone",
            BookingError::NotSignedIn => "not_signed_in",
            BookingError::NotALibrarian => "not_a_librarian",
            BookingError::Download(_) => "export_unwritable",
            BookingError::HubUnreachable(_) => "hub_unreachable",
            BookingError::HubRefused(_) => "hub_refused",
            BookingError::NoHubSession => "no_hub_session",
            BookingError::DeskSignIn => "desk_sign_in",
            BookingError::DeskOffline(_) => "desk_offline",
            BookingError::Store(e) => e.code(),
        }
    }
}

/// A stored instant: UTC, whole seconds.
pub fn stamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn parse_stamp(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// A consultation type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultationType {
    pub id: String,
    pub name: String,
    pub name_zh: String,
    pub rules: Rules,
    pub cancel_cutoff_minutes: i64,
}

/// A librarian as students see them (no contact details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub library_id: String,
    pub library_name: String,
    pub library_name_zh: String,
    pub time_zone: String,
    pub subjects: Vec<String>,
    pub languages: Vec<String>,
    pub disciplines: Vec<String>,
}

/// A booking. Personal fields are `None` once purged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub code: String,
    pub librarian_id: String,
    pub librarian_name: String,
    pub library_name: String,
    pub library_name_zh: String,
    pub time_zone: String,
    pub type_id: String,
    pub discipline_id: Option<String>,
    pub starts: Timestamp,
    pub ends: Timestamp,
    pub status: String,
    pub topic: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub outcome: Option<String>,
    pub read_level: Option<i64>,
    /// With a hub: `pending` (not yet accepted by it), `confirmed` or `refused`.
    pub hub_state: Option<String>,
}

/// What a student submits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub librarian_id: String,
    pub type_id: String,
    pub starts: Option<Timestamp>,
    pub name: String,
    pub email: String,
    pub topic: String,
    pub discipline_id: Option<String>,
    pub description: String,
}

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Every consultation type, in order.
pub fn types(store: &Store) -> Result<Vec<ConsultationType>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, name, name_zh, minutes, buffer_before, buffer_after, min_notice_minutes,
                    window_days, capacity, cancel_cutoff_minutes
             FROM consultation_types ORDER BY position, name",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(ConsultationType {
                id: r.get(0)?,
                name: r.get(1)?,
                name_zh: r.get(2)?,
                rules: Rules {
                    minutes: r.get(3)?,
                    buffer_before: r.get(4)?,
                    buffer_after: r.get(5)?,
                    min_notice_minutes: r.get(6)?,
                    window_days: r.get(7)?,
                    capacity: r.get(8)?,
                },
                cancel_cutoff_minutes: r.get(9)?,
            })
        })
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

/// Adds or changes a consultation type; returns its id. Bookings already made keep their
/// times; the new rules apply to slots offered from now on.
pub fn save_type(store: &Store, f: &TypeForm) -> Result<String, BookingError> {
    let id = prepare_type(store, f)?;
    write_type(store, &id, f)?;
    Ok(id)
}

/// Checks a consultation type and gives it its id (a new one from its English name).
pub fn prepare_type(store: &Store, f: &TypeForm) -> Result<String, BookingError> {
    let problems = type_problems(f);
    let sql = |e| store.err(e);
    if let Some(id) = &f.id
        && !types(store)?.iter().any(|t| &t.id == id)
    {
        return Err(BookingError::UnknownType(id.clone()));
    }
    if !problems.is_empty() {
        return Err(BookingError::Invalid(problems));
    }
    let conn = store.conn();
    let id = match &f.id {
        Some(id) => id.clone(),
        None => {
            // An id from the English name, unique among the types.
            let base: String = f
                .name
                .trim()
                .to_lowercase()
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
                .split('-')
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            let base = if base.is_empty() {
                "type".to_owned()
            } else {
                base
            };
            let mut id = base.clone();
            let mut n = 2;
            while conn
                .query_row(
                    "SELECT 1 FROM consultation_types WHERE id = ?1",
                    [&id],
                    |_| Ok(()),
                )
                .optional()
                .map_err(sql)?
                .is_some()
            {
                id = format!("{base}-{n}");
                n += 1;
            }
            id
        }
    };
    Ok(id)
}

/// Writes a checked consultation type under `id` (bookings already made keep their times).
pub fn write_type(store: &Store, id: &str, f: &TypeForm) -> Result<(), StoreError> {
    let tx = store.write().map_err(|e| store.err(e))?;
    write_type_in(&tx, id, f).map_err(|e| store.err(e))?;
    tx.commit().map_err(|e| store.err(e))
}

/// Writes a consultation type in `tx` (as the feed applies one).
pub fn write_type_in(tx: &Transaction<'_>, id: &str, f: &TypeForm) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO consultation_types(id, name, name_zh, minutes, buffer_before, buffer_after,
             min_notice_minutes, window_days, cancel_cutoff_minutes, capacity, position)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,
                 (SELECT COALESCE(max(position), 0) + 1 FROM consultation_types))
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh,
             minutes = excluded.minutes, buffer_before = excluded.buffer_before,
             buffer_after = excluded.buffer_after, min_notice_minutes = excluded.min_notice_minutes,
             window_days = excluded.window_days, cancel_cutoff_minutes = excluded.cancel_cutoff_minutes,
             capacity = excluded.capacity",
        rusqlite::params![
            id,
            f.name.trim(),
            f.name_zh.trim(),
            f.minutes,
            f.buffer_before,
            f.buffer_after,
            f.min_notice_minutes,
            f.window_days,
            f.cancel_cutoff_minutes,
            f.capacity
        ],
    )?;
    Ok(())
}

fn type_of(store: &Store, id: &str) -> Result<ConsultationType, BookingError> {
    types(store)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| BookingError::UnknownType(id.to_owned()))
}

/// Librarians who cover a discipline (or its parent or sub-disciplines), or all.
pub fn librarians(store: &Store, discipline: Option<&str>) -> Result<Vec<Profile>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT l.id, l.name, b.id, b.name, b.name_zh, b.time_zone, l.subjects, l.languages,
                    coalesce((SELECT json_group_array(discipline_id) FROM librarian_disciplines d
                              WHERE d.librarian_id = l.id), '[]')
             FROM librarians l JOIN libraries b ON b.id = l.library_id
             WHERE l.left_at IS NULL AND (?1 IS NULL OR EXISTS (
                 SELECT 1 FROM librarian_disciplines ld JOIN disciplines d ON d.id = ld.discipline_id
                 WHERE ld.librarian_id = l.id
                   AND (d.id = ?1 OR d.parent_id = ?1
                        OR d.id = (SELECT parent_id FROM disciplines WHERE id = ?1))))
             ORDER BY l.name",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([discipline], |r| {
            Ok(Profile {
                id: r.get(0)?,
                name: r.get(1)?,
                library_id: r.get(2)?,
                library_name: r.get(3)?,
                library_name_zh: r.get(4)?,
                time_zone: r.get(5)?,
                subjects: list(&r.get::<_, String>(6)?),
                languages: list(&r.get::<_, String>(7)?),
                disciplines: list(&r.get::<_, String>(8)?),
            })
        })
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

fn profile(store: &Store, id: &str) -> Result<Profile, BookingError> {
    librarians(store, None)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| BookingError::UnknownLibrarian(id.to_owned()))
}

fn zone(name: &str) -> Result<TimeZone, BookingError> {
    TimeZone::get(name).map_err(|_| BookingError::TimeZone(name.to_owned()))
}

fn hhmm(s: &str) -> Option<Time> {
    Time::strptime("%H:%M", s).ok()
}

fn hours(store: &Store, librarian: &str) -> Result<Vec<Hours>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            // A librarian who has left has no hours to offer.
            "SELECT weekday, starts, ends FROM librarian_hours h WHERE librarian_id = ?1
             AND NOT EXISTS (SELECT 1 FROM librarians l WHERE l.id = h.librarian_id AND l.left_at IS NOT NULL)",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([librarian], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(|e| store.err(e))?;
    let mut out = Vec::new();
    for row in rows {
        let (weekday, starts, ends) = row.map_err(|e| store.err(e))?;
        if let (Ok(weekday), Some(starts), Some(ends)) =
            (i8::try_from(weekday), hhmm(&starts), hhmm(&ends))
        {
            out.push(Hours {
                weekday,
                starts,
                ends,
            });
        }
    }
    Ok(out)
}

fn exceptions(store: &Store, librarian: &str) -> Result<Vec<Exception>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT date, starts, ends FROM librarian_exceptions WHERE librarian_id = ?1",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([librarian], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(|e| store.err(e))?;
    let mut out = Vec::new();
    for row in rows {
        let (date, starts, ends) = row.map_err(|e| store.err(e))?;
        let Ok(date) = date.parse::<Date>() else {
            continue;
        };
        let range = match (
            starts.as_deref().and_then(hhmm),
            ends.as_deref().and_then(hhmm),
        ) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        out.push(Exception { date, range });
    }
    Ok(out)
}

/// Bookings that hold the librarian's time (not cancelled), with their types' buffers.
fn busy(conn: &rusqlite::Connection, librarian: &str) -> rusqlite::Result<Vec<Busy>> {
    // Bookings made here, and those the hub's feed reports from other workstations (with
    // their buffers as the hub applied them).
    let mut stmt = conn.prepare_cached(
        "SELECT b.starts_at, b.ends_at, b.type_id, t.buffer_before, t.buffer_after
         FROM bookings b JOIN consultation_types t ON t.id = b.type_id
         WHERE b.librarian_id = ?1 AND b.status != 'cancelled'
         UNION ALL
         SELECT h.starts_at, h.ends_at, h.type_id,
                CAST(round((julianday(h.starts_at) - julianday(h.busy_from)) * 1440) AS INTEGER),
                CAST(round((julianday(h.busy_to) - julianday(h.ends_at)) * 1440) AS INTEGER)
         FROM hub_bookings h
         WHERE h.librarian_id = ?1
           AND h.code NOT IN (SELECT hub_busy_key FROM bookings WHERE hub_busy_key IS NOT NULL)",
    )?;
    let rows = stmt.query_map([librarian], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (s, e, type_id, buffer_before, buffer_after) = row?;
        if let (Some(starts), Some(ends)) = (parse_stamp(&s), parse_stamp(&e)) {
            out.push(Busy {
                starts,
                ends,
                type_id,
                buffer_before,
                buffer_after,
            });
        }
    }
    Ok(out)
}

/// A librarian's free slots of a type, from now to the end of the type's window.
pub fn free_slots(
    store: &Store,
    librarian: &str,
    type_id: &str,
    now: Timestamp,
) -> Result<Vec<Slot>, BookingError> {
    let p = profile(store, librarian)?;
    let ty = type_of(store, type_id)?;
    let tz = zone(&p.time_zone)?;
    let busy = busy(store.conn(), librarian).map_err(|e| store.err(e))?;
    Ok(slots::free_slots(
        &ty.rules,
        type_id,
        &hours(store, librarian)?,
        &exceptions(store, librarian)?,
        &busy,
        &tz,
        now,
    ))
}

/// Checks what a student typed; every problem at once.
pub fn validate(store: &Store, r: &Request) -> Result<Request, BookingError> {
    let mut problems = Vec::new();
    let mut problem = |field: &'static str, code: &'static str| {
        problems.push(FieldError {
            field,
            code,
            other: None,
        });
    };
    let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let out = Request {
        librarian_id: r.librarian_id.clone(),
        type_id: r.type_id.clone(),
        starts: r.starts,
        name: clean(&r.name),
        email: r.email.trim().to_owned(),
        topic: clean(&r.topic),
        discipline_id: r.discipline_id.clone().filter(|d| !d.is_empty()),
        description: r.description.trim().to_owned(),
    };
    if out.name.is_empty() {
        problem("name", "required");
    } else if out.name.chars().count() > STUDENT_NAME_MAX {
        problem("name", "too_long");
    }
    if out.email.is_empty() {
        problem("email", "required");
    } else if !is_email(&out.email) {
        problem("email", "invalid_email");
    }
    if out.topic.is_empty() {
        problem("topic", "required");
    } else if out.topic.chars().count() > TOPIC_MAX {
        problem("topic", "too_long");
    }
    if out.description.chars().count() > DESCRIPTION_MAX {
        problem("description", "too_long");
    }
    if out.starts.is_none() {
        problem("slot", "required");
    }
    if let Some(d) = &out.discipline_id {
        let known: bool = store
            .conn()
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM disciplines WHERE id = ?1)",
                [d],
                |r| r.get(0),
            )
            .map_err(|e| store.err(e))?;
        if !known {
            problem("discipline", "unknown");
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(BookingError::Invalid(problems))
    }
}

/// A new booking code, as people see it (`ABCD-2345`).
fn new_code() -> String {
    BookingCode::random().to_string()
}

const BOOKING_COLUMNS: &str = "b.code, b.librarian_id, l.name, lib.name, lib.name_zh, lib.time_zone, \
     b.type_id, b.discipline_id, b.starts_at, b.ends_at, b.status, b.topic, b.student_name, \
     b.student_email, b.description, b.outcome, b.read_level, b.hub_state";

const BOOKING_FROM: &str = "FROM bookings b JOIN librarians l ON l.id = b.librarian_id \
     JOIN libraries lib ON lib.id = l.library_id";

fn booking(r: &Row<'_>) -> rusqlite::Result<Booking> {
    let when = |i: usize| -> rusqlite::Result<Timestamp> {
        let s: String = r.get(i)?;
        parse_stamp(&s)
            .ok_or_else(|| rusqlite::Error::InvalidColumnType(i, s, rusqlite::types::Type::Text))
    };
    Ok(Booking {
        code: r.get(0)?,
        librarian_id: r.get(1)?,
        librarian_name: r.get(2)?,
        library_name: r.get(3)?,
        library_name_zh: r.get(4)?,
        time_zone: r.get(5)?,
        type_id: r.get(6)?,
        discipline_id: r.get(7)?,
        starts: when(8)?,
        ends: when(9)?,
        status: r.get(10)?,
        topic: r.get(11)?,
        name: r.get(12)?,
        email: r.get(13)?,
        description: r.get(14)?,
        outcome: r.get(15)?,
        read_level: r.get(16)?,
        hub_state: r.get(17)?,
    })
}

fn by_code(tx: &rusqlite::Connection, code: &str) -> rusqlite::Result<Option<Booking>> {
    tx.query_row(
        &format!("SELECT {BOOKING_COLUMNS} {BOOKING_FROM} WHERE b.code = ?1"),
        [code],
        booking,
    )
    .optional()
}

/// The booking code as typed, as this cache stores it (`ABCD-2345`); what is not a code is
/// kept upper-cased, so looking it up finds nothing.
pub fn normalize_code(code: &str) -> String {
    match BookingCode::parse(code) {
        Some(c) => c.to_string(),
        None => code
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    }
}

/// Books a slot. The slot must be one the librarian offers now; taking it and checking it
/// is free happen in one write transaction.
pub fn book(store: &Store, request: &Request, now: Timestamp) -> Result<Booking, BookingError> {
    let r = validate(store, request)?;
    let Some(starts) = r.starts else {
        return Err(BookingError::NotOffered);
    };
    let p = profile(store, &r.librarian_id)?;
    let ty = type_of(store, &r.type_id)?;
    let tz = zone(&p.time_zone)?;
    let hours = hours(store, &r.librarian_id)?;
    let exceptions = exceptions(store, &r.librarian_id)?;
    let sql = |e| store.err(e);
    let tx = store.write().map_err(sql)?;
    let busy = busy(&tx, &r.librarian_id).map_err(sql)?;
    let offered =
        |busy: &[Busy]| slots::free_slots(&ty.rules, &ty.id, &hours, &exceptions, busy, &tz, now);
    let free = offered(&busy);
    if !free.iter().any(|s| s.starts == starts) {
        // Offered at all (ignoring bookings)? Then someone took it: offer the nearest.
        let open = offered(&[]);
        let Some(wanted) = open.iter().find(|s| s.starts == starts) else {
            return Err(BookingError::NotOffered);
        };
        let mut nearest = free.clone();
        nearest.sort_by_key(|s| (s.starts.duration_since(wanted.starts)).abs());
        nearest.truncate(3);
        nearest.sort_by_key(|s| s.starts);
        return Err(BookingError::SlotTaken { nearest });
    }
    let ends = starts
        .checked_add(SignedDuration::from_mins(ty.rules.minutes))
        .map_err(|_| BookingError::NotOffered)?;
    let mut code = new_code();
    while by_code(&tx, &code).map_err(sql)?.is_some() {
        code = new_code();
    }
    let at = stamp(now);
    tx.execute(
        "INSERT INTO bookings(code, librarian_id, type_id, discipline_id, starts_at, ends_at, topic,
             student_name, student_email, description, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        rusqlite::params![
            code,
            r.librarian_id,
            r.type_id,
            r.discipline_id,
            stamp(starts),
            stamp(ends),
            r.topic,
            r.name,
            r.email,
            (!r.description.is_empty()).then_some(&r.description),
            at
        ],
    )
    .map_err(sql)?;
    let made = by_code(&tx, &code)
        .map_err(sql)?
        .ok_or(BookingError::NotOffered)?;
    tx.commit().map_err(sql)?;
    // Never the code: whoever reads the log must not be able to cancel with it.
    tracing::info!(librarian = %made.librarian_id, "consultation booked");
    Ok(made)
}

/// Bookings by their codes (a student's own, this session), in the order given.
pub fn by_codes(store: &Store, codes: &[String]) -> Result<Vec<Booking>, StoreError> {
    let mut out = Vec::new();
    for c in codes {
        if let Some(b) = by_code(store.conn(), &normalize_code(c)).map_err(|e| store.err(e))? {
            out.push(b);
        }
    }
    Ok(out)
}

/// The booking with this code, if it may be cancelled now (booked, before the type's
/// cancellation cutoff).
pub fn cancellable(store: &Store, code: &str, now: Timestamp) -> Result<Booking, BookingError> {
    let code = normalize_code(code);
    let sql = |e| store.err(e);
    let b = by_code(store.conn(), &code)
        .map_err(sql)?
        .ok_or_else(|| BookingError::UnknownCode(code.clone()))?;
    if b.status != "booked" {
        return Err(BookingError::WrongState(b.status));
    }
    let cutoff: i64 = store
        .conn()
        .query_row(
            "SELECT cancel_cutoff_minutes FROM consultation_types WHERE id = ?1",
            [&b.type_id],
            |r| r.get(0),
        )
        .map_err(sql)?;
    let deadline = b
        .starts
        .saturating_sub(SignedDuration::from_mins(cutoff))
        .unwrap_or(b.starts);
    if now > deadline {
        return Err(BookingError::TooLateToCancel);
    }
    Ok(b)
}

/// Cancels with the booking code, until the type's cancellation cutoff.
pub fn cancel(store: &Store, code: &str, now: Timestamp) -> Result<Booking, BookingError> {
    let code = cancellable(store, code, now)?.code;
    let sql = |e| store.err(e);
    let tx = store.write().map_err(sql)?;
    set_status(&tx, &code, "cancelled", now).map_err(sql)?;
    let b = by_code(&tx, &code)
        .map_err(sql)?
        .ok_or_else(|| BookingError::UnknownCode(code.clone()))?;
    tx.commit().map_err(sql)?;
    Ok(b)
}

/// A booking made here on its way to the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub code: String,
    pub librarian_id: String,
    pub type_id: String,
    pub discipline_id: Option<String>,
    pub starts: Timestamp,
    pub ends: Timestamp,
    pub buffer_before: i64,
    pub buffer_after: i64,
    pub capacity: i64,
    pub topic: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
}

/// Bookings made here that the hub has not accepted yet, oldest first (`only`: just one).
pub fn outbox(store: &Store, only: Option<&str>) -> Result<Vec<Outgoing>, StoreError> {
    let mut stmt = store
        .conn()
        .prepare_cached(
            "SELECT b.code, b.librarian_id, b.type_id, b.discipline_id, b.starts_at, b.ends_at,
                    t.buffer_before, t.buffer_after, t.capacity, b.topic, b.student_name,
                    b.student_email, b.description
             FROM bookings b JOIN consultation_types t ON t.id = b.type_id
             WHERE b.hub_state = 'pending' AND b.status = 'booked' AND (?1 IS NULL OR b.code = ?1)
             ORDER BY b.created_at, b.id",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([only], |r| {
            let when = |i: usize| -> rusqlite::Result<Timestamp> {
                let s: String = r.get(i)?;
                parse_stamp(&s).ok_or_else(|| {
                    rusqlite::Error::InvalidColumnType(i, s, rusqlite::types::Type::Text)
                })
            };
            Ok(Outgoing {
                code: r.get(0)?,
                librarian_id: r.get(1)?,
                type_id: r.get(2)?,
                discipline_id: r.get(3)?,
                starts: when(4)?,
                ends: when(5)?,
                buffer_before: r.get(6)?,
                buffer_after: r.get(7)?,
                capacity: r.get(8)?,
                topic: r.get(9)?,
                name: r.get(10)?,
                email: r.get(11)?,
                description: r.get(12)?,
            })
        })
        .map_err(|e| store.err(e))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| store.err(e))
}

/// Puts a booking made here in the outbox.
pub fn mark_pending(store: &Store, code: &str) -> Result<(), StoreError> {
    store
        .conn()
        .execute(
            "UPDATE bookings SET hub_state = 'pending' WHERE code = ?1",
            [code],
        )
        .map(drop)
        .map_err(|e| store.err(e))
}

/// What the hub said to a booking from the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Accepted, under this code (the one sent, unless another workstation had it), its
    /// time in the feed under `busy_key`.
    Confirmed { code: String, busy_key: String },
    /// The time was taken first elsewhere: the booking is cancelled here.
    Refused { reason: String },
    /// Not delivered; it stays in the outbox.
    Failed { error: String },
}

/// Records what the hub said; returns the booking's code from now on.
pub fn record_sent(
    store: &Store,
    code: &str,
    sent: &Sent,
    now: Timestamp,
) -> Result<String, StoreError> {
    let sql = |e| store.err(e);
    let tx = store.write().map_err(sql)?;
    let at = stamp(now);
    let code_now = match sent {
        Sent::Confirmed {
            code: new,
            busy_key,
        } => {
            let new = normalize_code(new);
            // The hub holds the student's personal data now; this shared PC keeps none.
            tx.execute(
                "UPDATE bookings SET hub_state = 'confirmed', hub_error = NULL, code = ?2, updated_at = ?3,
                     hub_busy_key = ?4, student_name = NULL, student_email = NULL, description = NULL
                 WHERE code = ?1",
                (code, &new, &at, busy_key),
            )
            .map_err(sql)?;
            new
        }
        Sent::Refused { reason } => {
            tx.execute(
                "UPDATE bookings SET hub_state = 'refused', status = 'cancelled', hub_error = ?2, updated_at = ?3
                 WHERE code = ?1",
                (code, reason, &at),
            )
            .map_err(sql)?;
            code.to_owned()
        }
        Sent::Failed { error } => {
            tx.execute(
                "UPDATE bookings SET hub_error = ?2 WHERE code = ?1",
                (code, error),
            )
            .map_err(sql)?;
            code.to_owned()
        }
    };
    tx.commit().map_err(sql)?;
    Ok(code_now)
}

/// The free slots nearest to `wanted` (at most three, in time order): what a student is
/// offered when the time they chose was taken.
pub fn nearest_free(
    store: &Store,
    librarian: &str,
    type_id: &str,
    wanted: Timestamp,
    now: Timestamp,
) -> Result<Vec<Slot>, BookingError> {
    let mut nearest = free_slots(store, librarian, type_id, now)?;
    nearest.sort_by_key(|s| s.starts.duration_since(wanted).abs());
    nearest.truncate(3);
    nearest.sort_by_key(|s| s.starts);
    Ok(nearest)
}

fn set_status(
    tx: &Transaction<'_>,
    code: &str,
    status: &str,
    now: Timestamp,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE bookings SET status = ?2, updated_at = ?3 WHERE code = ?1",
        (code, status, stamp(now)),
    )
    .map(drop)
}

/// Booked consultations not checked in by their start plus the grace period become
/// no-shows; returns how many.
pub fn mark_no_shows(store: &Store, now: Timestamp) -> Result<usize, StoreError> {
    let limit = stamp(now.saturating_sub(NO_SHOW_GRACE).unwrap_or(now));
    store
        .conn()
        .execute(
            "UPDATE bookings SET status = 'no_show', updated_at = ?2
             WHERE status = 'booked' AND starts_at < ?1",
            (limit, stamp(now)),
        )
        .map_err(|e| store.err(e))
}

/// Clears personal data (name, email, description, outcome notes) of consultations that
/// ended more than `retention_days` ago; returns how many. Statistics keep the rest.
pub fn purge(store: &Store, now: Timestamp, retention_days: u32) -> Result<usize, StoreError> {
    let before = now
        .saturating_sub(SignedDuration::from_hours(24 * i64::from(retention_days)))
        .unwrap_or(now);
    store
        .conn()
        .execute(
            "UPDATE bookings SET student_name = NULL, student_email = NULL, description = NULL,
                 outcome = NULL, purged_at = ?2
             WHERE purged_at IS NULL AND ends_at < ?1",
            (stamp(before), stamp(now)),
        )
        .map_err(|e| store.err(e))
}

/// A librarian's bookings on one local date of their library (not cancelled), by time.
/// The instants a local day of the librarian's library starts and ends (today by default).
pub fn day_bounds(
    store: &Store,
    librarian: &str,
    now: Timestamp,
    date: Option<Date>,
) -> Result<(Timestamp, Timestamp), BookingError> {
    let p = profile(store, librarian)?;
    let tz = zone(&p.time_zone)?;
    let day = date.unwrap_or_else(|| now.to_zoned(tz.clone()).date());
    let from = slots::instant(day, Time::midnight(), &tz).unwrap_or(now);
    let next = day.tomorrow().map_err(|_| BookingError::NotOffered)?;
    let to = slots::instant(next, Time::midnight(), &tz).unwrap_or(now);
    Ok((from, to))
}

pub fn queue(
    store: &Store,
    librarian: &str,
    now: Timestamp,
    date: Option<Date>,
) -> Result<Vec<Booking>, BookingError> {
    mark_no_shows(store, now)?;
    let (from, to) = day_bounds(store, librarian, now, date)?;
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {BOOKING_COLUMNS} {BOOKING_FROM}
             WHERE b.librarian_id = ?1 AND b.starts_at >= ?2 AND b.starts_at < ?3
               AND b.status != 'cancelled'
             ORDER BY b.starts_at"
        ))
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map((librarian, stamp(from), stamp(to)), booking)
        .map_err(|e| store.err(e))?;
    Ok(rows.collect::<Result<_, _>>().map_err(|e| store.err(e))?)
}

/// The librarian's upcoming bookings (for their calendar feed).
pub fn upcoming(
    store: &Store,
    librarian: &str,
    now: Timestamp,
) -> Result<Vec<Booking>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {BOOKING_COLUMNS} {BOOKING_FROM}
             WHERE b.librarian_id = ?1 AND b.ends_at >= ?2 AND b.status IN ('booked', 'checked_in')
             ORDER BY b.starts_at"
        ))
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map((librarian, stamp(now)), booking)
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

pub fn desk(
    store: &Store,
    librarian: &str,
    code: &str,
    action: &DeskAction,
    now: Timestamp,
) -> Result<Booking, BookingError> {
    let code = normalize_code(code);
    let sql = |e| store.err(e);
    let tx = store.write().map_err(sql)?;
    let b = by_code(&tx, &code)
        .map_err(sql)?
        .ok_or_else(|| BookingError::UnknownCode(code.clone()))?;
    // A librarian acts on their own bookings only.
    if b.librarian_id != librarian {
        return Err(BookingError::UnknownCode(code));
    }
    // The one table of the desk's transitions (the hub enforces the same).
    let Some(next) = BookingStatus::parse(&b.status).and_then(|s| s.after(action.step())) else {
        return Err(BookingError::WrongState(b.status));
    };
    let problems = action.problems();
    if !problems.is_empty() {
        return Err(BookingError::Invalid(problems));
    }
    match action {
        DeskAction::CheckIn | DeskAction::NoShow => {
            set_status(&tx, &code, next.as_str(), now).map_err(sql)?;
        }
        DeskAction::Complete {
            read_level,
            outcome,
        } => {
            tx.execute(
                "UPDATE bookings SET status = ?5, read_level = ?2, outcome = ?3, updated_at = ?4
                 WHERE code = ?1",
                (
                    &code,
                    read_level,
                    (!outcome.trim().is_empty()).then(|| outcome.trim()),
                    stamp(now),
                    next.as_str(),
                ),
            )
            .map_err(sql)?;
        }
    }
    let b = by_code(&tx, &code)
        .map_err(sql)?
        .ok_or_else(|| BookingError::UnknownCode(code.clone()))?;
    tx.commit().map_err(sql)?;
    Ok(b)
}

/// What is wrong with weekly hours (weekday 1 = Monday, start before end, HH:MM).
pub fn check_hours(hours: &[(i64, String, String)]) -> Result<(), BookingError> {
    invalid_if_any(hours_problems(hours))
}

fn invalid_if_any(problems: Vec<FieldError>) -> Result<(), BookingError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BookingError::Invalid(problems))
    }
}

/// Weekly hours of a librarian, replaced as a whole.
pub fn set_hours(
    store: &Store,
    librarian: &str,
    hours: &[(i64, String, String)],
) -> Result<(), BookingError> {
    check_hours(hours)?;
    profile(store, librarian)?;
    let sql = |e| store.err(e);
    let tx = store.write().map_err(sql)?;
    tx.execute(
        "DELETE FROM librarian_hours WHERE librarian_id = ?1",
        [librarian],
    )
    .map_err(sql)?;
    for (weekday, starts, ends) in hours {
        tx.execute(
            "INSERT OR IGNORE INTO librarian_hours(librarian_id, weekday, starts, ends) VALUES (?1, ?2, ?3, ?4)",
            (librarian, weekday, starts, ends),
        )
        .map_err(sql)?;
    }
    tx.commit().map_err(sql)?;
    Ok(())
}

/// A librarian's weekly hours as stored: weekday (1 = Monday), start, end.
pub fn hours_rows(
    store: &Store,
    librarian: &str,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT weekday, starts, ends FROM librarian_hours WHERE librarian_id = ?1 ORDER BY weekday, starts",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([librarian], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

/// An exception to a librarian's hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionRow {
    pub id: i64,
    pub date: String,
    pub starts: Option<String>,
    pub ends: Option<String>,
    pub reason: String,
}

pub fn list_exceptions(store: &Store, librarian: &str) -> Result<Vec<ExceptionRow>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, date, starts, ends, reason FROM librarian_exceptions WHERE librarian_id = ?1
             ORDER BY date, starts",
        )
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([librarian], |r| {
            Ok(ExceptionRow {
                id: r.get(0)?,
                date: r.get(1)?,
                starts: r.get(2)?,
                ends: r.get(3)?,
                reason: r.get(4)?,
            })
        })
        .map_err(|e| store.err(e))?;
    rows.collect::<Result<_, _>>().map_err(|e| store.err(e))
}

/// Adds time off: a whole day (no times) or a range, with a reason.
pub fn add_exception(
    store: &Store,
    librarian: &str,
    date: &str,
    range: Option<(&str, &str)>,
    reason: &str,
) -> Result<(), BookingError> {
    check_exception(date, range, reason)?;
    profile(store, librarian)?;
    store
        .conn()
        .execute(
            "INSERT INTO librarian_exceptions(librarian_id, date, starts, ends, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
            (librarian, date, range.map(|r| r.0), range.map(|r| r.1), reason.trim()),
        )
        .map_err(|e| store.err(e))?;
    Ok(())
}

/// What is wrong with time off: the date, the range (start before end) and the reason's
/// length.
pub fn check_exception(
    date: &str,
    range: Option<(&str, &str)>,
    reason: &str,
) -> Result<(), BookingError> {
    invalid_if_any(exception_problems(date, range, reason))
}

/// The shared schedule of `librarian` in this cache.
pub fn read_schedule(store: &Store, librarian: &str) -> Result<SharedSchedule, StoreError> {
    Ok(SharedSchedule {
        hours: hours_rows(store, librarian)?,
        exceptions: list_exceptions(store, librarian)?
            .into_iter()
            .map(|e| SharedException {
                date: e.date,
                starts: e.starts,
                ends: e.ends,
                reason: e.reason,
            })
            .collect(),
    })
}

/// Replaces `librarian`'s hours and time off in this cache with `schedule`.
pub fn replace_schedule(
    tx: &Transaction<'_>,
    librarian: &str,
    schedule: &SharedSchedule,
) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM librarian_hours WHERE librarian_id = ?1",
        [librarian],
    )?;
    tx.execute(
        "DELETE FROM librarian_exceptions WHERE librarian_id = ?1",
        [librarian],
    )?;
    for (weekday, starts, ends) in &schedule.hours {
        tx.execute(
            "INSERT OR IGNORE INTO librarian_hours(librarian_id, weekday, starts, ends) VALUES (?1, ?2, ?3, ?4)",
            (librarian, weekday, starts, ends),
        )?;
    }
    for e in &schedule.exceptions {
        tx.execute(
            "INSERT INTO librarian_exceptions(librarian_id, date, starts, ends, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
            (librarian, &e.date, &e.starts, &e.ends, e.reason.trim()),
        )?;
    }
    Ok(())
}

pub fn remove_exception(store: &Store, librarian: &str, id: i64) -> Result<(), StoreError> {
    store
        .conn()
        .execute(
            "DELETE FROM librarian_exceptions WHERE id = ?1 AND librarian_id = ?2",
            (id, librarian),
        )
        .map(drop)
        .map_err(|e| store.err(e))
}

/// An iCalendar (RFC 5545) file of bookings.
pub fn ics(bookings: &[Booking], now: Timestamp) -> String {
    calendar(bookings, now, &|b| {
        format!("Library consultation: {}", b.topic)
    })
}

/// A librarian's calendar (their own feed): each event names the student when the name has
/// not been purged.
pub fn librarian_ics(bookings: &[Booking], now: Timestamp) -> String {
    calendar(bookings, now, &|b| match &b.name {
        Some(name) => format!("Consultation: {} ({name})", b.topic),
        None => format!("Consultation: {}", b.topic),
    })
}

fn calendar(bookings: &[Booking], now: Timestamp, summary: &dyn Fn(&Booking) -> String) -> String {
    let events: Vec<commons_protocol::calendar::Event> = bookings
        .iter()
        .map(|b| commons_protocol::calendar::Event {
            uid: BookingCode::parse(&b.code).map_or_else(
                || b.code.clone(),
                |c| commons_protocol::calendar::uid_of(&c),
            ),
            starts: b.starts,
            ends: b.ends,
            summary: summary(b),
            location: Some(b.library_name.clone()),
            description: format!("With {}.", b.librarian_name),
            cancelled: b.status == "cancelled",
        })
        .collect();
    commons_protocol::calendar::write(&events, now)
}

#[cfg(test)]
mod tests;
