//! Resource sharing between member libraries: a reader's request for a loan or a copy from
//! another library, in the terms of ISO 18626 (the interlibrary-loan transaction standard
//! resource-sharing systems speak), so a bridge to an ISO 18626 peer is a translation of
//! names already here.
//!
//! A request has two parties: the *requesting* library (the reader's pickup library) and the
//! *supplying* library (a member holding the item, chosen by the hub). The supplier moves
//! the request through ISO 18626's statuses ([`Status`]); the requester acts on it with
//! ISO 18626's actions ([`RequesterAction`]); Commons adds two steps of its own at the
//! pickup desk (lent to the reader, returned by the reader), which ISO 18626 leaves to the
//! local system. [`transition`] is the one table of what may follow what, and who may do
//! it; the hub enforces it, whatever a workstation sends.

use serde::{Deserialize, Serialize};

use crate::limits::{EMAIL_MAX, ID_MAX, STUDENT_NAME_MAX, is_email, is_short_text};

/// ISO 18626 `ServiceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ServiceType {
    Loan,
    Copy,
    CopyOrLoan,
}

impl ServiceType {
    pub const ALL: [ServiceType; 3] = [
        ServiceType::Loan,
        ServiceType::Copy,
        ServiceType::CopyOrLoan,
    ];

    /// The name on the wire and in the hub's database: ISO 18626's.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::Loan => "Loan",
            ServiceType::Copy => "Copy",
            ServiceType::CopyOrLoan => "CopyOrLoan",
        }
    }

    pub fn parse(s: &str) -> Option<ServiceType> {
        ServiceType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// ISO 18626 `Status` of the supplying library, the request's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    RequestReceived,
    ExpectToSupply,
    WillSupply,
    Loaned,
    Overdue,
    Recalled,
    RetryPossible,
    Unfilled,
    CopyCompleted,
    LoanCompleted,
    CompletedWithoutReturn,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Status::RequestReceived,
        Status::ExpectToSupply,
        Status::WillSupply,
        Status::Loaned,
        Status::Overdue,
        Status::Recalled,
        Status::RetryPossible,
        Status::Unfilled,
        Status::CopyCompleted,
        Status::LoanCompleted,
        Status::CompletedWithoutReturn,
        Status::Cancelled,
    ];

    /// The name on the wire and in the hub's database: ISO 18626's.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::RequestReceived => "RequestReceived",
            Status::ExpectToSupply => "ExpectToSupply",
            Status::WillSupply => "WillSupply",
            Status::Loaned => "Loaned",
            Status::Overdue => "Overdue",
            Status::Recalled => "Recalled",
            Status::RetryPossible => "RetryPossible",
            Status::Unfilled => "Unfilled",
            Status::CopyCompleted => "CopyCompleted",
            Status::LoanCompleted => "LoanCompleted",
            Status::CompletedWithoutReturn => "CompletedWithoutReturn",
            Status::Cancelled => "Cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Nothing follows: the request is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Unfilled
                | Status::CopyCompleted
                | Status::LoanCompleted
                | Status::CompletedWithoutReturn
                | Status::Cancelled
        )
    }

    /// The item is out with the requesting library (or its reader).
    pub fn is_out(self) -> bool {
        matches!(self, Status::Loaned | Status::Overdue | Status::Recalled)
    }
}

/// ISO 18626 actions of the requesting library (`RequestingAgencyMessage/action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RequesterAction {
    Received,
    ShippedReturn,
    Cancel,
    Renew,
}

impl RequesterAction {
    pub const ALL: [RequesterAction; 4] = [
        RequesterAction::Received,
        RequesterAction::ShippedReturn,
        RequesterAction::Cancel,
        RequesterAction::Renew,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequesterAction::Received => "Received",
            RequesterAction::ShippedReturn => "ShippedReturn",
            RequesterAction::Cancel => "Cancel",
            RequesterAction::Renew => "Renew",
        }
    }
}

/// Where the item stands at the requesting (pickup) library, which ISO 18626 leaves to the
/// local system: Commons keeps it beside the status so the table can say, for instance,
/// that a loan completes only once the item was shipped back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PickupStage {
    /// Not yet arrived at the pickup library.
    Awaiting,
    /// Arrived at the pickup library (`Received`).
    Received,
    /// Lent to the reader at the pickup desk.
    LentToReader,
    /// Back from the reader, at the pickup desk.
    ReturnedByReader,
    /// Sent back to the supplier (`ShippedReturn`).
    ShippedReturn,
}

impl PickupStage {
    pub const ALL: [PickupStage; 5] = [
        PickupStage::Awaiting,
        PickupStage::Received,
        PickupStage::LentToReader,
        PickupStage::ReturnedByReader,
        PickupStage::ShippedReturn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PickupStage::Awaiting => "Awaiting",
            PickupStage::Received => "Received",
            PickupStage::LentToReader => "LentToReader",
            PickupStage::ReturnedByReader => "ReturnedByReader",
            PickupStage::ShippedReturn => "ShippedReturn",
        }
    }

    pub fn parse(s: &str) -> Option<PickupStage> {
        PickupStage::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One step someone takes on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "by", content = "step")]
pub enum Step {
    /// The supplying library sets a status.
    Supplier(Status),
    /// The requesting library acts (ISO 18626).
    Requester(RequesterAction),
    /// The pickup desk lends the item to the reader (Commons).
    LendToReader,
    /// The reader brings it back to the pickup desk (Commons).
    ReturnFromReader,
}

/// Who may take a step: the supplying library's librarians, or the requesting library's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Party {
    Supplier,
    Requester,
}

impl Step {
    /// Whose step it is.
    pub fn party(self) -> Party {
        match self {
            Step::Supplier(_) => Party::Supplier,
            Step::Requester(_) | Step::LendToReader | Step::ReturnFromReader => Party::Requester,
        }
    }

    /// Every step there is, for tests that walk the whole table.
    pub fn all() -> Vec<Step> {
        let mut all: Vec<Step> = Status::ALL.into_iter().map(Step::Supplier).collect();
        all.extend(RequesterAction::ALL.into_iter().map(Step::Requester));
        all.extend([Step::LendToReader, Step::ReturnFromReader]);
        all
    }
}

/// A request's state: the supplier's status and where the item is at the pickup library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State {
    pub status: Status,
    pub pickup: PickupStage,
}

impl State {
    /// A request just routed to a supplier.
    pub const NEW: State = State {
        status: Status::RequestReceived,
        pickup: PickupStage::Awaiting,
    };
}

/// The state `step` leads to from `from` for a request of `service`, or `None` when it is
/// not allowed: the one table of resource sharing's transitions.
///
/// Supplier: an open request is answered (ExpectToSupply, WillSupply, RetryPossible,
/// Unfilled); a loan is shipped (Loaned, with a due date), may become Overdue or be
/// Recalled, and completes (LoanCompleted) once shipped back, or without return (lost);
/// a copy completes when its file is delivered (CopyCompleted). Requester: Cancel while
/// nothing is shipped; Received, then lent to and returned by the reader, ShippedReturn;
/// Renew while the item is out and not recalled.
pub fn transition(service: ServiceType, from: State, step: Step) -> Option<State> {
    use PickupStage as P;
    use Status as S;
    let State { status, pickup } = from;
    let to = |status| Some(State { status, pickup });
    let loan = service != ServiceType::Copy;
    let copy = service != ServiceType::Loan;
    match step {
        Step::Supplier(next) => match (status, next) {
            (
                S::RequestReceived,
                S::ExpectToSupply | S::WillSupply | S::RetryPossible | S::Unfilled,
            ) => to(next),
            (S::ExpectToSupply, S::WillSupply | S::RetryPossible | S::Unfilled) => to(next),
            (S::RetryPossible, S::ExpectToSupply | S::WillSupply | S::Unfilled) => to(next),
            (S::RequestReceived | S::ExpectToSupply | S::WillSupply, S::Loaned) if loan => to(next),
            (S::RequestReceived | S::ExpectToSupply | S::WillSupply, S::CopyCompleted) if copy => {
                to(next)
            }
            (S::WillSupply, S::Unfilled) => to(next),
            (S::Loaned, S::Overdue | S::Recalled) | (S::Overdue, S::Recalled) => to(next),
            // A renewal granted: a new due date.
            (S::Overdue, S::Loaned) if pickup != P::ShippedReturn => to(next),
            (S::Loaned | S::Overdue | S::Recalled, S::LoanCompleted)
                if pickup == P::ShippedReturn =>
            {
                to(next)
            }
            (S::Loaned | S::Overdue | S::Recalled, S::CompletedWithoutReturn) => to(next),
            _ => None,
        },
        Step::Requester(action) => match (action, status, pickup) {
            (
                RequesterAction::Cancel,
                S::RequestReceived | S::ExpectToSupply | S::WillSupply | S::RetryPossible,
                _,
            ) => to(S::Cancelled),
            (RequesterAction::Received, S::Loaned | S::Overdue | S::Recalled, P::Awaiting) => {
                Some(State {
                    status,
                    pickup: P::Received,
                })
            }
            (
                RequesterAction::ShippedReturn,
                S::Loaned | S::Overdue | S::Recalled,
                P::Received | P::ReturnedByReader,
            ) => Some(State {
                status,
                pickup: P::ShippedReturn,
            }),
            (RequesterAction::Renew, S::Loaned | S::Overdue, P::Received | P::LentToReader) => {
                Some(from)
            }
            _ => None,
        },
        Step::LendToReader => match (status, pickup) {
            (S::Loaned | S::Overdue, P::Received) => Some(State {
                status,
                pickup: P::LentToReader,
            }),
            _ => None,
        },
        Step::ReturnFromReader => match (status, pickup) {
            (S::Loaned | S::Overdue | S::Recalled, P::LentToReader) => Some(State {
                status,
                pickup: P::ReturnedByReader,
            }),
            _ => None,
        },
    }
}

/// A library card number: 4 to 20 letters, digits or hyphens, starting with a letter or
/// digit (member libraries' barcodes and card numbers; the hub checks the form only).
pub fn is_card_number(s: &str) -> bool {
    let s = s.trim();
    (4..=20).contains(&s.len())
        && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A reader's note to the libraries, in characters.
pub const NOTE_MAX: usize = 1000;
/// What of a work a copy is for (pages, chapter, article title), in characters.
pub const COPY_PART_MAX: usize = 500;
/// The citation of a copy request, in characters.
pub const CITATION_MAX: usize = 2000;

/// `POST /api/v1/requests`: a reader's request, placed at a workstation of the pickup
/// library (the workstation's token names it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRequest {
    /// Chosen by the workstation; the same request sent again answers with the request
    /// the first made (an outbox sends exactly once).
    pub idempotency_key: String,
    /// The request's code, chosen by the workstation so a reader leaves with it even when
    /// the request waits in the outbox; the hub draws one when there is none.
    #[serde(default)]
    pub code: Option<crate::BookingCode>,
    /// The union record (`hub:…`) the reader wants.
    pub record_id: String,
    pub service: ServiceType,
    /// The member library where the reader picks up (or, for a copy, opens) what comes.
    pub pickup_library: String,
    pub name: String,
    pub card_number: String,
    pub email: String,
    /// For a copy: the pages, chapter or article wanted.
    #[serde(default)]
    pub part: Option<String>,
    /// For a copy: the citation, pre-filled from the record.
    #[serde(default)]
    pub citation: Option<String>,
    /// For a copy: the reader accepted the copyright declaration.
    #[serde(default)]
    pub copyright_accepted: bool,
    #[serde(default)]
    pub note: Option<String>,
    /// The record's discipline on the workstation (`[a-z0-9-]`, for the statistics).
    #[serde(default)]
    pub discipline: Option<String>,
}

/// A discipline id as requests carry it: 1 to 64 lower-case letters, digits or hyphens.
pub fn is_discipline_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A field of a request and why it cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestProblem {
    pub field: String,
    pub message: String,
}

impl NewRequest {
    /// Everything wrong with the request, field by field (empty when it can be placed).
    pub fn problems(&self) -> Vec<RequestProblem> {
        let mut out = Vec::new();
        let mut say = |field: &str, message: String| {
            out.push(RequestProblem {
                field: field.into(),
                message,
            })
        };
        for (field, v) in [
            ("idempotency_key", &self.idempotency_key),
            ("record_id", &self.record_id),
            ("pickup_library", &self.pickup_library),
        ] {
            if !is_short_text(v, ID_MAX) {
                say(field, format!("`{field}` must be 1 to {ID_MAX} characters"));
            }
        }
        if !is_short_text(&self.name, STUDENT_NAME_MAX) {
            say(
                "name",
                format!("a name is 1 to {STUDENT_NAME_MAX} characters"),
            );
        }
        if !is_card_number(&self.card_number) {
            say(
                "card_number",
                "a library card number is 4 to 20 letters, digits or hyphens".into(),
            );
        }
        if !is_email(self.email.trim()) {
            say(
                "email",
                format!("not an email address (at most {EMAIL_MAX} bytes)"),
            );
        }
        let copy = self.service != ServiceType::Loan;
        match self.part.as_deref().map(str::trim) {
            Some(p) if p.chars().count() > COPY_PART_MAX => {
                say("part", format!("at most {COPY_PART_MAX} characters"));
            }
            None | Some("") if self.service == ServiceType::Copy => {
                say(
                    "part",
                    "say which pages, chapter or article you need".into(),
                );
            }
            _ => {}
        }
        if self
            .citation
            .as_deref()
            .is_some_and(|c| c.chars().count() > CITATION_MAX)
        {
            say("citation", format!("at most {CITATION_MAX} characters"));
        }
        if copy && !self.copyright_accepted {
            say(
                "copyright_accepted",
                "a copy is made only once the copyright declaration is accepted".into(),
            );
        }
        if self
            .note
            .as_deref()
            .is_some_and(|n| n.chars().count() > NOTE_MAX)
        {
            say("note", format!("a note is at most {NOTE_MAX} characters"));
        }
        if self
            .discipline
            .as_deref()
            .is_some_and(|d| !is_discipline_id(d))
        {
            say(
                "discipline",
                "a discipline id is 1 to 64 lower-case letters, digits or hyphens".into(),
            );
        }
        out
    }
}

/// One entry of a request's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEvent {
    pub at: jiff::Timestamp,
    /// The supplying library at the time.
    pub supplier: Option<String>,
    pub status: Status,
    pub pickup: PickupStage,
    /// What happened: the step taken, or "routed" when the hub chose a supplier.
    pub what: String,
    /// A reason given (Unfilled) or a due date (Loaned), as entered.
    pub note: Option<String>,
}

/// A request as its reader sees it (`GET /api/v1/requests/{code}?email=…`) and as the
/// librarians of the libraries involved see it, patron details only for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub code: crate::BookingCode,
    pub record_id: String,
    pub title: String,
    pub service: ServiceType,
    pub requesting_library: String,
    pub pickup_library: String,
    pub supplier: Option<String>,
    pub status: Status,
    pub pickup: PickupStage,
    pub due: Option<jiff::civil::Date>,
    pub placed_at: jiff::Timestamp,
    pub history: Vec<RequestEvent>,
    /// Name, card number, email, note: to the librarians of the libraries involved only.
    pub patron: Option<Patron>,
    /// Why the request ended Unfilled, in words the reader can act on.
    pub unfilled_reason: Option<String>,
    /// A delivered copy can be opened until then (at a workstation of the pickup library).
    #[serde(default)]
    pub delivered_until: Option<jiff::Timestamp>,
}

/// `POST /api/v1/requests/{code}/delivery/open`: the reader's email; the answer is the PDF.
pub type DeliveryOpen = RequestLookup;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patron {
    pub name: String,
    pub card_number: String,
    pub email: String,
    pub note: Option<String>,
    pub part: Option<String>,
    pub citation: Option<String>,
}

/// `POST /api/v1/requests/{code}/lookup`: the email the request was placed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestLookup {
    pub email: String,
}

/// `POST /api/v1/requests/{code}/steps`: a librarian's step on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRequest {
    pub step: Step,
    /// Loaned: the due date.
    #[serde(default)]
    pub due: Option<jiff::civil::Date>,
    /// Unfilled, RetryPossible: the reason, shown to the reader.
    #[serde(default)]
    pub note: Option<String>,
}

/// `GET /api/v1/requests/statistics`: requests placed in the last `days` days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingStatsQuery {
    pub days: u32,
}

/// The most days one statistics query covers.
pub const STATS_DAYS_MAX: u32 = 3660;

/// Resource sharing's statistics for a librarian's library (requests it supplied or picked
/// up) or, for the consortium office, every library: anonymous counts only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingStats {
    /// The librarian's library; `None`: the whole consortium (the office).
    pub library: Option<String>,
    pub days: u32,
    pub rows: Vec<SharingPair>,
}

/// One pair of libraries (who supplied, who borrowed) and one discipline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingPair {
    /// The supplying library (for an unfilled request, the last one asked); empty when no
    /// member held it.
    pub supplier: String,
    /// The borrowing (pickup) library.
    pub borrower: String,
    /// The record's discipline, as the placing workstation classified it.
    pub discipline: Option<String>,
    pub requests: u32,
    /// Shipped or delivered.
    pub filled: u32,
    pub unfilled: u32,
    pub cancelled: u32,
    pub loans: u32,
    pub copies_delivered: u32,
    /// From placing to receipt at the pickup library (loans) or delivery (copies).
    pub median_turnaround_minutes: Option<u32>,
}

/// The most characters of a librarian's reason or note on a step.
pub const STEP_NOTE_MAX: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    fn all_states() -> Vec<State> {
        Status::ALL
            .into_iter()
            .flat_map(|status| {
                PickupStage::ALL
                    .into_iter()
                    .map(move |pickup| State { status, pickup })
            })
            .collect()
    }

    /// A loan from request to completion, and a copy, by the table.
    #[test]
    fn a_loan_and_a_copy_go_through() {
        let walk = |service, steps: &[Step]| {
            steps.iter().fold(State::NEW, |s, step| {
                transition(service, s, *step).unwrap_or_else(|| panic!("{step:?} from {s:?}"))
            })
        };
        let done = walk(
            ServiceType::Loan,
            &[
                Step::Supplier(Status::WillSupply),
                Step::Supplier(Status::Loaned),
                Step::Requester(RequesterAction::Received),
                Step::LendToReader,
                Step::Requester(RequesterAction::Renew),
                Step::ReturnFromReader,
                Step::Requester(RequesterAction::ShippedReturn),
                Step::Supplier(Status::LoanCompleted),
            ],
        );
        assert_eq!(done.status, Status::LoanCompleted);
        let copy = walk(
            ServiceType::Copy,
            &[
                Step::Supplier(Status::WillSupply),
                Step::Supplier(Status::CopyCompleted),
            ],
        );
        assert_eq!(copy.status, Status::CopyCompleted);
    }

    /// Nothing follows a final status, a loan is never completed before it is shipped
    /// back, a copy is never Loaned, a loan never CopyCompleted, and nothing shipped can be
    /// cancelled.
    #[test]
    fn the_table_refuses_what_makes_no_sense() {
        for from in all_states() {
            for step in Step::all() {
                for service in ServiceType::ALL {
                    let Some(to) = transition(service, from, step) else {
                        continue;
                    };
                    assert!(!from.status.is_final(), "{step:?} after final {from:?}");
                    if to.status == Status::LoanCompleted {
                        assert_eq!(from.pickup, PickupStage::ShippedReturn);
                    }
                    if step == Step::Supplier(Status::Loaned) && from.status != Status::Overdue {
                        assert_ne!(service, ServiceType::Copy);
                    }
                    if to.status == Status::CopyCompleted {
                        assert_ne!(service, ServiceType::Loan);
                    }
                    if step == Step::Requester(RequesterAction::Cancel) {
                        assert!(!from.status.is_out());
                    }
                }
            }
        }
        assert_eq!(
            transition(
                ServiceType::Loan,
                State::NEW,
                Step::Supplier(Status::LoanCompleted)
            ),
            None
        );
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for t in ServiceType::ALL {
            assert_eq!(ServiceType::parse(t.as_str()), Some(t));
        }
        for p in PickupStage::ALL {
            assert_eq!(PickupStage::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn bad_requests_are_named_field_by_field() {
        let ok = NewRequest {
            idempotency_key: "k1".into(),
            code: None,
            record_id: "w1".into(),
            service: ServiceType::Loan,
            pickup_library: "north".into(),
            name: "Mei Chen".into(),
            card_number: "N-0012345".into(),
            email: "mei@students.example.edu".into(),
            part: None,
            citation: None,
            copyright_accepted: false,
            note: None,
            discipline: Some("american-literature".into()),
        };
        assert_eq!(ok.problems(), vec![]);
        let bad = NewRequest {
            card_number: "12".into(),
            email: "mei at example".into(),
            note: Some("x".repeat(10_000)),
            service: ServiceType::Copy,
            discipline: Some("Literature; DROP".into()),
            ..ok.clone()
        };
        let fields: Vec<String> = bad.problems().into_iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                "card_number",
                "email",
                "part",
                "copyright_accepted",
                "note",
                "discipline"
            ]
        );
        for card in ["1234", "N-0012345", "A1B2C3D4E5F6G7H8I9J0"] {
            assert!(is_card_number(card), "{card}");
        }
        for card in [
            "",
            "123",
            "-1234",
            "12 34",
            "A1B2C3D4E5F6G7H8I9J0K",
            "１２３４",
        ] {
            assert!(!is_card_number(card), "{card}");
        }
    }
}
