//! Resource sharing: a reader's requests to other member libraries (placed through the hub,
//! or waiting in the outbox while it is out of reach), found again by code and email, and
//! the signed-in librarian's queue of her library's requests with the steps she may take.

use commons_protocol::sharing::{RequestView, Status, Step, StepRequest};
use commons_protocol::{ApiCode, BookingCode};
use rusqlite::OptionalExtension;

use super::*;

use crate::sharing::{self as share, RequestError, RequestForm};
use crate::sync;

/// What the request form needs: whether requests can be placed here, the member libraries
/// to pick up at, and this workstation's own library (the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingContext {
    pub joined: bool,
    pub home_library: Option<String>,
    pub members: Vec<consortium::Library>,
    /// Requests placed here that wait for the hub.
    pub waiting: u64,
}

/// A request placed: with the hub now, or waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub code: String,
    pub title: String,
    /// `None`: waiting in the outbox, sent when the hub is back.
    pub view: Option<RequestView>,
    /// Some member library other than the pickup library has a copy on the shelf (as this
    /// workstation last heard); `Some(false)`: none has, so the reader waits for a return or
    /// a recall; `None`: the holding libraries do not say.
    pub available_elsewhere: Option<bool>,
}

/// A request found by its code and email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The hub's request, with its history.
    Hub(Box<RequestView>),
    /// Still on this workstation: waiting to be sent, or refused by the hub (why).
    Held(share::Held),
}

/// One request of a librarian's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub view: RequestView,
    /// The supplying library's call number for the record, from this cache.
    pub call_number: Option<String>,
    /// The steps the signed-in librarian may take now.
    pub steps: Vec<Step>,
    /// She may deliver the scanned copy (her library supplies a copy request still open).
    pub can_deliver: bool,
}

/// A delivered copy opened for this patron session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedCopy {
    /// Its SHA-256: the viewer opens it as `doc://localhost/<sha256>`.
    pub sha256: String,
    pub title: String,
}

/// A sharing request sent from the outbox: what the hub answered.
#[derive(Debug)]
pub(super) enum Sent {
    Placed(Box<RequestView>),
    Refused(String),
    Failed(String),
}

impl Workstation {
    pub fn sharing_context(&self) -> Result<SharingContext, StoreError> {
        let joined = self.hub().ok().flatten().is_some();
        self.with_store(|s| {
            Ok(SharingContext {
                joined,
                home_library: share::home_library(s)?,
                members: consortium::overview(s)?.libraries,
                waiting: share::waiting(s)?,
            })
        })
    }

    /// Places a reader's request. It is checked here, put in the outbox, then sent; with the
    /// hub out of reach it waits there (the reader leaves with its code all the same) and
    /// the background sync sends it, exactly once.
    pub fn place_request(&self, form: &RequestForm) -> Result<Placement, RequestError> {
        let hub = match self.hub() {
            Ok(Some(hub)) => hub,
            Ok(None) => return Err(RequestError::NoHub),
            Err(e) => return Err(RequestError::HubUnreachable(e.to_string())),
        };
        let record = self
            .record(&form.record_id)?
            .ok_or_else(|| RequestError::UnknownRecord(form.record_id.clone()))?;
        let members: Vec<String> = self
            .with_store(consortium::overview)?
            .libraries
            .into_iter()
            .map(|l| l.id)
            .collect();
        let problems = share::check(form, &members);
        if !problems.is_empty() {
            return Err(RequestError::Invalid(problems));
        }
        let discipline = self.with_store(|s| share::record_discipline(s, &form.record_id))?;
        let request = share::new_request(form, discipline);
        let title = record.description.title.clone();
        self.with_store(|s| share::enqueue(s, &request, &title, Timestamp::now()))?;
        let elsewhere = || {
            record
                .holdings
                .iter()
                .filter(|h| h.library_id != form.pickup_library)
        };
        let available_elsewhere = if elsewhere().any(|h| h.status == "available") {
            Some(true)
        } else if elsewhere().all(|h| h.status == "unknown") {
            None
        } else {
            Some(false)
        };
        let code = request.code.map(|c| c.to_string()).unwrap_or_default();
        let view = match self
            .send_requests(&hub, Some(&request.idempotency_key))?
            .pop()
        {
            Some(Sent::Placed(view)) => Some(*view),
            Some(Sent::Refused(reason)) => {
                // The reader is here to read why and try again: nothing of it is kept.
                self.with_store(|s| share::sent(s, &request.idempotency_key))?;
                return Err(RequestError::HubRefused(reason));
            }
            Some(Sent::Failed(_)) | None => None,
        };
        Ok(Placement {
            code,
            title,
            view,
            available_elsewhere,
        })
    }

    /// Sends the requests waiting in the outbox (`only`: the one with this key); stops at
    /// the first the hub does not receive.
    pub(super) fn send_requests(
        &self,
        hub: &sync::Hub,
        only: Option<&str>,
    ) -> Result<Vec<Sent>, StoreError> {
        let waiting = self.with_store(|s| share::outbox(s, only))?;
        let mut out = Vec::new();
        for r in waiting {
            let sent = match hub.place_request(&r) {
                Ok(view) => {
                    self.with_store(|s| share::sent(s, &r.idempotency_key))?;
                    tracing::info!("a request to another library reached the hub");
                    Sent::Placed(Box::new(view))
                }
                Err(e) if e.code() == Some(ApiCode::TooManyAttempts) => {
                    // This workstation placed its hourly share: the request waits in the
                    // outbox and goes with a sync once the hour has passed.
                    tracing::warn!(error = %e, "the hub asks this workstation to wait before placing more requests");
                    Sent::Failed(e.to_string())
                }
                Err(e) if e.is_refusal() => {
                    let reason = e
                        .refusal()
                        .map_or_else(|| e.to_string(), |r| r.message.clone());
                    self.with_store(|s| share::refused(s, &r.idempotency_key, &reason))?;
                    tracing::warn!(reason, "the hub refused a request from the outbox");
                    Sent::Refused(reason)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a request was not delivered to the hub; it stays in the outbox");
                    Sent::Failed(e.to_string())
                }
            };
            let failed = matches!(sent, Sent::Failed(_));
            out.push(sent);
            if failed {
                break;
            }
        }
        Ok(out)
    }

    /// A request by its code and the email it was placed with: the hub's, or one still on
    /// this workstation. One answer for a wrong code and a wrong email.
    pub fn find_request(&self, code: &str, email: &str) -> Result<Found, RequestError> {
        let Some(code) = BookingCode::parse(code) else {
            return Err(RequestError::NotFound);
        };
        let email = email.trim();
        if email.is_empty() {
            return Err(RequestError::Invalid(vec![
                commons_protocol::FieldError::new("email", "required"),
            ]));
        }
        let held = || self.with_store(|s| share::held(s, &code, email));
        let hub = match self.hub() {
            Ok(Some(hub)) => hub,
            Ok(None) => return Err(RequestError::NoHub),
            Err(e) => return Err(RequestError::HubUnreachable(e.to_string())),
        };
        match hub.find_request(&code, email) {
            Ok(Some(view)) => Ok(Found::Hub(Box::new(view))),
            Ok(None) => held()?.map(Found::Held).ok_or(RequestError::NotFound),
            Err(e) if e.is_refusal() => Err(RequestError::from_hub(e)),
            Err(e) => held()?
                .map(Found::Held)
                .ok_or_else(|| RequestError::HubUnreachable(e.to_string())),
        }
    }

    /// The signed-in librarian's member library (from the roster).
    fn librarian_library(&self) -> Result<String, RequestError> {
        let account = self.signed_in().ok_or(RequestError::NotSignedIn)?;
        let me = account.librarian_id.ok_or(RequestError::NotALibrarian)?;
        self.with_store(|s| {
            s.conn()
                .query_row(
                    "SELECT library_id FROM librarians WHERE id = ?1",
                    [&me],
                    |r| r.get::<_, String>(0),
                )
                .optional()
                .map_err(|e| s.err(e))
        })?
        .ok_or(RequestError::NotALibrarian)
    }

    fn queue_entry(&self, library: &str, view: RequestView) -> Result<QueueEntry, StoreError> {
        let call_number = match &view.supplier {
            Some(supplier) => self.with_store(|s| {
                s.conn()
                    .query_row(
                        "SELECT call_number FROM holdings
                         WHERE record_id = ?1 AND library_id = ?2 AND call_number <> ''
                         ORDER BY status <> 'available', id LIMIT 1",
                        [&view.record_id, supplier],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()
                    .map_err(|e| s.err(e))
            })?,
            None => None,
        };
        Ok(QueueEntry {
            steps: share::steps_for(library, &view),
            can_deliver: share::can_deliver(library, &view),
            call_number,
            view,
        })
    }

    /// The signed-in librarian's library, and the requests it supplies or picks up, open
    /// ones and oldest first (the hub's order), each with the steps she may take.
    pub fn request_queue(&self) -> Result<(String, Vec<QueueEntry>), RequestError> {
        let library = self.librarian_library()?;
        let (hub, session) = self.hub_desk().ok_or(RequestError::NoHubSession)?;
        let list = hub
            .request_queue(&session)
            .map_err(RequestError::from_hub)?
            .ok_or(RequestError::NotSignedIn)?;
        let entries = list
            .into_iter()
            .map(|v| self.queue_entry(&library, v))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((library, entries))
    }

    /// A librarian's step on a request (by its name: a status for the supplier, an action
    /// for the pickup library); the hub checks it against the table and her library.
    pub fn request_step(
        &self,
        code: &str,
        step: &str,
        due: Option<&str>,
        note: Option<&str>,
    ) -> Result<QueueEntry, RequestError> {
        let invalid = |field, code| {
            RequestError::Invalid(vec![commons_protocol::FieldError::new(field, code)])
        };
        let due = match due.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(
                d.parse::<jiff::civil::Date>()
                    .map_err(|_| invalid("due", "invalid_date"))?,
            ),
            None => None,
        };
        let library = self.librarian_library()?;
        let code = BookingCode::parse(code).ok_or(RequestError::NotFound)?;
        let Some(step) = share::step_named(step) else {
            return Err(RequestError::Invalid(vec![
                commons_protocol::FieldError::new("step", "unknown"),
            ]));
        };
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let needs_note = matches!(
            step,
            Step::Supplier(Status::Unfilled | Status::RetryPossible)
        );
        if needs_note && note.is_none() {
            return Err(RequestError::Invalid(vec![
                commons_protocol::FieldError::new("note", "required"),
            ]));
        }
        if step == Step::Supplier(Status::Loaned) && due.is_none() {
            return Err(RequestError::Invalid(vec![
                commons_protocol::FieldError::new("due", "required"),
            ]));
        }
        let (hub, session) = self.hub_desk().ok_or(RequestError::NoHubSession)?;
        let body = StepRequest {
            step,
            due,
            note: note.map(str::to_owned),
        };
        let view = hub
            .request_step(&session, &code, &body)
            .map_err(RequestError::from_hub)?;
        Ok(self.queue_entry(&library, view)?)
    }

    pub(super) fn copies_slot(&self) -> MutexGuard<'_, HashMap<String, (String, Vec<u8>)>> {
        self.copies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The supplying library's librarian delivers the scanned copy (a PDF, as the page sends
    /// it, base64): the request is complete, and its reader can open the copy at the pickup
    /// library.
    pub fn deliver_copy(&self, code: &str, base64_pdf: &str) -> Result<QueueEntry, RequestError> {
        use base64::Engine as _;
        let library = self.librarian_library()?;
        let code = BookingCode::parse(code).ok_or(RequestError::NotFound)?;
        let invalid = |c| RequestError::Invalid(vec![commons_protocol::FieldError::new("file", c)]);
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(base64_pdf.trim())
            .map_err(|_| invalid("not_a_pdf"))?;
        if !pdf.starts_with(b"%PDF-") {
            return Err(invalid("not_a_pdf"));
        }
        if pdf.len() as u64 > commons_protocol::limits::DOCUMENT_BYTES_MAX {
            return Err(invalid("too_large"));
        }
        let (hub, session) = self.hub_desk().ok_or(RequestError::NoHubSession)?;
        let view = hub
            .deliver_copy(&session, &code, pdf)
            .map_err(|e| match e.code() {
                Some(ApiCode::TooLarge) => invalid("too_large"),
                Some(ApiCode::Invalid) => invalid("not_a_pdf"),
                _ => RequestError::from_hub(e),
            })?;
        Ok(self.queue_entry(&library, view)?)
    }

    /// Opens a delivered copy for this patron session: fetched from the hub with the code
    /// and email (at a workstation of the pickup library), kept in memory only, never in the
    /// store or the search index.
    pub fn open_copy(&self, code: &str, email: &str) -> Result<OpenedCopy, RequestError> {
        let parsed = BookingCode::parse(code).ok_or(RequestError::NotFound)?;
        let hub = match self.hub() {
            Ok(Some(hub)) => hub,
            Ok(None) => return Err(RequestError::NoHub),
            Err(e) => return Err(RequestError::HubUnreachable(e.to_string())),
        };
        let title = match hub.find_request(&parsed, email.trim()) {
            Ok(Some(view)) => view.title,
            Ok(None) => return Err(RequestError::NotFound),
            Err(e) => return Err(RequestError::from_hub(e)),
        };
        let bytes = hub
            .open_copy(&parsed, email.trim())
            .map_err(|e| match e.code() {
                Some(ApiCode::Forbidden) => RequestError::CopyElsewhere,
                _ => RequestError::from_hub(e),
            })?
            .ok_or(RequestError::NotFound)?;
        let sha = commons_protocol::Sha256::of(&bytes).to_string();
        self.copies_slot()
            .insert(sha.clone(), (title.clone(), bytes));
        Ok(OpenedCopy { sha256: sha, title })
    }

    /// Saves a copy opened this session in the downloads folder (deleted when the session
    /// finishes, as every file it saved).
    pub fn save_copy(&self, sha: &str) -> Result<PathBuf, ExportError> {
        let bytes = self
            .copies_slot()
            .get(sha)
            .map(|(_, b)| b.clone())
            .ok_or(ExportError::Nothing)?;
        self.save_download("copy", "pdf", bytes)
    }

    /// Lending between member libraries over the last `days` days, from the hub: the
    /// signed-in librarian's library's, or every library's for the consortium office.
    pub fn sharing_statistics(
        &self,
        days: u32,
    ) -> Result<commons_protocol::sharing::SharingStats, RequestError> {
        self.signed_in().ok_or(RequestError::NotSignedIn)?;
        let (hub, session) = self.hub_desk().ok_or(RequestError::NoHubSession)?;
        hub.sharing_statistics(&session, days)
            .map_err(RequestError::from_hub)?
            .ok_or(RequestError::NotSignedIn)
    }

    /// The same as CSV in the downloads folder (a file of the session).
    pub fn sharing_statistics_csv(&self, days: u32) -> Result<PathBuf, RequestError> {
        let stats = self.sharing_statistics(days)?;
        self.save_download("sharing", "csv", share::stats_csv(&stats))
            .map_err(|e| match e {
                ExportError::Store(s) => RequestError::Store(s),
                other => RequestError::Download(other.to_string()),
            })
    }
}
