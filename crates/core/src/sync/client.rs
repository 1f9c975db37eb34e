//! The hub client: reqwest (blocking) with rustls and ring, a timeout on every request, the
//! workstation's token on every call and a librarian's session where one is needed. Bodies
//! are the protocol's types; answers are read up to a size limit, then parsed into the
//! protocol's types or its [`ApiError`].

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::time::Duration;

use commons_protocol::accounts::{CalendarPath, SESSION_HEADER, SignIn, SignedIn};
use commons_protocol::bookings::{
    Booked, BookingStatus, DeskAction, DeskBooking, DeskQuery, NewBooking, SharedSchedule, TypeForm,
};
use commons_protocol::feed::{ChangesQuery, Page};
use commons_protocol::limits::{ANSWER_BYTES_MAX, DOCUMENT_BYTES_MAX, FEED_PAGE_BYTES_MAX};
use commons_protocol::resources::{SaveQuery, SharedAuditLine, SharedResource};
use commons_protocol::routes::{self, ResourceAction};
use commons_protocol::{ApiCode, ApiError, BookingCode, Sha256};
use reqwest::blocking::{RequestBuilder, Response};
use serde::de::DeserializeOwned;

use super::SyncError;

/// Makes ring the process's TLS crypto provider (reqwest is built without one). Calling it
/// again does nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Whether a plain `http://` hub may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// https only (the default): the token and passwords never cross the network readable.
    HttpsOnly,
    /// http too (`hub.allow_insecure_http = true`: tests, a network the consortium trusts).
    AllowInsecureHttp,
}

/// A hub this workstation syncs from.
#[derive(Debug, Clone)]
pub struct Hub {
    base: url::Url,
    token: String,
    client: reqwest::blocking::Client,
}

/// Why the hub refused a librarian's change to shared data (a resource, a schedule, a type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The librarian's session on the hub ended.
    NotSignedIn,
    /// The hub's list has no resource with this id.
    NotFound,
    /// A new resource's id is already on the hub's list.
    Taken,
    /// The hub found the change unusable (its reason).
    Invalid(String),
}

/// What the hub said to a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubBooking {
    /// Booked (or booked before: the same request sent again), under this code; its time is
    /// in the feed under `busy_key`.
    Booked { code: String, busy_key: String },
    /// Another booking of the librarian overlaps, or the group session is full.
    Taken { reason: String },
}

impl Hub {
    /// A client for the hub at `base` with a workstation `token`; every request gives up after
    /// `timeout`. A plain http hub is refused unless `transport` allows it. Redirects are not
    /// followed: the token and a librarian's session never go to another address than the
    /// one configured.
    pub fn new(
        base: url::Url,
        token: String,
        timeout: Duration,
        transport: Transport,
    ) -> Result<Hub, SyncError> {
        install_tls_provider();
        if base.scheme() != "https" && transport != Transport::AllowInsecureHttp {
            return Err(SyncError::Insecure(base.to_string()));
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Commons/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Unreachable {
                url: base.to_string(),
                detail: e.to_string(),
            })?;
        Ok(Hub {
            base,
            token,
            client,
        })
    }

    pub fn url(&self) -> &url::Url {
        &self.base
    }

    fn unreachable(&self, detail: String) -> SyncError {
        SyncError::Unreachable {
            url: self.base.to_string(),
            detail,
        }
    }

    fn at(&self, path: &str) -> Result<url::Url, SyncError> {
        self.base
            .join(path)
            .map_err(|e| SyncError::Untrustworthy(format!("{path}: {e}")))
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Result<RequestBuilder, SyncError> {
        Ok(self.client.request(method, self.at(path)?))
    }

    fn librarian(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &str,
    ) -> Result<RequestBuilder, SyncError> {
        Ok(self.request(method, path)?.header(SESSION_HEADER, session))
    }

    /// Sends a request with this workstation's token. The network failing, or a hub that is
    /// up but answers 5xx, is for the workstation "out of reach".
    fn send(&self, request: RequestBuilder) -> Result<Response, SyncError> {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .map_err(|e| self.unreachable(plain(&e)))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(self.unreachable(format!("it answered {status}")));
        }
        Ok(response)
    }

    /// Reads at most `limit` bytes of an answer (after decompression, for one the hub sent
    /// gzip-compressed); a longer one is not believed.
    fn read_capped(&self, response: Response, limit: u64) -> Result<Vec<u8>, SyncError> {
        let encoding = response
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
        let mut body = Vec::new();
        response
            .take(limit + 1)
            .read_to_end(&mut body)
            .map_err(|e| self.unreachable(format!("the answer stopped: {e}")))?;
        if body.len() as u64 > limit {
            return Err(SyncError::Untrustworthy(format!(
                "an answer longer than {limit} bytes"
            )));
        }
        match encoding.as_deref() {
            None | Some("identity") => Ok(body),
            Some("gzip") => {
                let mut plain = Vec::new();
                flate2::read::GzDecoder::new(body.as_slice())
                    .take(limit + 1)
                    .read_to_end(&mut plain)
                    .map_err(|e| {
                        SyncError::Untrustworthy(format!(
                            "a compressed answer that is damaged: {e}"
                        ))
                    })?;
                if plain.len() as u64 > limit {
                    return Err(SyncError::Untrustworthy(format!(
                        "an answer longer than {limit} bytes once decompressed"
                    )));
                }
                Ok(plain)
            }
            Some(other) => Err(SyncError::Untrustworthy(format!(
                "an answer encoded as `{other}`, which was not asked for"
            ))),
        }
    }

    /// The answer of a request as `T`, or the hub's refusal as `Err(SyncError::Refused)`. A
    /// refused workstation token is `SyncError::Unauthorized` whatever the route.
    fn answer<T: DeserializeOwned>(
        &self,
        response: Response,
        limit: u64,
    ) -> Result<(u16, T), SyncError> {
        let status = response.status();
        let body = self.read_capped(response, limit)?;
        if status.is_success() {
            let value = if body.is_empty() {
                // 204: a `()` answer.
                serde_json::from_slice(b"null")
            } else {
                serde_json::from_slice(&body)
            };
            return value.map(|v| (status.as_u16(), v)).map_err(|e| {
                SyncError::Untrustworthy(format!("an answer that is not valid: {e}"))
            });
        }
        match serde_json::from_slice::<ApiError>(&body) {
            Ok(e) if e.code == ApiCode::Unauthorized => Err(SyncError::Unauthorized),
            Ok(e) => Err(SyncError::Refused(e)),
            Err(_) if status == reqwest::StatusCode::UNAUTHORIZED => Err(SyncError::Unauthorized),
            Err(_) => Err(SyncError::Status {
                status: status.as_u16(),
                detail: String::from_utf8_lossy(&body).chars().take(300).collect(),
            }),
        }
    }

    fn call<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, SyncError> {
        let response = self.send(request)?;
        self.answer(response, ANSWER_BYTES_MAX).map(|(_, v)| v)
    }

    /// Changes after `since`, at most `limit`.
    pub fn changes(&self, since: &str, limit: u32) -> Result<Page, SyncError> {
        let query = ChangesQuery {
            since: since.to_owned(),
            limit: Some(limit),
        };
        // Pages of union records compress about tenfold.
        let response = self.send(
            self.request(reqwest::Method::GET, routes::CHANGES)?
                .header(reqwest::header::ACCEPT_ENCODING, "gzip")
                .query(&query),
        )?;
        self.answer(response, FEED_PAGE_BYTES_MAX)
            .map(|(_, page)| page)
            .map_err(|e| match e {
                SyncError::Untrustworthy(why) => {
                    SyncError::Untrustworthy(format!("a page of changes: {why}"))
                }
                other => other,
            })
    }

    /// Sends a booking made here; its code is the idempotency key, so sending it again after
    /// a lost answer finds the booking the first attempt made.
    pub fn book(&self, o: &crate::bookings::Outgoing) -> Result<HubBooking, SyncError> {
        let minutes = |n: i64| u16::try_from(n).unwrap_or(u16::MAX);
        let request = NewBooking {
            idempotency_key: format!("booking:{}", o.code),
            code: BookingCode::parse(&o.code),
            librarian_id: o.librarian_id.clone(),
            type_id: o.type_id.clone(),
            discipline_id: o.discipline_id.clone(),
            starts_at: o.starts,
            ends_at: o.ends,
            buffer_before_minutes: minutes(o.buffer_before),
            buffer_after_minutes: minutes(o.buffer_after),
            capacity: minutes(o.capacity),
            topic: o.topic.clone(),
            student_name: o.name.clone(),
            student_email: o.email.clone(),
            description: o.description.clone(),
        };
        match self.call::<Booked>(
            self.request(reqwest::Method::POST, routes::BOOKINGS)?
                .json(&request),
        ) {
            Ok(b) => Ok(HubBooking::Booked {
                code: b.code.to_string(),
                busy_key: b.busy_key,
            }),
            Err(SyncError::Refused(e))
                if matches!(e.code, ApiCode::SlotTaken | ApiCode::SessionFull) =>
            {
                Ok(HubBooking::Taken { reason: e.message })
            }
            Err(e) => Err(e),
        }
    }

    /// Downloads a shared document into the store at `dir`, going on from a partial file a
    /// download cut short left (`….part`), and checks it against its SHA-256 before it is
    /// put in place; a file that does not match, or grows past what was announced (or past
    /// `DOCUMENT_BYTES_MAX`), is thrown away, never used.
    pub fn download(&self, sha: &str, announced: u64, dir: &Path) -> Result<(), SyncError> {
        let Some(digest) = Sha256::parse(sha) else {
            return Err(SyncError::Untrustworthy(format!(
                "`{sha}` is not a document's SHA-256"
            )));
        };
        let limit = announced.min(DOCUMENT_BYTES_MAX);
        let final_path = crate::documents::path_of(dir, sha);
        let part = final_path.with_extension("part");
        if let Some(parent) = part.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| SyncError::Disk(format!("{}: {e}", parent.display())))?;
        }
        let io =
            |path: &Path, e: std::io::Error| SyncError::Disk(format!("{}: {e}", path.display()));
        let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
        let mut request = self.request(reqwest::Method::GET, &routes::document(&digest))?;
        if have > 0 {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let mut response = self.send(request)?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(SyncError::Unauthorized);
        }
        let append = match status.as_u16() {
            206 => true,
            200 => false,
            // The part is already whole (or longer than the file): check it as it is.
            416 => true,
            other => {
                return Err(SyncError::Status {
                    status: other,
                    detail: format!("document {sha}"),
                });
            }
        };
        let too_large = || {
            let _ = std::fs::remove_file(&part);
            SyncError::Untrustworthy(format!(
                "document {sha} is larger than the {limit} bytes announced; it was thrown away"
            ))
        };
        if status.as_u16() != 416 {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(&part)
                .map_err(|e| io(&part, e))?;
            let mut written = if append { have } else { 0 };
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = response
                    .read(&mut buf)
                    .map_err(|e| self.unreachable(format!("the download of {sha} stopped: {e}")))?;
                if n == 0 {
                    break;
                }
                written += n as u64;
                if written > limit {
                    drop(file);
                    return Err(too_large());
                }
                file.write_all(&buf[..n]).map_err(|e| io(&part, e))?;
            }
            file.sync_all().map_err(|e| io(&part, e))?;
        } else if have > limit {
            return Err(too_large());
        }
        let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
        let mut f = std::fs::File::open(&part).map_err(|e| io(&part, e))?;
        std::io::copy(&mut f, &mut hasher).map_err(|e| io(&part, e))?;
        let actual = Sha256::finish(hasher);
        if actual != digest {
            let _ = std::fs::remove_file(&part);
            return Err(SyncError::Untrustworthy(format!(
                "document {sha} arrived with another SHA-256 ({actual}); it was thrown away"
            )));
        }
        std::fs::rename(&part, &final_path).map_err(|e| io(&final_path, e))?;
        Ok(())
    }

    /// Cancels a booking the hub holds, with its code and the student's email; false when it
    /// has no live booking with both.
    pub fn cancel(&self, code: &str, email: &str) -> Result<bool, SyncError> {
        let Some(code) = BookingCode::parse(code) else {
            return Ok(false);
        };
        let body = commons_protocol::bookings::CancelBooking {
            email: email.to_owned(),
        };
        match self.call::<Booked>(
            self.request(reqwest::Method::POST, &routes::cancel_booking(&code))?
                .json(&body),
        ) {
            Ok(booked) => Ok(booked.status == BookingStatus::Cancelled),
            Err(SyncError::Refused(e)) if e.code == ApiCode::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Signs a librarian in on the hub: the session token and the account, or `None` when
    /// the hub does not know this name and password.
    pub fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<(String, crate::accounts::Account)>, SyncError> {
        let body = SignIn {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        match self.call::<SignedIn>(
            self.request(reqwest::Method::POST, routes::SESSIONS)?
                .json(&body),
        ) {
            Ok(s) => Ok(Some((
                s.session,
                crate::accounts::Account {
                    username: s.username,
                    display_name: s.display_name,
                    librarian_id: Some(s.librarian_id).filter(|s| !s.is_empty()),
                },
            ))),
            Err(SyncError::Refused(e)) if e.code == ApiCode::WrongCredentials => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Ends a hub session.
    pub fn sign_out(&self, session: &str) -> Result<(), SyncError> {
        self.call(self.librarian(reqwest::Method::DELETE, routes::SESSIONS, session)?)
    }

    /// The signed-in librarian's bookings starting in `[from, to)`; `None` when the session
    /// has ended.
    pub fn desk(
        &self,
        session: &str,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> Result<Option<Vec<DeskBooking>>, SyncError> {
        let query = DeskQuery { from, to };
        match self.call(
            self.librarian(reqwest::Method::GET, routes::DESK, session)?
                .query(&query),
        ) {
            Ok(list) => Ok(Some(list)),
            Err(SyncError::Refused(e)) if e.code == ApiCode::NotSignedIn => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Tells the hub how this workstation stands (the fleet view); the member library this
    /// workstation's token names, if any.
    pub fn send_report(
        &self,
        report: &commons_protocol::fleet::WorkstationReport,
    ) -> Result<Option<String>, SyncError> {
        let ack: Option<commons_protocol::fleet::WorkstationAck> = self.call(
            self.request(reqwest::Method::POST, routes::WORKSTATION)?
                .json(report),
        )?;
        Ok(ack.and_then(|a| a.library))
    }

    /// Sends this workstation's usage counts (days whole; the hub replaces them).
    pub fn send_usage(
        &self,
        report: &commons_protocol::usage::UsageReport,
    ) -> Result<commons_protocol::usage::UsageAccepted, SyncError> {
        self.call(
            self.request(reqwest::Method::POST, routes::USAGE)?
                .json(report),
        )
    }

    /// Usage statistics for the signed-in librarian (`None`: her session has ended).
    pub fn usage(
        &self,
        session: &str,
        query: &commons_protocol::usage::UsageQuery,
    ) -> Result<Option<commons_protocol::usage::UsageSummary>, SyncError> {
        match self.call(
            self.librarian(reqwest::Method::GET, routes::USAGE, session)?
                .query(query),
        ) {
            Ok(summary) => Ok(Some(summary)),
            Err(SyncError::Refused(e)) if e.code == ApiCode::NotSignedIn => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A new address for the signed-in librarian's calendar feed (the old one stops working).
    pub fn new_calendar(&self, session: &str) -> Result<url::Url, SyncError> {
        let answer: CalendarPath =
            self.call(self.librarian(reqwest::Method::POST, routes::DESK_CALENDAR, session)?)?;
        let url = self.at(&answer.path)?;
        if url.origin() != self.base.origin() {
            return Err(SyncError::Untrustworthy(format!(
                "a calendar address on another host ({url})"
            )));
        }
        Ok(url)
    }

    /// Replaces the signed-in librarian's schedule (hours and time off) on the hub.
    pub fn save_schedule(
        &self,
        session: &str,
        schedule: &SharedSchedule,
    ) -> Result<Result<(), Refusal>, SyncError> {
        refusal(
            self.call(
                self.librarian(reqwest::Method::PUT, routes::DESK_SCHEDULE, session)?
                    .json(schedule),
            ),
        )
    }

    /// Saves a consultation type on the hub (`new`: refused if its id is taken).
    pub fn save_type(
        &self,
        session: &str,
        form: &TypeForm,
        new: bool,
    ) -> Result<Result<(), Refusal>, SyncError> {
        let id = form.id.as_deref().unwrap_or_default();
        refusal(
            self.call(
                self.librarian(
                    reqwest::Method::PUT,
                    &routes::consultation_type(id),
                    session,
                )?
                .query(&SaveQuery { new })
                .json(form),
            ),
        )
    }

    /// Saves a resource of the consortium's list on the hub, as a signed-in librarian. `new`
    /// asks the hub to refuse (`Ok(Err(Refusal::Taken))`) rather than replace a resource
    /// that already has this id.
    pub fn save_resource(
        &self,
        session: &str,
        resource: &SharedResource,
        new: bool,
    ) -> Result<Result<(), Refusal>, SyncError> {
        refusal(
            self.call(
                self.librarian(
                    reqwest::Method::PUT,
                    &routes::resource(&resource.id),
                    session,
                )?
                .query(&SaveQuery { new })
                .json(resource),
            ),
        )
    }

    /// The hub's history of a resource (oldest first), for a signed-in librarian.
    pub fn resource_history(
        &self,
        session: &str,
        id: &str,
    ) -> Result<Vec<SharedAuditLine>, SyncError> {
        self.call(self.librarian(
            reqwest::Method::GET,
            &routes::resource_action(id, ResourceAction::History),
            session,
        )?)
    }

    /// Retires or restores a resource of the consortium's list on the hub.
    pub fn set_resource_retired(
        &self,
        session: &str,
        id: &str,
        retired: bool,
    ) -> Result<Result<(), Refusal>, SyncError> {
        let action = if retired {
            ResourceAction::Retire
        } else {
            ResourceAction::Restore
        };
        refusal(self.call(self.librarian(
            reqwest::Method::POST,
            &routes::resource_action(id, action),
            session,
        )?))
    }

    /// Places a reader's request for another member library's item; sending the same
    /// request again (its idempotency key) answers with the request the first placed.
    pub fn place_request(
        &self,
        request: &commons_protocol::sharing::NewRequest,
    ) -> Result<commons_protocol::sharing::RequestView, SyncError> {
        self.call(
            self.request(reqwest::Method::POST, routes::REQUESTS)?
                .json(request),
        )
    }

    /// A request found by its code and the email it was placed with; `None` when no request
    /// has both.
    pub fn find_request(
        &self,
        code: &BookingCode,
        email: &str,
    ) -> Result<Option<commons_protocol::sharing::RequestView>, SyncError> {
        let body = commons_protocol::sharing::RequestLookup {
            email: email.to_owned(),
        };
        match self.call(
            self.request(reqwest::Method::POST, &routes::request_lookup(code))?
                .json(&body),
        ) {
            Ok(view) => Ok(Some(view)),
            Err(SyncError::Refused(e)) if e.code == ApiCode::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The requests the signed-in librarian's library supplies or picks up; `None` when the
    /// session has ended.
    pub fn request_queue(
        &self,
        session: &str,
    ) -> Result<Option<Vec<commons_protocol::sharing::RequestView>>, SyncError> {
        match self.call(self.librarian(reqwest::Method::GET, routes::REQUESTS, session)?) {
            Ok(list) => Ok(Some(list)),
            Err(SyncError::Refused(e)) if e.code == ApiCode::NotSignedIn => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A librarian's step on a request: the request after it, or the hub's refusal as
    /// `Err(SyncError::Refused)`.
    pub fn request_step(
        &self,
        session: &str,
        code: &BookingCode,
        step: &commons_protocol::sharing::StepRequest,
    ) -> Result<commons_protocol::sharing::RequestView, SyncError> {
        self.call(
            self.librarian(reqwest::Method::POST, &routes::request_steps(code), session)?
                .json(step),
        )
    }

    /// The supplier's librarian delivers the scanned copy of a copy request (a PDF): the
    /// request after it.
    pub fn deliver_copy(
        &self,
        session: &str,
        code: &BookingCode,
        pdf: Vec<u8>,
    ) -> Result<commons_protocol::sharing::RequestView, SyncError> {
        self.call(
            self.librarian(
                reqwest::Method::POST,
                &routes::request_delivery(code),
                session,
            )?
            .header(reqwest::header::CONTENT_TYPE, "application/pdf")
            .body(pdf),
        )
    }

    /// A delivered copy, with the request's code and the reader's email; `None` when there
    /// is none (another email, expired).
    pub fn open_copy(&self, code: &BookingCode, email: &str) -> Result<Option<Vec<u8>>, SyncError> {
        let body = commons_protocol::sharing::RequestLookup {
            email: email.to_owned(),
        };
        let response = self.send(
            self.request(reqwest::Method::POST, &routes::request_delivery_open(code))?
                .json(&body),
        )?;
        if response.status().is_success() {
            let bytes = self.read_capped(response, DOCUMENT_BYTES_MAX)?;
            if !bytes.starts_with(b"%PDF-") {
                return Err(SyncError::Untrustworthy(
                    "a delivered copy that is not a PDF".into(),
                ));
            }
            return Ok(Some(bytes));
        }
        match self.answer::<serde_json::Value>(response, ANSWER_BYTES_MAX) {
            Err(SyncError::Refused(e)) if e.code == ApiCode::NotFound => Ok(None),
            Err(e) => Err(e),
            Ok(_) => Err(SyncError::Untrustworthy(
                "an answer that is not a PDF".into(),
            )),
        }
    }

    /// Resource sharing's statistics for the signed-in librarian's library (all, for the
    /// office); `None` when the session has ended.
    pub fn sharing_statistics(
        &self,
        session: &str,
        days: u32,
    ) -> Result<Option<commons_protocol::sharing::SharingStats>, SyncError> {
        let query = commons_protocol::sharing::SharingStatsQuery { days };
        match self.call(
            self.librarian(reqwest::Method::GET, routes::REQUEST_STATISTICS, session)?
                .query(&query),
        ) {
            Ok(stats) => Ok(Some(stats)),
            Err(SyncError::Refused(e)) if e.code == ApiCode::NotSignedIn => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A desk action on the hub: the booking after it, or the hub's refusal as
    /// `Err(SyncError::Refused)`.
    pub fn desk_act(
        &self,
        session: &str,
        code: &str,
        action: &DeskAction,
    ) -> Result<DeskBooking, SyncError> {
        let Some(code) = BookingCode::parse(code) else {
            return Err(SyncError::Refused(ApiError::new(
                ApiCode::NotFound,
                "none of your bookings has this code",
            )));
        };
        self.call(
            self.librarian(reqwest::Method::POST, &routes::desk_booking(&code), session)?
                .json(action),
        )
    }
}

/// A change to shared data: done, refused for a reason the librarian can act on, or failed.
fn refusal(answer: Result<(), SyncError>) -> Result<Result<(), Refusal>, SyncError> {
    match answer {
        Ok(()) => Ok(Ok(())),
        Err(SyncError::Refused(e)) => Ok(Err(match e.code {
            ApiCode::NotSignedIn => Refusal::NotSignedIn,
            ApiCode::NotFound => Refusal::NotFound,
            ApiCode::Taken => Refusal::Taken,
            ApiCode::Invalid | ApiCode::Unacceptable => Refusal::Invalid(e.message),
            _ => return Err(SyncError::Refused(e)),
        })),
        Err(e) => Err(e),
    }
}

/// The error and its causes in one line (reqwest's own message is "error sending request").
fn plain(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead as _, Write as _};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    #[test]
    fn a_plain_http_hub_is_refused_unless_allowed() {
        let url: url::Url = "http://127.0.0.1:9/".parse().unwrap();
        let timeout = Duration::from_secs(1);
        assert!(matches!(
            Hub::new(url.clone(), "t".into(), timeout, Transport::HttpsOnly),
            Err(SyncError::Insecure(_))
        ));
        assert!(Hub::new(url, "t".into(), timeout, Transport::AllowInsecureHttp).is_ok());
    }

    /// A hub answering with a redirect to another host does not get the token (or a
    /// librarian's session) sent there: the redirect is not followed.
    #[test]
    fn redirects_are_not_followed() {
        let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
        let elsewhere_port = elsewhere.local_addr().unwrap().port();
        elsewhere.set_nonblocking(true).unwrap();
        let hub = TcpListener::bind("127.0.0.1:0").unwrap();
        let hub_port = hub.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((stream, _)) = hub.accept() {
                let mut reader = std::io::BufReader::new(stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 302 Found\r\nLocation: http://localhost:{elsewhere_port}/api/v1/changes\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        let hub = Hub::new(
            format!("http://127.0.0.1:{hub_port}/").parse().unwrap(),
            "secret-token".into(),
            Duration::from_secs(5),
            Transport::AllowInsecureHttp,
        )
        .unwrap();
        let answer = hub.changes("", 10);
        assert!(
            matches!(answer, Err(SyncError::Status { status: 302, .. })),
            "{answer:?}"
        );
        let reached = Arc::new(AtomicBool::new(false));
        std::thread::sleep(Duration::from_millis(200));
        if elsewhere.accept().is_ok() {
            reached.store(true, Ordering::SeqCst);
        }
        assert!(!reached.load(Ordering::SeqCst), "the other host was asked");
    }
}
