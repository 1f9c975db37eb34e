//! Resource sharing at the workstation: a reader's request for another member library's
//! item, placed through the hub, waiting in the outbox while the hub is out of reach, found
//! again by code and email; and the steps a librarian may take on the requests of her
//! library. The hub decides (routing, the transition table, who may act); this side shows
//! what the table allows, so a librarian is never offered a step the hub would refuse.

use commons_protocol::sharing::{
    NewRequest, Party, RequestView, RequesterAction, ServiceType, State, Status, Step, transition,
};
use commons_protocol::{BookingCode, FieldError, Sha256};
use jiff::Timestamp;
use rusqlite::OptionalExtension;

use crate::bookings::stamp;
use crate::store::{Store, StoreError};

/// Why a request, a lookup or a step could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("the request has {} problems", .0.len())]
    Invalid(Vec<FieldError>),
    #[error(
        "requests to other libraries go through the consortium hub, and this workstation is not joined to one"
    )]
    NoHub,
    #[error("no request has this code and email")]
    NotFound,
    #[error("there is no record {0} in this catalogue")]
    UnknownRecord(String),
    #[error("a delivered copy opens only at a workstation of the pickup library")]
    CopyElsewhere,
    #[error("sign in as a librarian first (or again: sessions end after 30 minutes unused)")]
    NotSignedIn,
    #[error("this account is not a librarian's, so it has no requests to handle")]
    NotALibrarian,
    #[error("this librarian is signed in on this workstation only, not on the consortium hub")]
    NoHubSession,
    #[error("the file could not be saved: {0}")]
    Download(String),
    #[error("the consortium hub could not do this now: {0}")]
    HubUnreachable(String),
    /// The hub read the request and refused it (its reason): not a network problem.
    #[error("the consortium hub refused this: {0}")]
    HubRefused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RequestError {
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::Invalid(_) => "invalid",
            RequestError::NoHub => "no_hub",
            RequestError::NotFound => "unknown_code",
            RequestError::UnknownRecord(_) => "not_found",
            RequestError::CopyElsewhere => "copy_elsewhere",
            RequestError::NotSignedIn => "not_signed_in",
            RequestError::NotALibrarian => "not_a_librarian",
            RequestError::NoHubSession => "no_hub_session",
            RequestError::Download(_) => "export_unwritable",
            RequestError::HubUnreachable(_) => "hub_unreachable",
            RequestError::HubRefused(_) => "hub_refused",
            RequestError::Store(e) => e.code(),
        }
    }

    /// A hub error as the reader or librarian gets it.
    pub fn from_hub(e: crate::sync::SyncError) -> RequestError {
        match e.refusal() {
            Some(refusal) => RequestError::HubRefused(refusal.message.clone()),
            None => RequestError::HubUnreachable(e.to_string()),
        }
    }
}

/// What a reader fills in on a record's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestForm {
    pub record_id: String,
    pub service: ServiceType,
    pub pickup_library: String,
    pub name: String,
    pub card_number: String,
    pub email: String,
    pub part: Option<String>,
    pub citation: Option<String>,
    pub copyright_accepted: bool,
    pub note: Option<String>,
}

/// The form's problems, field by field, as codes the UI words (the hub checks the same
/// rules again: [`NewRequest::problems`]).
pub fn check(form: &RequestForm, members: &[String]) -> Vec<FieldError> {
    use commons_protocol::limits::{STUDENT_NAME_MAX, is_email};
    use commons_protocol::sharing::{CITATION_MAX, COPY_PART_MAX, NOTE_MAX, is_card_number};
    let mut out = Vec::new();
    let blank = |s: &str| s.trim().is_empty();
    let long =
        |s: &Option<String>, max: usize| s.as_deref().is_some_and(|s| s.chars().count() > max);
    if !members.contains(&form.pickup_library) {
        out.push(FieldError::new("pickup_library", "unknown"));
    }
    if blank(&form.name) {
        out.push(FieldError::new("name", "required"));
    } else if form.name.trim().chars().count() > STUDENT_NAME_MAX {
        out.push(FieldError::new("name", "too_long"));
    }
    if blank(&form.card_number) {
        out.push(FieldError::new("card_number", "required"));
    } else if !is_card_number(&form.card_number) {
        out.push(FieldError::new("card_number", "invalid_card"));
    }
    if blank(&form.email) {
        out.push(FieldError::new("email", "required"));
    } else if !is_email(form.email.trim()) {
        out.push(FieldError::new("email", "invalid_email"));
    }
    if form.service != ServiceType::Loan {
        if form.service == ServiceType::Copy && form.part.as_deref().is_none_or(blank) {
            out.push(FieldError::new("part", "required"));
        }
        if !form.copyright_accepted {
            out.push(FieldError::new("copyright_accepted", "required"));
        }
    }
    if long(&form.part, COPY_PART_MAX) {
        out.push(FieldError::new("part", "too_long"));
    }
    if long(&form.citation, CITATION_MAX) {
        out.push(FieldError::new("citation", "too_long"));
    }
    if long(&form.note, NOTE_MAX) {
        out.push(FieldError::new("note", "too_long"));
    }
    out
}

/// The request the hub gets for a checked form, with a new idempotency key and code.
pub fn new_request(form: &RequestForm, discipline: Option<String>) -> NewRequest {
    let code = BookingCode::random();
    let key = format!(
        "request:{}{}:{}",
        code.compact(),
        BookingCode::random().compact(),
        Timestamp::now().as_nanosecond()
    );
    let text = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let copy = form.service != ServiceType::Loan;
    NewRequest {
        idempotency_key: key,
        code: Some(code),
        record_id: form.record_id.clone(),
        service: form.service,
        pickup_library: form.pickup_library.clone(),
        name: form.name.trim().to_owned(),
        card_number: form.card_number.trim().to_owned(),
        email: form.email.trim().to_owned(),
        part: if copy { text(&form.part) } else { None },
        citation: if copy { text(&form.citation) } else { None },
        copyright_accepted: copy && form.copyright_accepted,
        note: text(&form.note),
        discipline: discipline.filter(|d| commons_protocol::sharing::is_discipline_id(d)),
    }
}

/// The discipline a record's request is counted under: the top of the first discipline it
/// is classified in.
pub fn record_discipline(store: &Store, record_id: &str) -> Result<Option<String>, StoreError> {
    store
        .conn()
        .query_row(
            "SELECT COALESCE(d.parent_id, d.id) FROM record_disciplines rd
             JOIN disciplines d ON d.id = rd.discipline_id
             WHERE rd.record_id = ?1 ORDER BY d.parent_id IS NOT NULL, d.position, d.id LIMIT 1",
            [record_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| store.err(e))
}

/// The digest under which the outbox remembers an email once it no longer keeps it.
fn email_digest(email: &str) -> String {
    Sha256::of(email.trim().to_lowercase().as_bytes()).to_string()
}

/// Puts a request in the outbox (before it is sent, so a crash in between loses nothing).
pub fn enqueue(
    store: &Store,
    r: &NewRequest,
    title: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    // Plain strings and enums: serializing cannot fail.
    let body = serde_json::to_string(r).unwrap_or_default();
    let code = r.code.map(|c| c.to_string()).unwrap_or_default();
    store
        .conn()
        .execute(
            "INSERT INTO sharing_outbox(idempotency_key, code, email_digest, title, body, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![r.idempotency_key, code, email_digest(&r.email), title, body, stamp(now)],
        )
        .map_err(|e| store.err(e))?;
    Ok(())
}

/// Requests waiting to be sent (`only`: the one with this key), oldest first.
pub fn outbox(store: &Store, only: Option<&str>) -> Result<Vec<NewRequest>, StoreError> {
    let mut stmt = store
        .conn()
        .prepare_cached(
            "SELECT body FROM sharing_outbox
             WHERE body IS NOT NULL AND (?1 IS NULL OR idempotency_key = ?1)
             ORDER BY created_at, rowid",
        )
        .map_err(|e| store.err(e))?;
    let bodies = stmt
        .query_map([only], |r| r.get::<_, String>(0))
        .and_then(Iterator::collect::<rusqlite::Result<Vec<String>>>)
        .map_err(|e| store.err(e))?;
    // A row this version cannot read is left for the version that wrote it.
    Ok(bodies
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect())
}

/// The hub has the request: the row (and the reader's details) goes.
pub fn sent(store: &Store, key: &str) -> Result<(), StoreError> {
    store
        .conn()
        .execute(
            "DELETE FROM sharing_outbox WHERE idempotency_key = ?1",
            [key],
        )
        .map_err(|e| store.err(e))?;
    Ok(())
}

/// The hub refused the request for good: only its code, email digest and the reason stay.
pub fn refused(store: &Store, key: &str, reason: &str) -> Result<(), StoreError> {
    store
        .conn()
        .execute(
            "UPDATE sharing_outbox SET body = NULL, refused = ?2 WHERE idempotency_key = ?1",
            [key, reason],
        )
        .map_err(|e| store.err(e))?;
    Ok(())
}

/// A request this workstation still holds, found by code and email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub code: String,
    pub title: String,
    pub placed_at: Timestamp,
    /// `None`: waiting to be sent; otherwise why the hub refused it.
    pub refused: Option<String>,
}

pub fn held(store: &Store, code: &BookingCode, email: &str) -> Result<Option<Held>, StoreError> {
    store
        .conn()
        .query_row(
            "SELECT code, title, created_at, refused FROM sharing_outbox
             WHERE code = ?1 AND email_digest = ?2",
            [code.to_string(), email_digest(email)],
            |r| {
                let at: String = r.get(2)?;
                Ok(Held {
                    code: r.get(0)?,
                    title: r.get(1)?,
                    placed_at: at.parse().unwrap_or(Timestamp::UNIX_EPOCH),
                    refused: r.get(3)?,
                })
            },
        )
        .optional()
        .map_err(|e| store.err(e))
}

/// Requests refused by the hub are remembered for `days`, then forgotten.
pub fn purge(store: &Store, now: Timestamp, days: u32) -> Result<usize, StoreError> {
    let cutoff = now
        .checked_sub(jiff::SignedDuration::from_hours(24 * i64::from(days)))
        .unwrap_or(Timestamp::UNIX_EPOCH);
    store
        .conn()
        .execute(
            "DELETE FROM sharing_outbox WHERE refused IS NOT NULL AND created_at < ?1",
            [stamp(cutoff)],
        )
        .map_err(|e| store.err(e))
}

/// How many requests wait to be sent.
pub fn waiting(store: &Store) -> Result<u64, StoreError> {
    store
        .conn()
        .query_row(
            "SELECT count(*) FROM sharing_outbox WHERE body IS NOT NULL",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map(i64::unsigned_abs)
        .map_err(|e| store.err(e))
}

/// The member library this workstation's token names, as the hub last said.
pub fn home_library(store: &Store) -> Result<Option<String>, StoreError> {
    Ok(crate::consortium::meta_value(store, "home_library")?.filter(|s| !s.is_empty()))
}

pub fn set_home_library(store: &Store, library: Option<&str>) -> Result<(), StoreError> {
    store
        .conn()
        .execute(
            "INSERT INTO meta(key, value) VALUES ('home_library', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [library.unwrap_or("")],
        )
        .map_err(|e| store.err(e))?;
    Ok(())
}

/// A step by its name as the UI sends it: a status for the supplier, an action or a desk
/// step for the pickup library.
pub fn step_named(name: &str) -> Option<Step> {
    if let Some(s) = Status::parse(name) {
        return Some(Step::Supplier(s));
    }
    match name {
        "LendToReader" => Some(Step::LendToReader),
        "ReturnFromReader" => Some(Step::ReturnFromReader),
        _ => RequesterAction::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
            .map(Step::Requester),
    }
}

/// A step's name (the inverse of [`step_named`]).
pub fn step_name(step: Step) -> &'static str {
    match step {
        Step::Supplier(s) => s.as_str(),
        Step::Requester(a) => a.as_str(),
        Step::LendToReader => "LendToReader",
        Step::ReturnFromReader => "ReturnFromReader",
    }
}

/// The steps a librarian of `library` may take on a request now, in the order a desk
/// takes them. A copy's completion is not among them: it comes with its file.
pub fn steps_for(library: &str, v: &RequestView) -> Vec<Step> {
    let state = State {
        status: v.status,
        pickup: v.pickup,
    };
    let mine = |party| match party {
        Party::Supplier => v.supplier.as_deref() == Some(library),
        Party::Requester => v.pickup_library == library,
    };
    Step::all()
        .into_iter()
        .filter(|s| *s != Step::Supplier(Status::CopyCompleted))
        .filter(|s| mine(s.party()))
        .filter(|s| transition(v.service, state, *s).is_some())
        .collect()
}

/// Whether a librarian of `library` may deliver the copy that completes this request.
pub fn can_deliver(library: &str, v: &RequestView) -> bool {
    let state = State {
        status: v.status,
        pickup: v.pickup,
    };
    v.supplier.as_deref() == Some(library)
        && transition(v.service, state, Step::Supplier(Status::CopyCompleted)).is_some()
}

/// Resource sharing's statistics as CSV, one line per pair of libraries and discipline.
pub fn stats_csv(stats: &commons_protocol::sharing::SharingStats) -> String {
    let header = [
        "supplier",
        "borrower",
        "discipline",
        "requests",
        "filled",
        "unfilled",
        "cancelled",
        "loans_received",
        "copies_delivered",
        "fill_rate",
        "median_turnaround_hours",
    ];
    let rows = stats.rows.iter().map(|r| {
        let answered = r.filled + r.unfilled;
        vec![
            r.supplier.clone(),
            r.borrower.clone(),
            r.discipline.clone().unwrap_or_default(),
            r.requests.to_string(),
            r.filled.to_string(),
            r.unfilled.to_string(),
            r.cancelled.to_string(),
            r.loans.to_string(),
            r.copies_delivered.to_string(),
            if answered == 0 {
                String::new()
            } else {
                format!("{:.2}", f64::from(r.filled) / f64::from(answered))
            },
            r.median_turnaround_minutes
                .map(|m| format!("{:.1}", f64::from(m) / 60.0))
                .unwrap_or_default(),
        ]
    });
    crate::usage::csv_lines(&header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use commons_protocol::sharing::PickupStage;

    fn form() -> RequestForm {
        RequestForm {
            record_id: "hub:7".into(),
            service: ServiceType::Loan,
            pickup_library: "north".into(),
            name: "Mei Chen".into(),
            card_number: "N-0012345".into(),
            email: "mei@students.example.edu".into(),
            part: None,
            citation: None,
            copyright_accepted: false,
            note: None,
        }
    }

    #[test]
    fn the_form_is_checked_field_by_field() {
        let members = vec!["north".to_owned(), "south".to_owned()];
        assert_eq!(check(&form(), &members), vec![]);
        let bad = RequestForm {
            pickup_library: "elsewhere".into(),
            card_number: "12".into(),
            email: "mei at example".into(),
            service: ServiceType::Copy,
            note: Some("x".repeat(10_000)),
            ..form()
        };
        let found: Vec<(&str, &str)> = check(&bad, &members)
            .iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            found,
            [
                ("pickup_library", "unknown"),
                ("card_number", "invalid_card"),
                ("email", "invalid_email"),
                ("part", "required"),
                ("copyright_accepted", "required"),
                ("note", "too_long"),
            ]
        );
        // What the workstation accepts, the hub accepts.
        let r = new_request(&form(), None);
        assert!(r.problems().is_empty(), "{:?}", r.problems());
        assert!(r.code.is_some() && r.idempotency_key.starts_with("request:"));
    }

    #[test]
    fn statistics_as_csv() {
        use commons_protocol::sharing::{SharingPair, SharingStats};
        let stats = SharingStats {
            library: Some("north".into()),
            days: 30,
            rows: vec![SharingPair {
                supplier: "south".into(),
                borrower: "north".into(),
                discipline: Some("american-literature".into()),
                requests: 4,
                filled: 3,
                unfilled: 1,
                cancelled: 0,
                loans: 2,
                copies_delivered: 1,
                median_turnaround_minutes: Some(2 * 24 * 60 + 30),
            }],
        };
        assert_eq!(
            stats_csv(&stats),
            "supplier,borrower,discipline,requests,filled,unfilled,cancelled,loans_received,copies_delivered,fill_rate,median_turnaround_hours\r\n\
             south,north,american-literature,4,3,1,0,2,1,0.75,48.5\r\n"
        );
    }

    #[test]
    fn the_outbox_keeps_details_only_until_sent() {
        let store = Store::open_in_memory().unwrap();
        let now = Timestamp::now();
        let r = new_request(&form(), None);
        enqueue(&store, &r, "Summerland", now).unwrap();
        assert_eq!(outbox(&store, None).unwrap(), vec![r.clone()]);
        assert_eq!(waiting(&store).unwrap(), 1);
        let code = r.code.unwrap();
        let found = held(&store, &code, " MEI@students.example.edu ")
            .unwrap()
            .unwrap();
        assert_eq!((found.title.as_str(), found.refused), ("Summerland", None));
        assert_eq!(held(&store, &code, "someone@example.edu").unwrap(), None);
        // Refused: the reason stays, the details go.
        refused(&store, &r.idempotency_key, "no such record").unwrap();
        assert!(outbox(&store, None).unwrap().is_empty());
        let body: Option<String> = store
            .conn()
            .query_row("SELECT body FROM sharing_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(body, None);
        let found = held(&store, &code, "mei@students.example.edu")
            .unwrap()
            .unwrap();
        assert_eq!(found.refused.as_deref(), Some("no such record"));
        assert_eq!(purge(&store, now, 30).unwrap(), 0);
        let later = now + jiff::SignedDuration::from_hours(24 * 31);
        assert_eq!(purge(&store, later, 30).unwrap(), 1);
        // Sent: nothing stays.
        let r = new_request(&form(), None);
        enqueue(&store, &r, "Summerland", now).unwrap();
        sent(&store, &r.idempotency_key).unwrap();
        let rows: i64 = store
            .conn()
            .query_row("SELECT count(*) FROM sharing_outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
    }

    #[test]
    fn a_librarian_is_offered_only_her_party_s_steps() {
        let view = |status, pickup| RequestView {
            code: BookingCode::parse("ABCD2345").unwrap(),
            record_id: "hub:7".into(),
            title: "Summerland".into(),
            service: ServiceType::Loan,
            requesting_library: "north".into(),
            pickup_library: "north".into(),
            supplier: Some("south".into()),
            status,
            pickup,
            due: None,
            placed_at: Timestamp::now(),
            history: vec![],
            patron: None,
            unfilled_reason: None,
            delivered_until: None,
        };
        let names = |lib, v: &RequestView| -> Vec<&'static str> {
            steps_for(lib, v).into_iter().map(step_name).collect()
        };
        let new = view(Status::RequestReceived, PickupStage::Awaiting);
        assert_eq!(
            names("south", &new),
            [
                "ExpectToSupply",
                "WillSupply",
                "Loaned",
                "RetryPossible",
                "Unfilled"
            ]
        );
        assert_eq!(names("north", &new), ["Cancel"]);
        assert!(names("east", &new).is_empty());
        assert!(
            !can_deliver("south", &new),
            "a loan is not delivered as a file"
        );
        let copy = RequestView {
            service: ServiceType::Copy,
            ..new.clone()
        };
        assert!(can_deliver("south", &copy) && !can_deliver("north", &copy));
        let shipped = view(Status::Loaned, PickupStage::Awaiting);
        assert_eq!(names("north", &shipped), ["Received"]);
        for s in Step::all() {
            assert_eq!(step_named(step_name(s)), Some(s));
        }
    }
}
