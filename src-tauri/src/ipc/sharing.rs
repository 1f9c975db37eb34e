//! Resource sharing: the request form, a request as the reader and the librarians see it,
//! the librarian's queue.

use super::*;
use commons_core::sharing::{self as share, RequestForm};
use commons_core::workstation::{Found, Placement, QueueEntry, SharingContext};
use commons_protocol::sharing::{RequestEvent, RequestView, ServiceType};

/// What the request form needs.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SharingContextView {
    /// Requests can be placed here (the workstation is joined to a hub).
    pub joined: bool,
    /// This workstation's own member library, the default pickup library.
    pub home_library: Option<String>,
    pub members: Vec<MemberLibrary>,
    /// Requests placed here that wait for the hub.
    pub waiting: u32,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MemberLibrary {
    pub id: String,
    pub name: String,
    pub name_zh: String,
}

impl From<SharingContext> for SharingContextView {
    fn from(c: SharingContext) -> Self {
        SharingContextView {
            joined: c.joined,
            home_library: c.home_library,
            members: c
                .members
                .into_iter()
                .map(|l| MemberLibrary {
                    id: l.id,
                    name: l.name,
                    name_zh: l.name_zh,
                })
                .collect(),
            waiting: u32::try_from(c.waiting).unwrap_or(u32::MAX),
        }
    }
}

/// ISO 18626's service types.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type)]
pub enum Service {
    Loan,
    Copy,
    CopyOrLoan,
}

impl From<Service> for ServiceType {
    fn from(s: Service) -> Self {
        match s {
            Service::Loan => ServiceType::Loan,
            Service::Copy => ServiceType::Copy,
            Service::CopyOrLoan => ServiceType::CopyOrLoan,
        }
    }
}

impl From<ServiceType> for Service {
    fn from(s: ServiceType) -> Self {
        match s {
            ServiceType::Loan => Service::Loan,
            ServiceType::Copy => Service::Copy,
            ServiceType::CopyOrLoan => Service::CopyOrLoan,
        }
    }
}

/// A reader's request as the form sends it.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RequestFormInput {
    pub record_id: String,
    pub service: Service,
    pub pickup_library: String,
    pub name: String,
    pub card_number: String,
    pub email: String,
    pub part: Option<String>,
    pub citation: Option<String>,
    pub copyright_accepted: bool,
    pub note: Option<String>,
}

impl From<RequestFormInput> for RequestForm {
    fn from(f: RequestFormInput) -> Self {
        RequestForm {
            record_id: f.record_id,
            service: f.service.into(),
            pickup_library: f.pickup_library,
            name: f.name,
            card_number: f.card_number,
            email: f.email,
            part: f.part,
            citation: f.citation,
            copyright_accepted: f.copyright_accepted,
            note: f.note,
        }
    }
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RequestEventView {
    /// RFC 3339, UTC.
    pub at: String,
    pub supplier: Option<String>,
    /// ISO 18626 status after the step.
    pub status: String,
    pub pickup: String,
    /// The step taken (`placed`, `routed`, a status or an action).
    pub what: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RequestPatronView {
    pub name: String,
    pub card_number: String,
    pub email: String,
    pub note: Option<String>,
    pub part: Option<String>,
    pub citation: Option<String>,
}

/// A request with its history; the reader's details for librarians only.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RequestInfo {
    pub code: String,
    pub record_id: String,
    pub title: String,
    pub service: Service,
    pub requesting_library: String,
    pub pickup_library: String,
    pub supplier: Option<String>,
    pub status: String,
    pub pickup: String,
    /// `YYYY-MM-DD`.
    pub due: Option<String>,
    pub placed_at: String,
    pub history: Vec<RequestEventView>,
    pub patron: Option<RequestPatronView>,
    pub unfilled_reason: Option<String>,
    /// A delivered copy opens until then (RFC 3339, UTC).
    pub delivered_until: Option<String>,
}

impl From<RequestEvent> for RequestEventView {
    fn from(e: RequestEvent) -> Self {
        RequestEventView {
            at: e.at.to_string(),
            supplier: e.supplier,
            status: e.status.as_str().to_owned(),
            pickup: e.pickup.as_str().to_owned(),
            what: e.what,
            note: e.note,
        }
    }
}

impl From<RequestView> for RequestInfo {
    fn from(v: RequestView) -> Self {
        RequestInfo {
            code: v.code.to_string(),
            record_id: v.record_id,
            title: v.title,
            service: v.service.into(),
            requesting_library: v.requesting_library,
            pickup_library: v.pickup_library,
            supplier: v.supplier,
            status: v.status.as_str().to_owned(),
            pickup: v.pickup.as_str().to_owned(),
            due: v.due.map(|d| d.to_string()),
            placed_at: v.placed_at.to_string(),
            history: v.history.into_iter().map(Into::into).collect(),
            patron: v.patron.map(|p| RequestPatronView {
                name: p.name,
                card_number: p.card_number,
                email: p.email,
                note: p.note,
                part: p.part,
                citation: p.citation,
            }),
            unfilled_reason: v.unfilled_reason,
            delivered_until: v.delivered_until.map(|t| t.to_string()),
        }
    }
}

/// What placing a request did.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PlaceOutcome {
    /// Placed with the hub, or (`request` null) waiting in the outbox.
    #[serde(rename_all = "camelCase")]
    Placed {
        code: String,
        title: String,
        request: Option<Box<RequestInfo>>,
        /// null: the holding libraries do not say whether a copy is on the shelf.
        available_elsewhere: Option<bool>,
    },
    Invalid {
        problems: Vec<FieldProblem>,
    },
}

impl PlaceOutcome {
    pub fn from_result(
        result: Result<Placement, share::RequestError>,
    ) -> Result<PlaceOutcome, IpcError> {
        match result {
            Ok(p) => Ok(PlaceOutcome::Placed {
                code: p.code,
                title: p.title,
                request: p.view.map(|v| Box::new(v.into())),
                available_elsewhere: p.available_elsewhere,
            }),
            Err(share::RequestError::Invalid(list)) => Ok(PlaceOutcome::Invalid {
                problems: list.into_iter().map(Into::into).collect(),
            }),
            Err(e) => Err(e.into()),
        }
    }
}

/// A request found by code and email.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FoundRequest {
    Found {
        request: Box<RequestInfo>,
    },
    /// Still on this workstation: waiting for the hub, or refused by it (`refused`: why).
    #[serde(rename_all = "camelCase")]
    Held {
        code: String,
        title: String,
        placed_at: String,
        refused: Option<String>,
    },
}

impl From<Found> for FoundRequest {
    fn from(f: Found) -> Self {
        match f {
            Found::Hub(v) => FoundRequest::Found {
                request: Box::new((*v).into()),
            },
            Found::Held(h) => FoundRequest::Held {
                code: h.code,
                title: h.title,
                placed_at: h.placed_at.to_string(),
                refused: h.refused,
            },
        }
    }
}

/// One request of a librarian's queue, with the steps she may take now.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueEntryView {
    pub request: RequestInfo,
    pub call_number: Option<String>,
    /// Step names: ISO 18626 statuses for the supplier, actions for the pickup library.
    pub steps: Vec<String>,
    /// The scanned copy may be delivered (it completes the request).
    pub can_deliver: bool,
}

impl From<QueueEntry> for QueueEntryView {
    fn from(e: QueueEntry) -> Self {
        QueueEntryView {
            request: e.view.into(),
            call_number: e.call_number,
            can_deliver: e.can_deliver,
            steps: e
                .steps
                .into_iter()
                .map(|s| share::step_name(s).to_owned())
                .collect(),
        }
    }
}

/// The signed-in librarian's library and its requests.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RequestQueueView {
    pub library: String,
    pub entries: Vec<QueueEntryView>,
}

/// What delivering a copy did: the request after it, or the file's problem.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DeliverOutcome {
    Delivered { entry: Box<QueueEntryView> },
    Invalid { problems: Vec<FieldProblem> },
}

impl DeliverOutcome {
    pub fn from_result(
        result: Result<QueueEntry, share::RequestError>,
    ) -> Result<DeliverOutcome, IpcError> {
        match result {
            Ok(e) => Ok(DeliverOutcome::Delivered {
                entry: Box::new(e.into()),
            }),
            Err(share::RequestError::Invalid(list)) => Ok(DeliverOutcome::Invalid {
                problems: list.into_iter().map(Into::into).collect(),
            }),
            Err(e) => Err(e.into()),
        }
    }
}

/// A delivered copy opened for this session: the viewer opens `doc://localhost/<sha256>`.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct OpenedCopyView {
    pub sha256: String,
    pub title: String,
}

/// Lending between member libraries, per pair and discipline (anonymous counts).
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SharingStatsView {
    /// The librarian's library; null: the whole consortium (the office).
    pub library: Option<String>,
    pub days: u32,
    pub rows: Vec<SharingPairView>,
}

#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SharingPairView {
    /// The supplying library (for an unfilled request, the last asked); empty: none held it.
    pub supplier: String,
    pub borrower: String,
    pub discipline: Option<String>,
    pub requests: u32,
    pub filled: u32,
    pub unfilled: u32,
    pub cancelled: u32,
    pub loans: u32,
    pub copies_delivered: u32,
    pub median_turnaround_minutes: Option<u32>,
}

impl From<commons_protocol::sharing::SharingStats> for SharingStatsView {
    fn from(s: commons_protocol::sharing::SharingStats) -> Self {
        SharingStatsView {
            library: s.library,
            days: s.days,
            rows: s
                .rows
                .into_iter()
                .map(|r| SharingPairView {
                    supplier: r.supplier,
                    borrower: r.borrower,
                    discipline: r.discipline,
                    requests: r.requests,
                    filled: r.filled,
                    unfilled: r.unfilled,
                    cancelled: r.cancelled,
                    loans: r.loans,
                    copies_delivered: r.copies_delivered,
                    median_turnaround_minutes: r.median_turnaround_minutes,
                })
                .collect(),
        }
    }
}
