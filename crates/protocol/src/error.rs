//! How the hub says no: every refusal is `{ "code": …, "message": … }`, the code one of
//! [`ApiCode`], each with one HTTP status. A workstation branches on the code, never on the
//! message or on the status alone.

use std::fmt;

/// What went wrong, as both ends name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiCode {
    /// No live workstation token.
    Unauthorized,
    /// The librarian session is missing or has ended.
    NotSignedIn,
    /// The user name or the password is wrong (one answer for both).
    WrongCredentials,
    /// Too many failed attempts: wait (`Retry-After`).
    TooManyAttempts,
    /// The request cannot be read, or breaks a limit.
    Invalid,
    /// The signed-in account may not see this (a librarian's statistics are her library's).
    Forbidden,
    /// The request is readable but its content is refused (the message says why).
    Unacceptable,
    /// `since` is not a cursor the feed returned.
    BadCursor,
    NotFound,
    /// An id that must be new is taken.
    Taken,
    /// Another booking of the librarian overlaps.
    SlotTaken,
    /// Every seat of the group session is taken.
    SessionFull,
    /// The booking's status does not allow this now.
    WrongState,
    /// The idempotency key was used for another request.
    IdempotencyKeyReused,
    /// A booking names a librarian the hub does not know, or one who has left.
    UnknownLibrarian,
    /// A booking names a consultation type the hub does not know.
    UnknownType,
    /// A booking does not last its type's minutes.
    WrongLength,
    /// A booking starts in the past or sooner than its type's notice.
    TooSoon,
    /// A booking starts after its type's booking window.
    TooFar,
    /// A booking is not one of the slots of the librarian's weekly hours.
    OutsideHours,
    /// The librarian is away at the booking's time.
    TimeOff,
    /// Too close to the consultation to cancel it here: the librarian can.
    PastCutoff,
    /// The body is larger than the hub accepts.
    TooLarge,
    /// The hub cannot answer now (its database is out of reach); try again later.
    Unavailable,
    /// The hub failed; the cause is in its log.
    Internal,
    /// A code this end does not know (a newer hub).
    #[serde(other)]
    Unknown,
}

impl ApiCode {
    /// The HTTP status the hub answers with.
    pub fn status(self) -> u16 {
        match self {
            ApiCode::Unauthorized | ApiCode::NotSignedIn | ApiCode::WrongCredentials => 401,
            ApiCode::TooManyAttempts => 429,
            ApiCode::Invalid | ApiCode::BadCursor => 400,
            ApiCode::Unacceptable
            | ApiCode::IdempotencyKeyReused
            | ApiCode::UnknownLibrarian
            | ApiCode::UnknownType
            | ApiCode::WrongLength
            | ApiCode::TooSoon
            | ApiCode::TooFar
            | ApiCode::OutsideHours
            | ApiCode::TimeOff => 422,
            ApiCode::Forbidden => 403,
            ApiCode::NotFound => 404,
            ApiCode::Taken
            | ApiCode::SlotTaken
            | ApiCode::SessionFull
            | ApiCode::WrongState
            | ApiCode::PastCutoff => 409,
            ApiCode::TooLarge => 413,
            ApiCode::Unavailable => 503,
            ApiCode::Internal | ApiCode::Unknown => 500,
        }
    }

    /// Whether this is the hub failing rather than refusing: the workstation treats it as
    /// out of reach and tries again later.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            ApiCode::Unavailable | ApiCode::Internal | ApiCode::Unknown
        )
    }
}

/// The body of every refusal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApiError {
    pub code: ApiCode,
    pub message: String,
    /// For `too_many_attempts`: the seconds to wait (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ApiCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

/// One problem with one field of a form, as a stable code the UI turns into a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    /// `required`, `too_long`, `unknown`, `url_scheme`, `not_a_url`, `duplicate_url`,
    /// `too_many`, `none`, `out_of_range`, `invalid_range`, `invalid_date`,
    /// `invalid_email`.
    pub code: &'static str,
    /// For `duplicate_url`: the name of the resource that has the address; for
    /// `out_of_range`: the range.
    pub other: Option<String>,
}

impl FieldError {
    pub fn new(field: &'static str, code: &'static str) -> FieldError {
        FieldError {
            field,
            code,
            other: None,
        }
    }
}

/// Problems as one line: `field: code, field: code`.
pub fn describe(problems: &[FieldError]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.code))
        .collect::<Vec<_>>()
        .join(", ")
}
