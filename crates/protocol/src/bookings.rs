//! Consultations on the wire: a workstation's booking request and the hub's answer, the
//! desk (a librarian's bookings and actions), the busy times the feed carries, and the
//! shared schedule and consultation types librarians keep on the hub. Each comes with the
//! checks both ends apply.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

use crate::code::BookingCode;
use crate::error::FieldError;
use crate::limits::{
    DESCRIPTION_MAX, ID_MAX, OUTCOME_MAX, READ_LEVELS, REASON_MAX, STUDENT_NAME_MAX, TOPIC_MAX,
    is_email, is_short_text,
};

/// Where a booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Booked,
    CheckedIn,
    Completed,
    NoShow,
    Cancelled,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 5] = [
        BookingStatus::Booked,
        BookingStatus::CheckedIn,
        BookingStatus::Completed,
        BookingStatus::NoShow,
        BookingStatus::Cancelled,
    ];

    /// The name both stores keep (`booked`, `checked_in`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Booked => "booked",
            BookingStatus::CheckedIn => "checked_in",
            BookingStatus::Completed => "completed",
            BookingStatus::NoShow => "no_show",
            BookingStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<BookingStatus> {
        BookingStatus::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// The status a desk action leads to from this one, or `None` when it is not allowed:
    /// the one table of the desk's transitions, which the hub and a standalone workstation
    /// both enforce.
    pub fn after(self, action: DeskStep) -> Option<BookingStatus> {
        use BookingStatus::*;
        match (action, self) {
            (DeskStep::CheckIn, Booked | NoShow) => Some(CheckedIn),
            (DeskStep::NoShow, Booked) => Some(NoShow),
            (DeskStep::Complete, Booked | CheckedIn) => Some(Completed),
            _ => None,
        }
    }
}

/// A desk action without its data, for the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeskStep {
    CheckIn,
    NoShow,
    Complete,
}

/// `POST /api/v1/bookings`: a booking made at a workstation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBooking {
    /// Chosen by the workstation; the same request sent again answers with the booking the
    /// first made.
    pub idempotency_key: String,
    /// The code the workstation already gave the student; the hub draws another only if it
    /// is in use.
    #[serde(default)]
    pub code: Option<BookingCode>,
    pub librarian_id: String,
    pub type_id: String,
    #[serde(default)]
    pub discipline_id: Option<String>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    #[serde(default)]
    pub buffer_before_minutes: u16,
    #[serde(default)]
    pub buffer_after_minutes: u16,
    /// 1 for one-to-one, more for a small group.
    #[serde(default = "one")]
    pub capacity: u16,
    pub topic: String,
    #[serde(default)]
    pub student_name: Option<String>,
    #[serde(default)]
    pub student_email: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

fn one() -> u16 {
    1
}

impl NewBooking {
    /// What makes the request unusable, if anything (sizes, times, the email's shape).
    pub fn problem(&self) -> Option<String> {
        for (name, v, max) in [
            ("idempotency_key", &self.idempotency_key, ID_MAX),
            ("librarian_id", &self.librarian_id, ID_MAX),
            ("type_id", &self.type_id, ID_MAX),
            ("topic", &self.topic, TOPIC_MAX),
        ] {
            if !is_short_text(v, max) {
                return Some(format!("`{name}` must be 1 to {max} characters"));
            }
        }
        if self.starts_at >= self.ends_at {
            return Some("a booking ends after it starts".into());
        }
        if self.ends_at.duration_since(self.starts_at).as_secs() > 8 * 3600 {
            return Some("a consultation lasts at most 8 hours".into());
        }
        if self.buffer_before_minutes > 120 || self.buffer_after_minutes > 120 {
            return Some("buffers are at most 120 minutes".into());
        }
        if !(1..=50).contains(&self.capacity) {
            return Some("capacity is 1 to 50".into());
        }
        if let Some(email) = &self.student_email
            && !is_email(email)
        {
            return Some("`student_email` is not an email address".into());
        }
        if self
            .student_name
            .as_deref()
            .is_some_and(|n| n.chars().count() > STUDENT_NAME_MAX)
        {
            return Some(format!(
                "a student's name is at most {STUDENT_NAME_MAX} characters"
            ));
        }
        if self
            .description
            .as_deref()
            .is_some_and(|d| d.chars().count() > DESCRIPTION_MAX)
        {
            return Some(format!(
                "a description is at most {DESCRIPTION_MAX} characters"
            ));
        }
        if self
            .discipline_id
            .as_deref()
            .is_some_and(|d| d.chars().count() > ID_MAX)
        {
            return Some(format!("`discipline_id` is at most {ID_MAX} characters"));
        }
        None
    }
}

/// The hub's answer to a booking (201 made, 200 made before by the same request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booked {
    pub code: BookingCode,
    /// The key of this booking's busy time in the feed (which carries no code), so the
    /// workstation that made it does not count its time twice.
    pub busy_key: String,
    pub librarian_id: String,
    pub type_id: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub status: BookingStatus,
}

/// `GET /api/v1/desk?from=…&to=…`: the signed-in librarian's bookings starting in
/// `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskQuery {
    pub from: Timestamp,
    pub to: Timestamp,
}

/// A booking at a librarian's desk, personal data included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskBooking {
    pub code: BookingCode,
    pub librarian_id: String,
    pub type_id: String,
    pub discipline_id: Option<String>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub status: BookingStatus,
    pub topic: String,
    pub student_name: Option<String>,
    pub student_email: Option<String>,
    pub description: Option<String>,
    pub outcome: Option<String>,
    pub read_level: Option<i64>,
}

/// `POST /api/v1/desk/{code}`: what a librarian does with one of her bookings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DeskAction {
    CheckIn,
    NoShow,
    Complete { read_level: i64, outcome: String },
}

impl DeskAction {
    pub fn step(&self) -> DeskStep {
        match self {
            DeskAction::CheckIn => DeskStep::CheckIn,
            DeskAction::NoShow => DeskStep::NoShow,
            DeskAction::Complete { .. } => DeskStep::Complete,
        }
    }

    /// What is wrong with the action's data (a READ level off the scale, notes too long).
    pub fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        if let DeskAction::Complete {
            read_level,
            outcome,
        } = self
        {
            if !READ_LEVELS.contains(read_level) {
                problems.push(FieldError::new("read_level", "unknown"));
            }
            if outcome.chars().count() > OUTCOME_MAX {
                problems.push(FieldError::new("outcome", "too_long"));
            }
        }
        problems
    }
}

/// `POST /api/v1/bookings/{code}/cancel`: a student cancels with the code and the email
/// given when booking; the code alone (which a kiosk user might have seen) is not enough.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelBooking {
    pub email: String,
}

/// A booking somewhere in the consortium, as the feed tells it (a `booking` change, keyed by
/// an opaque `busy:N`): who is busy when, never who booked nor the booking's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusyTime {
    pub librarian_id: String,
    pub type_id: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// The time the librarian is kept from other bookings (buffers included).
    pub busy_from: Timestamp,
    pub busy_to: Timestamp,
    pub status: BookingStatus,
}

/// A librarian who takes consultations, as the hub's roster keeps her (`commons-hub roster
/// import`) and the feed carries her (a `librarian` change keyed by her id; a `delete` when
/// she has left: her past bookings stay, no new one is taken). No email, no account: what a
/// student needs to choose her.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedLibrarian {
    pub id: String,
    pub name: String,
    /// The member library whose time zone her hours are kept in.
    pub library_id: String,
    #[serde(default)]
    pub subjects: Vec<String>,
    /// Languages she consults in (BCP 47: `en`, `zh`).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Discipline ids of the shipped taxonomy she is booked for.
    #[serde(default)]
    pub disciplines: Vec<String>,
}

/// The most subjects, languages or disciplines a librarian lists.
pub const LIBRARIAN_LIST_MAX: usize = 30;

impl SharedLibrarian {
    /// What makes the entry unusable, if anything.
    pub fn problem(&self) -> Option<String> {
        if !is_short_text(&self.id, ID_MAX) || !is_short_text(&self.library_id, ID_MAX) {
            return Some(format!(
                "a librarian's and her library's ids are 1 to {ID_MAX} characters"
            ));
        }
        if !is_short_text(&self.name, STUDENT_NAME_MAX) {
            return Some(format!(
                "{}: a name is 1 to {STUDENT_NAME_MAX} characters",
                self.id
            ));
        }
        for (what, list) in [
            ("subjects", &self.subjects),
            ("languages", &self.languages),
            ("disciplines", &self.disciplines),
        ] {
            if list.len() > LIBRARIAN_LIST_MAX || list.iter().any(|v| !is_short_text(v, TOPIC_MAX))
            {
                return Some(format!(
                    "{}: at most {LIBRARIAN_LIST_MAX} {what} of 1 to {TOPIC_MAX} characters",
                    self.id
                ));
            }
        }
        None
    }
}

/// A librarian's weekly hours and time off as the hub keeps them for every workstation
/// (`PUT /api/v1/desk/schedule`, and the feed's `schedule` change keyed by her id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedSchedule {
    /// Weekday (1 = Monday), start and end, HH:MM.
    pub hours: Vec<(i64, String, String)>,
    pub exceptions: Vec<SharedException>,
}

/// Time off: a whole day (no start or end) or a range of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedException {
    pub date: String,
    pub starts: Option<String>,
    pub ends: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// The most weekly hours and exceptions a schedule holds.
pub const SCHEDULE_HOURS_MAX: usize = 100;
pub const SCHEDULE_EXCEPTIONS_MAX: usize = 2000;

fn hhmm(s: &str) -> Option<Time> {
    Time::strptime("%H:%M", s).ok()
}

/// What is wrong with weekly hours (weekday 1 = Monday, start before end, HH:MM).
pub fn hours_problems(hours: &[(i64, String, String)]) -> Vec<FieldError> {
    hours
        .iter()
        .filter(|(weekday, starts, ends)| {
            !((1..=7).contains(weekday)
                && matches!((hhmm(starts), hhmm(ends)), (Some(a), Some(b)) if a < b))
        })
        .map(|(weekday, starts, ends)| FieldError {
            field: "hours",
            code: "invalid_range",
            other: Some(format!("{weekday} {starts}–{ends}")),
        })
        .collect()
}

/// What is wrong with time off on `date` (all day, or `range` of it).
pub fn exception_problems(
    date: &str,
    range: Option<(&str, &str)>,
    reason: &str,
) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if date.parse::<Date>().is_err() {
        problems.push(FieldError::new("date", "invalid_date"));
    }
    if let Some((a, b)) = range
        && !matches!((hhmm(a), hhmm(b)), (Some(a), Some(b)) if a < b)
    {
        problems.push(FieldError::new("range", "invalid_range"));
    }
    if reason.chars().count() > REASON_MAX {
        problems.push(FieldError::new("reason", "too_long"));
    }
    problems
}

impl SharedSchedule {
    /// What makes a schedule unusable, if anything.
    pub fn problem(&self) -> Option<String> {
        if self.hours.len() > SCHEDULE_HOURS_MAX || self.exceptions.len() > SCHEDULE_EXCEPTIONS_MAX
        {
            return Some("too many hours or exceptions".into());
        }
        let problems = hours_problems(&self.hours);
        if !problems.is_empty() {
            return Some(crate::error::describe(&problems));
        }
        for e in &self.exceptions {
            let range = match (&e.starts, &e.ends) {
                (Some(a), Some(b)) => Some((a.as_str(), b.as_str())),
                (None, None) => None,
                _ => return Some(format!("{}: a range needs a start and an end", e.date)),
            };
            let problems = exception_problems(&e.date, range, &e.reason);
            if !problems.is_empty() {
                return Some(crate::error::describe(&problems));
            }
        }
        None
    }
}

/// A consultation type as a librarian edits it (`id` is `None` for a new type), as
/// `PUT /api/v1/types/{id}` takes it and as the feed carries it (a `consultation_type`
/// change, with its id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeForm {
    pub id: Option<String>,
    pub name: String,
    pub name_zh: String,
    pub minutes: i64,
    pub buffer_before: i64,
    pub buffer_after: i64,
    pub min_notice_minutes: i64,
    pub window_days: i64,
    pub cancel_cutoff_minutes: i64,
    pub capacity: i64,
}

/// The limits of each number of a consultation type (the cache's CHECK constraints say the
/// same).
pub const TYPE_LIMITS: [(&str, i64, i64); 7] = [
    ("minutes", 5, 480),
    ("buffer_before", 0, 120),
    ("buffer_after", 0, 120),
    ("min_notice_minutes", 0, 20_160),
    ("window_days", 1, 366),
    ("cancel_cutoff_minutes", 0, 20_160),
    ("capacity", 1, 50),
];

/// The longest name of a consultation type, in characters.
pub const TYPE_NAME_MAX: usize = 80;

/// What is wrong with a consultation type's names and numbers, each problem named.
pub fn type_problems(f: &TypeForm) -> Vec<FieldError> {
    let mut problems = Vec::new();
    for (field, value) in [("name", &f.name), ("name_zh", &f.name_zh)] {
        let n = value.trim().chars().count();
        if n == 0 {
            problems.push(FieldError::new(field, "required"));
        } else if n > TYPE_NAME_MAX {
            problems.push(FieldError::new(field, "too_long"));
        }
    }
    let values = [
        f.minutes,
        f.buffer_before,
        f.buffer_after,
        f.min_notice_minutes,
        f.window_days,
        f.cancel_cutoff_minutes,
        f.capacity,
    ];
    for ((field, min, max), value) in TYPE_LIMITS.into_iter().zip(values) {
        if !(min..=max).contains(&value) {
            problems.push(FieldError {
                field,
                code: "out_of_range",
                other: Some(format!("{min}–{max}")),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole desk table: every action from every status, allowed or refused.
    #[test]
    fn desk_transitions() {
        use BookingStatus::*;
        let table: &[(DeskStep, BookingStatus, Option<BookingStatus>)] = &[
            (DeskStep::CheckIn, Booked, Some(CheckedIn)),
            (DeskStep::CheckIn, NoShow, Some(CheckedIn)),
            (DeskStep::CheckIn, CheckedIn, None),
            (DeskStep::CheckIn, Completed, None),
            (DeskStep::CheckIn, Cancelled, None),
            (DeskStep::NoShow, Booked, Some(NoShow)),
            (DeskStep::NoShow, CheckedIn, None),
            (DeskStep::NoShow, NoShow, None),
            (DeskStep::NoShow, Completed, None),
            (DeskStep::NoShow, Cancelled, None),
            (DeskStep::Complete, Booked, Some(Completed)),
            (DeskStep::Complete, CheckedIn, Some(Completed)),
            (DeskStep::Complete, NoShow, None),
            (DeskStep::Complete, Completed, None),
            (DeskStep::Complete, Cancelled, None),
        ];
        for (step, from, to) in table {
            assert_eq!(from.after(*step), *to, "{step:?} from {from:?}");
        }
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn desk_action_limits() {
        let ok = DeskAction::Complete {
            read_level: 3,
            outcome: "x".repeat(OUTCOME_MAX),
        };
        assert!(ok.problems().is_empty());
        let bad = DeskAction::Complete {
            read_level: 7,
            outcome: "x".repeat(OUTCOME_MAX + 1),
        };
        let fields: Vec<_> = bad.problems().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["read_level", "outcome"]);
    }
}
