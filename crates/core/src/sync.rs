//! Workstation sync: the hub's change feed pulled into the cache.
//!
//! The feed (`GET /api/v1/changes?since=CURSOR&limit=N`) hands out changes in commit order
//! with the cursor to ask with next. Each page is applied in one SQLite transaction that
//! also stores the new cursor, so a workstation killed at any point either has a page
//! entirely (and its cursor) or not at all: the next run asks again from the stored cursor
//! and converges on the hub's state. Applying a change twice leaves the cache as applying it
//! once (records are upserted by id, deletions of what is gone do nothing).
//!
//! A hub that lies is not believed: a cursor that goes backwards or is not a number stops the
//! sync with a clear error and nothing applied; a change this workstation cannot read is
//! skipped and counted, the rest of the page applied.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::catalogue::import::{Original, Saved, save};
use crate::catalogue::union::{UnionLibrary, UnionRecord};
use crate::store::{Store, StoreError};

/// The most changes asked for in one page.
pub const PAGE: u32 = 500;

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the hub at {url} cannot be reached: {detail}")]
    Unreachable { url: String, detail: String },
    #[error(
        "the hub refused this workstation's token; ask the consortium office for a new one and run `commons provision`"
    )]
    Unauthorized,
    #[error("the hub answered {status}: {detail}")]
    Status { status: u16, detail: String },
    #[error("the hub sent something Commons cannot trust: {0}")]
    Untrustworthy(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the search index could not take the changes: {0}")]
    Index(String),
    #[error("the document store cannot be written: {0}")]
    Disk(String),
}

impl SyncError {
    /// Whether the hub is simply out of reach (the workstation works offline meanwhile).
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Unreachable { .. })
    }
}

/// One change of the feed.
#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub kind: String,
    pub key: String,
    pub op: String,
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

/// A page of the feed.
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    pub changes: Vec<Change>,
    pub next: String,
}

/// A hub this workstation syncs from.
#[derive(Debug, Clone)]
pub struct Hub {
    base: url::Url,
    token: String,
    client: reqwest::blocking::Client,
}

/// Makes ring the process's TLS crypto provider (reqwest is built without one). Calling it
/// again does nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Hub {
    /// A client for the hub at `base` with a workstation `token`; every request gives up after
    /// `timeout`.
    pub fn new(base: url::Url, token: String, timeout: Duration) -> Result<Hub, SyncError> {
        install_tls_provider();
        let client = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
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

    /// Changes after `since`, at most `limit`.
    pub fn changes(&self, since: &str, limit: u32) -> Result<Page, SyncError> {
        let mut url = self
            .base
            .join("api/v1/changes")
            .map_err(|e| SyncError::Untrustworthy(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("since", since)
            .append_pair("limit", &limit.to_string());
        let response = self.send(self.client.get(url))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(SyncError::Unauthorized);
        }
        if !status.is_success() {
            let detail = response.text().unwrap_or_default();
            return Err(SyncError::Status {
                status: status.as_u16(),
                detail: detail.chars().take(300).collect(),
            });
        }
        let body = response.bytes().map_err(|e| self.unreachable(plain(&e)))?;
        serde_json::from_slice(&body).map_err(|e| {
            SyncError::Untrustworthy(format!("a page of changes that is not valid: {e}"))
        })
    }
}

impl Hub {
    fn unreachable(&self, detail: String) -> SyncError {
        SyncError::Unreachable {
            url: self.base.to_string(),
            detail,
        }
    }

    /// Sends a request with this workstation's token. The network failing, or a hub that is
    /// up but answers 5xx, is for the workstation "out of reach".
    fn send(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> Result<reqwest::blocking::Response, SyncError> {
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

    /// The status and JSON body of an answer. A 401 is this workstation's token refused,
    /// unless the hub says it is a librarian's session or password, which callers handle.
    fn answer(
        &self,
        response: reqwest::blocking::Response,
    ) -> Result<(u16, serde_json::Value), SyncError> {
        let status = response.status();
        let body = response.json().unwrap_or(serde_json::Value::Null);
        if status == reqwest::StatusCode::UNAUTHORIZED
            && body["code"] != "not_signed_in"
            && body["code"] != "wrong_credentials"
        {
            return Err(SyncError::Unauthorized);
        }
        Ok((status.as_u16(), body))
    }
}

/// Why the hub refused a librarian's change to shared data (a resource, a schedule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The librarian's session on the hub ended.
    NotSignedIn,
    /// The hub's list has no resource with this id.
    NotFound,
    /// A new resource's id is already on the hub's list.
    Taken,
    /// The hub found the resource unusable (its reason).
    Invalid(String),
}

/// What the hub said to a booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubBooking {
    /// Booked (or booked before: the same request sent again), under this code.
    Booked { code: String },
    /// Another booking of the librarian overlaps, or the group session is full.
    Taken { reason: String },
}

impl Hub {
    fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<(u16, serde_json::Value), SyncError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| SyncError::Untrustworthy(e.to_string()))?;
        let response = self.send(self.client.post(url).json(body))?;
        self.answer(response)
    }

    /// Sends a booking made here; its code is the idempotency key, so sending it again after
    /// a lost answer finds the booking the first attempt made.
    pub fn book(&self, o: &crate::bookings::Outgoing) -> Result<HubBooking, SyncError> {
        let body = serde_json::json!({
            "idempotency_key": format!("booking:{}", o.code),
            "code": o.code,
            "librarian_id": o.librarian_id,
            "type_id": o.type_id,
            "discipline_id": o.discipline_id,
            "starts_at": o.starts.to_string(),
            "ends_at": o.ends.to_string(),
            "buffer_before_minutes": o.buffer_before,
            "buffer_after_minutes": o.buffer_after,
            "capacity": o.capacity,
            "topic": o.topic,
            "student_name": o.name,
            "student_email": o.email,
            "description": o.description,
        });
        let (status, answer) = self.post("api/v1/bookings", &body)?;
        let text = |k: &str| answer[k].as_str().unwrap_or_default().to_owned();
        match status {
            200 | 201 if !text("code").is_empty() => Ok(HubBooking::Booked { code: text("code") }),
            409 => Ok(HubBooking::Taken {
                reason: text("message"),
            }),
            _ => Err(SyncError::Status {
                status,
                detail: format!("{}: {}", text("code"), text("message")),
            }),
        }
    }

    /// Downloads a shared document into the store at `dir`, going on from a partial file a
    /// download cut short left (`….part`), and checks it against its SHA-256 before it is
    /// put in place; a file that does not match is thrown away, never used.
    pub fn download(&self, sha: &str, dir: &Path) -> Result<(), SyncError> {
        use std::io::{Read as _, Write as _};
        let final_path = crate::documents::path_of(dir, sha);
        let part = final_path.with_extension("part");
        if let Some(parent) = part.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| SyncError::Disk(format!("{}: {e}", parent.display())))?;
        }
        let io =
            |path: &Path, e: std::io::Error| SyncError::Disk(format!("{}: {e}", path.display()));
        let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
        let url = self
            .base
            .join(&format!("api/v1/documents/{sha}"))
            .map_err(|e| SyncError::Untrustworthy(e.to_string()))?;
        let mut request = self.client.get(url);
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
        if status.as_u16() != 416 {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(&part)
                .map_err(|e| io(&part, e))?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = response
                    .read(&mut buf)
                    .map_err(|e| SyncError::Unreachable {
                        url: self.base.to_string(),
                        detail: format!("the download of {sha} stopped: {e}"),
                    })?;
                if n == 0 {
                    break;
                }
                file.write_all(&buf[..n]).map_err(|e| io(&part, e))?;
            }
            file.sync_all().map_err(|e| io(&part, e))?;
        }
        let mut hasher = Sha256::new();
        let mut f = std::fs::File::open(&part).map_err(|e| io(&part, e))?;
        std::io::copy(&mut f, &mut hasher).map_err(|e| io(&part, e))?;
        let actual = hex(&hasher.finalize());
        if actual != sha {
            let _ = std::fs::remove_file(&part);
            return Err(SyncError::Untrustworthy(format!(
                "document {sha} arrived with another SHA-256 ({actual}); it was thrown away"
            )));
        }
        std::fs::rename(&part, &final_path).map_err(|e| io(&final_path, e))?;
        Ok(())
    }

    /// Cancels a booking the hub holds; false when it has no live booking with that code.
    pub fn cancel(&self, code: &str) -> Result<bool, SyncError> {
        let code: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
        let (status, answer) = self.post(
            &format!("api/v1/bookings/{code}/cancel"),
            &serde_json::json!({}),
        )?;
        match status {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(SyncError::Status {
                status,
                detail: answer["message"].as_str().unwrap_or_default().to_owned(),
            }),
        }
    }
}

/// A booking at a librarian's desk on the hub, personal data included.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeskBooking {
    pub code: String,
    pub librarian_id: String,
    pub type_id: String,
    pub discipline_id: Option<String>,
    pub starts_at: jiff::Timestamp,
    pub ends_at: jiff::Timestamp,
    pub status: String,
    pub topic: String,
    pub student_name: Option<String>,
    pub student_email: Option<String>,
    pub description: Option<String>,
    pub outcome: Option<String>,
    pub read_level: Option<i64>,
}

impl Hub {
    fn librarian_request(
        &self,
        method: reqwest::Method,
        path: &str,
        session: &str,
    ) -> Result<reqwest::blocking::RequestBuilder, SyncError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| SyncError::Untrustworthy(e.to_string()))?;
        Ok(self.librarian_request_to(method, url, session))
    }

    fn librarian_request_to(
        &self,
        method: reqwest::Method,
        url: url::Url,
        session: &str,
    ) -> reqwest::blocking::RequestBuilder {
        self.client
            .request(method, url)
            .header("x-commons-session", session)
    }

    /// Signs a librarian in on the hub: the session token and the account, or `None` when
    /// the hub does not know this name and password.
    pub fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<(String, crate::accounts::Account)>, SyncError> {
        let (status, body) = self.post(
            "api/v1/sessions",
            &serde_json::json!({ "username": username, "password": password }),
        )?;
        let text = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
        match status {
            201 => Ok(Some((
                text("session"),
                crate::accounts::Account {
                    username: text("username"),
                    display_name: text("display_name"),
                    librarian_id: Some(text("librarian_id")).filter(|s| !s.is_empty()),
                },
            ))),
            _ => Ok(None),
        }
    }

    /// Ends a hub session.
    pub fn sign_out(&self, session: &str) -> Result<(), SyncError> {
        let r = self.send(self.librarian_request(
            reqwest::Method::DELETE,
            "api/v1/sessions",
            session,
        )?)?;
        self.answer(r).map(drop)
    }

    /// The signed-in librarian's bookings starting in `[from, to)`; `None` when the session
    /// has ended.
    pub fn desk(
        &self,
        session: &str,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> Result<Option<Vec<DeskBooking>>, SyncError> {
        let mut path = url::Url::parse("http://x/api/v1/desk")
            .map_err(|e| SyncError::Untrustworthy(e.to_string()))?;
        path.query_pairs_mut()
            .append_pair("from", &from.to_string())
            .append_pair("to", &to.to_string());
        let relative = format!("api/v1/desk?{}", path.query().unwrap_or_default());
        let r = self.send(self.librarian_request(reqwest::Method::GET, &relative, session)?)?;
        match self.answer(r)? {
            (200, body) => serde_json::from_value(body)
                .map(Some)
                .map_err(|e| SyncError::Untrustworthy(format!("a desk that is not valid: {e}"))),
            (401, _) => Ok(None),
            (status, body) => Err(SyncError::Status {
                status,
                detail: body["message"].as_str().unwrap_or_default().to_owned(),
            }),
        }
    }

    /// A new address for the signed-in librarian's calendar feed (the old one stops working).
    pub fn new_calendar(&self, session: &str) -> Result<url::Url, SyncError> {
        let r = self.send(self.librarian_request(
            reqwest::Method::POST,
            "api/v1/desk/calendar",
            session,
        )?)?;
        match self.answer(r)? {
            (200, body) => self
                .base
                .join(body["path"].as_str().unwrap_or_default())
                .map_err(|e| SyncError::Untrustworthy(e.to_string())),
            (status, body) => Err(SyncError::Status {
                status,
                detail: body["message"].as_str().unwrap_or_default().to_owned(),
            }),
        }
    }

    /// Replaces the signed-in librarian's schedule (hours and time off) on the hub.
    pub fn save_schedule(
        &self,
        session: &str,
        schedule: &crate::bookings::SharedSchedule,
    ) -> Result<Result<(), Refusal>, SyncError> {
        let r = self.send(
            self.librarian_request(reqwest::Method::PUT, "api/v1/desk/schedule", session)?
                .json(schedule),
        )?;
        self.curation_response(r)
    }

    /// Saves a consultation type on the hub (`new`: refused if its id is taken).
    pub fn save_type(
        &self,
        session: &str,
        form: &crate::bookings::TypeForm,
        new: bool,
    ) -> Result<Result<(), Refusal>, SyncError> {
        let id = form.id.as_deref().unwrap_or_default();
        let mut url = self.item_url("types", id, None)?;
        if new {
            url.set_query(Some("new=true"));
        }
        let r = self.send(
            self.librarian_request_to(reqwest::Method::PUT, url, session)
                .json(form),
        )?;
        self.curation_response(r)
    }

    /// Saves a resource of the consortium's list on the hub, as a signed-in librarian. `new`
    /// asks the hub to refuse (`Ok(Err(Refusal::Taken))`) rather than replace a resource
    /// that already has this id.
    pub fn save_resource(
        &self,
        session: &str,
        resource: &crate::disciplines::curate::SharedResource,
        new: bool,
    ) -> Result<Result<(), Refusal>, SyncError> {
        let mut url = self.item_url("resources", &resource.id, None)?;
        if new {
            url.set_query(Some("new=true"));
        }
        let r = self.send(
            self.librarian_request_to(reqwest::Method::PUT, url, session)
                .json(resource),
        )?;
        self.curation_response(r)
    }

    /// The hub's history of a resource (oldest first), for a signed-in librarian.
    pub fn resource_history(
        &self,
        session: &str,
        id: &str,
    ) -> Result<Vec<crate::disciplines::curate::SharedAuditLine>, SyncError> {
        let url = self.item_url("resources", id, Some("history"))?;
        let r = self.send(self.librarian_request_to(reqwest::Method::GET, url, session))?;
        match self.answer(r)? {
            (200, body) => serde_json::from_value(body)
                .map_err(|e| SyncError::Untrustworthy(format!("a history that is not valid: {e}"))),
            (status, body) => Err(SyncError::Status {
                status,
                detail: body["message"].as_str().unwrap_or_default().to_owned(),
            }),
        }
    }

    /// Retires or restores a resource of the consortium's list on the hub.
    pub fn set_resource_retired(
        &self,
        session: &str,
        id: &str,
        retired: bool,
    ) -> Result<Result<(), Refusal>, SyncError> {
        let url = self.item_url(
            "resources",
            id,
            Some(if retired { "retire" } else { "restore" }),
        )?;
        let r = self.send(self.librarian_request_to(reqwest::Method::POST, url, session))?;
        self.curation_response(r)
    }

    /// `api/v1/{collection}/{id}[/{action}]`, the id as one path segment whatever it holds.
    fn item_url(
        &self,
        collection: &str,
        id: &str,
        action: Option<&str>,
    ) -> Result<url::Url, SyncError> {
        let mut url = self
            .base
            .join(&format!("api/v1/{collection}/"))
            .map_err(|e| SyncError::Untrustworthy(e.to_string()))?;
        url.path_segments_mut()
            .map_err(|()| SyncError::Untrustworthy("the hub's address has no path".into()))?
            .pop_if_empty()
            .push(id)
            .extend(action);
        Ok(url)
    }

    fn curation_response(
        &self,
        r: reqwest::blocking::Response,
    ) -> Result<Result<(), Refusal>, SyncError> {
        match self.answer(r)? {
            (204 | 200, _) => Ok(Ok(())),
            (401, _) => Ok(Err(Refusal::NotSignedIn)),
            (404, _) => Ok(Err(Refusal::NotFound)),
            (409, _) => Ok(Err(Refusal::Taken)),
            (422, body) => Ok(Err(Refusal::Invalid(
                body["message"].as_str().unwrap_or_default().to_owned(),
            ))),
            (status, body) => Err(SyncError::Status {
                status,
                detail: body["message"].as_str().unwrap_or_default().to_owned(),
            }),
        }
    }

    /// A desk action on the hub: the booking after it, or the hub's refusal as `Err`.
    pub fn desk_act(
        &self,
        session: &str,
        code: &str,
        action: &crate::bookings::DeskAction,
    ) -> Result<DeskBooking, SyncError> {
        let code: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
        let body = match action {
            crate::bookings::DeskAction::CheckIn => serde_json::json!({ "action": "check_in" }),
            crate::bookings::DeskAction::NoShow => serde_json::json!({ "action": "no_show" }),
            crate::bookings::DeskAction::Complete {
                read_level,
                outcome,
            } => {
                serde_json::json!({ "action": "complete", "read_level": read_level, "outcome": outcome })
            }
        };
        let r = self.send(
            self.librarian_request(
                reqwest::Method::POST,
                &format!("api/v1/desk/{code}"),
                session,
            )?
            .json(&body),
        )?;
        match self.answer(r)? {
            (200, body) => serde_json::from_value(body)
                .map_err(|e| SyncError::Untrustworthy(format!("a booking that is not valid: {e}"))),
            (status, body) => Err(SyncError::Status {
                status,
                detail: body["message"].as_str().unwrap_or_default().to_owned(),
            }),
        }
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

/// The cursor of the last page applied, empty before the first.
pub fn cursor(store: &Store) -> Result<String, StoreError> {
    Ok(crate::consortium::meta_value(store, "hub_cursor")?.unwrap_or_default())
}

/// What applying one page did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Records added, changed or removed: the search index must follow them.
    pub changed: Vec<String>,
    pub libraries: usize,
    /// Documents announced (their files are downloaded after the page).
    pub documents: usize,
    /// Resources added, changed or retired.
    pub resources: usize,
    /// Librarians' schedules (hours and time off) and consultation types replaced.
    pub schedules: usize,
    /// Changes that could not be read, with the reason.
    pub skipped: Vec<String>,
}

/// Applies a page and stores its cursor, in one transaction. `since` is the cursor the page
/// was asked with; a page whose `next` is before it is refused.
pub fn apply(store: &Store, since: &str, page: &Page) -> Result<Applied, SyncError> {
    let before: i64 = if since.is_empty() {
        0
    } else {
        since
            .parse()
            .map_err(|_| SyncError::Untrustworthy(format!("a stored cursor `{since}`")))?
    };
    let next: i64 = page
        .next
        .parse()
        .map_err(|_| SyncError::Untrustworthy(format!("a cursor `{}`", page.next)))?;
    if next < before || (next == before && !page.changes.is_empty()) {
        return Err(SyncError::Untrustworthy(format!(
            "a cursor that goes backwards ({} after {})",
            page.next, since
        )));
    }
    let mut applied = Applied::default();
    let tx = store.write().map_err(|e| store.err(e))?;
    let now = jiff::Timestamp::now().to_string();
    let mut libraries = HashSet::new();
    let mut dirty = false;
    for change in &page.changes {
        let result = apply_change(&tx, change, &now, &mut libraries, &mut applied);
        match result {
            Ok(changed) => dirty |= changed,
            Err(ChangeError::Store(e)) => return Err(store.err(e).into()),
            Err(ChangeError::Unreadable(reason)) => applied.skipped.push(format!(
                "{} {} ({}): {reason}",
                change.kind, change.key, change.op
            )),
        }
    }
    if dirty {
        crate::search::index::bump_generation(&tx).map_err(|e| store.err(e))?;
    }
    for (key, value) in [
        ("hub_cursor", page.next.as_str()),
        ("hub_synced_at", now.as_str()),
        ("refreshed_at", now.as_str()),
    ] {
        tx.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        .map_err(|e| store.err(e))?;
    }
    tx.commit().map_err(|e| store.err(e))?;
    Ok(applied)
}

/// A booking somewhere in the consortium, as the feed tells it.
#[derive(Debug, Deserialize)]
struct HubBusy {
    code: String,
    librarian_id: String,
    type_id: String,
    starts_at: jiff::Timestamp,
    ends_at: jiff::Timestamp,
    busy_from: jiff::Timestamp,
    busy_to: jiff::Timestamp,
    status: String,
}

enum ChangeError {
    Store(rusqlite::Error),
    Unreadable(String),
}

impl From<rusqlite::Error> for ChangeError {
    fn from(e: rusqlite::Error) -> Self {
        ChangeError::Store(e)
    }
}

/// Applies one change; true when a catalogue record changed.
fn apply_change(
    tx: &rusqlite::Transaction<'_>,
    change: &Change,
    now: &str,
    libraries: &mut HashSet<String>,
    applied: &mut Applied,
) -> Result<bool, ChangeError> {
    let body = || {
        change
            .body
            .clone()
            .ok_or_else(|| ChangeError::Unreadable("an upsert without a body".into()))
    };
    match (change.kind.as_str(), change.op.as_str()) {
        ("record", "upsert") => {
            let record: UnionRecord = serde_json::from_value(body()?)
                .map_err(|e| ChangeError::Unreadable(e.to_string()))?;
            if record.id != change.key || !record.id.starts_with("hub:") {
                return Err(ChangeError::Unreadable(format!(
                    "the record's id `{}` is not its key",
                    record.id
                )));
            }
            if record.description.title.trim().is_empty() {
                return Err(ChangeError::Unreadable("a record without a title".into()));
            }
            let json = serde_json::to_vec(&record).unwrap_or_default();
            let sha = hex(&Sha256::digest(&json));
            let original = Original {
                format: "hub",
                body: &json,
                sha256: &sha,
            };
            let (saved, _) = save(
                tx,
                &record.id,
                "hub",
                &record.to_catalogue_record(),
                &original,
                now,
                libraries,
            )?;
            if saved != Saved::Unchanged {
                applied.changed.push(record.id);
                return Ok(true);
            }
            Ok(false)
        }
        ("record", "delete") => {
            let n = tx.execute(
                "DELETE FROM records WHERE id = ?1 AND source = 'hub'",
                [&change.key],
            )?;
            if n > 0 {
                applied.changed.push(change.key.clone());
            }
            Ok(n > 0)
        }
        ("library", "upsert") => {
            let library: UnionLibrary = serde_json::from_value(body()?)
                .map_err(|e| ChangeError::Unreadable(e.to_string()))?;
            tx.execute(
                "INSERT INTO libraries(id, parent_id, kind, name, name_zh, city, city_zh, time_zone, position)
                 VALUES (?1, NULL, 'central', ?2, ?2, '', '',
                         COALESCE((SELECT time_zone FROM libraries WHERE kind = 'central' ORDER BY position LIMIT 1), 'UTC'),
                         (SELECT COALESCE(max(position), 0) + 1 FROM libraries))
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name,
                     name_zh = CASE WHEN libraries.name_zh = libraries.name THEN excluded.name ELSE libraries.name_zh END",
                (&library.id, &library.name),
            )?;
            libraries.insert(library.id);
            applied.libraries += 1;
            Ok(false)
        }
        ("document", "upsert") => {
            let d: crate::documents::remote::Announced = serde_json::from_value(body()?)
                .map_err(|e| ChangeError::Unreadable(e.to_string()))?;
            if !crate::documents::is_sha256(&d.sha256) || d.sha256 != change.key {
                return Err(ChangeError::Unreadable(format!(
                    "`{}` is not the document's SHA-256",
                    change.key
                )));
            }
            crate::documents::remote::upsert(tx, &d, now)?;
            applied.documents += 1;
            Ok(false)
        }
        ("resource", "upsert") => {
            let r: crate::disciplines::curate::SharedResource = serde_json::from_value(body()?)
                .map_err(|e| ChangeError::Unreadable(e.to_string()))?;
            if let Some(problem) = r.problem() {
                return Err(ChangeError::Unreadable(problem));
            }
            if r.id != change.key {
                return Err(ChangeError::Unreadable(format!(
                    "the resource's id `{}` is not its key",
                    r.id
                )));
            }
            r.upsert(tx)?;
            applied.resources += 1;
            Ok(false)
        }
        ("schedule", "upsert") => {
            let schedule: crate::bookings::SharedSchedule = serde_json::from_value(body()?)
                .map_err(|e| ChangeError::Unreadable(e.to_string()))?;
            if let Some(problem) = schedule.problem() {
                return Err(ChangeError::Unreadable(problem));
            }
            // A librarian this workstation's consortium data does not list is not shown here.
            let known: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM librarians WHERE id = ?1)",
                [&change.key],
                |r| r.get(0),
            )?;
            if known {
                schedule.replace(tx, &change.key)?;
                applied.schedules += 1;
            }
            Ok(false)
        }
        ("consultation_type", "upsert") => {
            let form: crate::bookings::TypeForm = serde_json::from_value(body()?)
                .map_err(|e| ChangeError::Unreadable(e.to_string()))?;
            if form.id.as_deref() != Some(change.key.as_str()) {
                return Err(ChangeError::Unreadable(
                    "the consultation type's id is not its key".into(),
                ));
            }
            if let Some(p) = crate::bookings::type_problems(&form).first() {
                return Err(ChangeError::Unreadable(format!("{}: {}", p.field, p.code)));
            }
            crate::bookings::write_type_in(tx, &change.key, &form)?;
            applied.schedules += 1;
            Ok(false)
        }
        ("resource", "delete") => {
            // Retired, not deleted: its history and links to documents stay.
            tx.execute(
                "UPDATE resources SET retired_at = COALESCE(retired_at, ?2) WHERE id = ?1",
                (&change.key, now),
            )?;
            applied.resources += 1;
            Ok(false)
        }
        ("booking", "upsert") => {
            let b: HubBusy = serde_json::from_value(body()?)
                .map_err(|e| ChangeError::Unreadable(e.to_string()))?;
            let code = crate::bookings::normalize_code(&b.code);
            if b.status == "cancelled" {
                tx.execute("DELETE FROM hub_bookings WHERE code = ?1", [&code])?;
            } else {
                let stamp = |t: &jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
                tx.execute(
                    "INSERT INTO hub_bookings(code, librarian_id, type_id, starts_at, ends_at, busy_from, busy_to)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(code) DO UPDATE SET librarian_id = excluded.librarian_id,
                         type_id = excluded.type_id, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                         busy_from = excluded.busy_from, busy_to = excluded.busy_to",
                    (
                        &code,
                        &b.librarian_id,
                        &b.type_id,
                        stamp(&b.starts_at),
                        stamp(&b.ends_at),
                        stamp(&b.busy_from),
                        stamp(&b.busy_to),
                    ),
                )?;
            }
            Ok(false)
        }
        (kind, op) => Err(ChangeError::Unreadable(format!(
            "this workstation does not know `{kind}` changes with `{op}` (a newer hub?)"
        ))),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hub's feed over a fixed list of changes: ids are positions from 1.
    fn feed(all: &[Change], since: &str, limit: usize) -> Page {
        let from: usize = if since.is_empty() {
            0
        } else {
            since.parse().unwrap()
        };
        let changes: Vec<Change> = all.iter().skip(from).take(limit).cloned().collect();
        Page {
            next: (from + changes.len()).to_string(),
            changes,
        }
    }

    fn record(n: u32, title: &str) -> Change {
        Change {
            kind: "record".into(),
            key: format!("hub:{n}"),
            op: "upsert".into(),
            body: Some(serde_json::json!({
                "id": format!("hub:{n}"),
                "format": "book",
                "description": {"title": title, "isbns": [format!("97800000000{n:02}")]},
                "holdings": [{"library": "north", "status": "available", "call_number": format!("QA {n}")}],
            })),
        }
    }

    fn history() -> Vec<Change> {
        let mut all = vec![Change {
            kind: "library".into(),
            key: "north".into(),
            op: "upsert".into(),
            body: Some(serde_json::json!({"id": "north", "name": "North Library"})),
        }];
        for round in 0..4 {
            for n in 0..6 {
                all.push(record(n, &format!("Title {n} version {round}")));
            }
            all.push(Change {
                kind: "record".into(),
                key: format!("hub:{}", round + 1),
                op: "delete".into(),
                body: None,
            });
        }
        all
    }

    fn state(store: &Store) -> Vec<(String, String, String)> {
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT r.id, r.title, group_concat(h.library_id || ' ' || h.call_number || ' ' || h.status)
                 FROM records r LEFT JOIN holdings h ON h.record_id = r.id
                 WHERE r.source = 'hub' GROUP BY r.id ORDER BY r.id",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn run(store: &Store, all: &[Change], limit: usize, pages: Option<usize>) {
        let mut done = 0;
        loop {
            if pages == Some(done) {
                return;
            }
            let since = cursor(store).unwrap();
            let page = feed(all, &since, limit);
            let empty = page.changes.is_empty();
            apply(store, &since, &page).unwrap();
            if empty {
                return;
            }
            done += 1;
        }
    }

    /// Killed after any page (a kill inside a page's transaction is a rollback: the same as
    /// before it), restarted with another page size, the cache ends as the hub is.
    #[test]
    fn a_sync_killed_after_any_page_converges() {
        let all = history();
        let straight = Store::open_in_memory().unwrap();
        run(&straight, &all, 5, None);
        let expected = state(&straight);
        // Every record upserted in the last round, but the one deleted after it.
        assert_eq!(expected.len(), 5, "{expected:?}");
        assert!(!expected.iter().any(|(id, _, _)| id == "hub:4"));
        assert!(expected.iter().all(|(_, t, _)| t.ends_with("version 3")));
        for killed_after in 0..=all.len().div_ceil(5) {
            let store = Store::open_in_memory().unwrap();
            run(&store, &all, 5, Some(killed_after));
            run(&store, &all, 3, None);
            assert_eq!(state(&store), expected, "killed after page {killed_after}");
        }
    }

    #[test]
    fn a_hub_that_lies_is_not_believed() {
        let all = history();
        let store = Store::open_in_memory().unwrap();
        run(&store, &all, 10, Some(2));
        let since = cursor(&store).unwrap();
        assert_eq!(since, "20");
        // A cursor that goes backwards, or is not a number: nothing applied.
        let mut back = feed(&all, &since, 5);
        back.next = "3".into();
        assert!(matches!(
            apply(&store, &since, &back),
            Err(SyncError::Untrustworthy(_))
        ));
        let mut garbage = feed(&all, &since, 5);
        garbage.next = "soon".into();
        assert!(matches!(
            apply(&store, &since, &garbage),
            Err(SyncError::Untrustworthy(_))
        ));
        assert_eq!(cursor(&store).unwrap(), "20");
        // Changes it cannot read are skipped and named; the rest of the page applies.
        let mut page = feed(&all, &since, 5);
        page.changes[0].body = Some(serde_json::json!({"id": "hub:0", "format": "book"}));
        page.changes[2].kind = "hologram".into();
        page.changes[3].key = "hub:999".into();
        let applied = apply(&store, &since, &page).unwrap();
        assert_eq!(applied.skipped.len(), 3, "{:?}", applied.skipped);
        assert!(applied.skipped[1].contains("does not know `hologram`"));
        assert!(applied.skipped[2].contains("is not its key"));
        assert_eq!(cursor(&store).unwrap(), "25");
    }

    #[test]
    fn shared_desk_settings_are_checked_before_they_replace_anything() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        crate::demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
        let change = |kind: &str, key: &str, body: serde_json::Value| Change {
            kind: kind.into(),
            key: key.into(),
            op: "upsert".into(),
            body: Some(body),
        };
        let hours_before = crate::bookings::hours_rows(&store, "lib-okafor").unwrap();
        assert!(!hours_before.is_empty());
        let ty = crate::bookings::types(&store).unwrap()[0].clone();
        let mut form = serde_json::json!({
            "id": ty.id, "name": "Research consultation", "name_zh": "研究咨询", "minutes": 40,
            "buffer_before": 0, "buffer_after": 5, "min_notice_minutes": 60, "window_days": 14,
            "cancel_cutoff_minutes": 60, "capacity": 1
        });
        let page = Page {
            next: "5".into(),
            changes: vec![
                // Hours on a ninth weekday: skipped, nothing replaced.
                change(
                    "schedule",
                    "lib-okafor",
                    serde_json::json!({"hours": [[9, "09:00", "10:00"]], "exceptions": []}),
                ),
                // A librarian this consortium data does not list: nothing to show.
                change(
                    "schedule",
                    "lib-nobody",
                    serde_json::json!({"hours": [[1, "09:00", "10:00"]], "exceptions": []}),
                ),
                // A type under another type's key: skipped.
                change("consultation_type", "another-type", form.clone()),
                change("consultation_type", &ty.id, {
                    form["minutes"] = serde_json::json!(4000);
                    form.clone()
                }),
                change(
                    "schedule",
                    "lib-okafor",
                    serde_json::json!({
                        "hours": [[3, "13:00", "15:00"]],
                        "exceptions": [{"date": "2026-12-02", "starts": null, "ends": null, "reason": "Conference"}]
                    }),
                ),
            ],
        };
        let applied = apply(&store, "", &page).unwrap();
        assert_eq!(applied.skipped.len(), 3, "{:?}", applied.skipped);
        assert!(
            applied.skipped[0].contains("hours"),
            "{:?}",
            applied.skipped
        );
        assert!(
            applied.skipped[1].contains("not its key"),
            "{:?}",
            applied.skipped
        );
        assert!(
            applied.skipped[2].contains("minutes"),
            "{:?}",
            applied.skipped
        );
        assert_eq!(applied.schedules, 1);
        assert_eq!(
            crate::bookings::hours_rows(&store, "lib-okafor").unwrap(),
            [(3, "13:00".to_owned(), "15:00".to_owned())]
        );
        let off = crate::bookings::list_exceptions(&store, "lib-okafor").unwrap();
        assert_eq!(off.len(), 1);
        assert_eq!(off[0].reason, "Conference");
        assert_eq!(
            crate::bookings::types(&store).unwrap()[0].rules.minutes,
            ty.rules.minutes
        );
    }
}
