//! The HTTP API: `/healthz` (open); with a workstation token, `GET /api/v1/changes`,
//! `POST /api/v1/bookings` and `POST /api/v1/bookings/{code}/cancel`, documents and
//! librarians' sessions; with a librarian's session as well, the desk, the calendar address
//! and changes to the consortium's resource list (`/api/v1/resources/{id}`) and to the
//! librarian's own schedule (`/api/v1/desk/schedule`) and the consultation types
//! (`/api/v1/types/{id}`).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRef, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};

use crate::librarians::{self, DeskAction, DeskRefusal, Librarian};

use crate::bookings::{self, NewBooking, Outcome};
use crate::db::{Db, HubError};
use crate::feed::{self, Cursor};

#[derive(serde::Deserialize)]
struct ChangesQuery {
    #[serde(default)]
    since: String,
    limit: Option<i64>,
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "code": code, "message": message })),
    )
        .into_response()
}

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        if let HubError::Invalid(message) = &self {
            return error(StatusCode::BAD_REQUEST, "invalid", message);
        }
        tracing::error!(error = %self, "request failed");
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the hub cannot answer now",
        )
    }
}

async fn authorised(db: &Db, headers: &HeaderMap) -> Result<bool, HubError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    crate::tokens::check(db, token.trim()).await
}

/// `None` when the request carries a live token, else the response to send.
async fn refused(db: &Db, headers: &HeaderMap) -> Option<Response> {
    match authorised(db, headers).await {
        Ok(true) => None,
        Ok(false) => Some(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid workstation token is needed",
        )),
        Err(e) => Some(e.into_response()),
    }
}

async fn changes(
    State(db): State<Db>,
    headers: HeaderMap,
    Query(q): Query<ChangesQuery>,
) -> Response {
    if let Some(r) = refused(&db, &headers).await {
        return r;
    }
    let Some(since) = Cursor::parse(&q.since) else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_cursor",
            "`since` is a cursor the feed returned",
        );
    };
    match feed::changes(&db, since, q.limit.unwrap_or(500)).await {
        Ok(page) => Json(page).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn book(
    State(db): State<Db>,
    headers: HeaderMap,
    body: Result<Json<NewBooking>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if let Some(r) = refused(&db, &headers).await {
        return r;
    }
    let Json(request) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid", &e.body_text()),
    };
    match bookings::book(&db, &request).await {
        Ok(Outcome::Booked(b)) => (StatusCode::CREATED, Json(b)).into_response(),
        Ok(Outcome::Replayed(b)) => (StatusCode::OK, Json(b)).into_response(),
        Ok(Outcome::Taken) => error(
            StatusCode::CONFLICT,
            "slot_taken",
            "this time has just been taken",
        ),
        Ok(Outcome::Full) => error(
            StatusCode::CONFLICT,
            "session_full",
            "every seat of this session is taken",
        ),
        Ok(Outcome::KeyReused) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this idempotency key was used for another booking",
        ),
        Err(e) => e.into_response(),
    }
}

async fn cancel(State(db): State<Db>, headers: HeaderMap, Path(code): Path<String>) -> Response {
    if let Some(r) = refused(&db, &headers).await {
        return r;
    }
    match bookings::cancel(&db, &code).await {
        Ok(Some(b)) => Json(b).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "no booking with this code can be cancelled",
        ),
        Err(e) => e.into_response(),
    }
}

async fn healthz(State(db): State<Db>) -> Response {
    match db.pool.get().await {
        Ok(client) if client.simple_query("SELECT 1").await.is_ok() => {
            (StatusCode::OK, "ok").into_response()
        }
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

/// The signed-in librarian of a request (`X-Commons-Session`), after its workstation token;
/// else the response to send.
async fn librarian(db: &Db, headers: &HeaderMap) -> Result<Librarian, Response> {
    if let Some(r) = refused(db, headers).await {
        return Err(r);
    }
    let token = headers
        .get("x-commons-session")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    match librarians::session(db, token).await {
        Ok(Some(l)) => Ok(l),
        Ok(None) => Err(error(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            "sign in as a librarian (sessions end after 30 minutes unused)",
        )),
        Err(e) => Err(e.into_response()),
    }
}

#[derive(serde::Deserialize)]
struct SignIn {
    username: String,
    password: String,
}

async fn sign_in(
    State(db): State<Db>,
    headers: HeaderMap,
    body: Result<Json<SignIn>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if let Some(r) = refused(&db, &headers).await {
        return r;
    }
    let Ok(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "username and password are needed",
        );
    };
    match librarians::sign_in(&db, &body.username, &body.password).await {
        Ok(Some((session, l))) => (
            StatusCode::CREATED,
            Json(serde_json::json!({
                "session": session,
                "username": l.username,
                "display_name": l.display_name,
                "librarian_id": l.librarian_id,
            })),
        )
            .into_response(),
        Ok(None) => error(
            StatusCode::UNAUTHORIZED,
            "wrong_credentials",
            "the user name or the password is wrong",
        ),
        Err(e) => e.into_response(),
    }
}

async fn sign_out(State(db): State<Db>, headers: HeaderMap) -> Response {
    if let Some(r) = refused(&db, &headers).await {
        return r;
    }
    let token = headers
        .get("x-commons-session")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match librarians::sign_out(&db, token.trim()).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

#[derive(serde::Deserialize)]
struct DeskQuery {
    from: jiff::Timestamp,
    to: jiff::Timestamp,
}

async fn desk(
    State(db): State<Db>,
    headers: HeaderMap,
    query: Result<Query<DeskQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let me = match librarian(&db, &headers).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Ok(Query(q)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "`from` and `to` are RFC 3339 instants",
        );
    };
    match librarians::desk(&db, &me, q.from, q.to).await {
        Ok(list) => Json(list).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn desk_act(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(code): Path<String>,
    body: Result<Json<DeskAction>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let me = match librarian(&db, &headers).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Json(action) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid", &e.body_text()),
    };
    match librarians::act(&db, &me, &code, &action).await {
        Ok(Ok(b)) => Json(b).into_response(),
        Ok(Err(DeskRefusal::NotFound)) => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "none of your bookings has this code",
        ),
        Ok(Err(DeskRefusal::WrongState(s))) => error(
            StatusCode::CONFLICT,
            "wrong_state",
            &format!("the booking is {s}; that cannot be done now"),
        ),
        Err(e) => e.into_response(),
    }
}

/// `PUT /api/v1/resources/{id}` (a resource, as the feed carries it),
/// `POST /api/v1/resources/{id}/retire` and `/restore`: a signed-in librarian curating the
/// consortium's resource list; every workstation takes the change from the feed.
#[derive(serde::Deserialize)]
struct SaveQuery {
    #[serde(default)]
    new: bool,
}

async fn save_resource(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<SaveQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<
        Json<commons_core::disciplines::curate::SharedResource>,
        axum::extract::rejection::JsonRejection,
    >,
) -> Response {
    let me = match librarian(&db, &headers).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Json(resource) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid", &e.body_text()),
    };
    if resource.id != id {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "the resource's id differs from the address",
        );
    }
    let Ok(Query(query)) = query else {
        return error(StatusCode::BAD_REQUEST, "invalid", "`new` is true or false");
    };
    curated(
        &db,
        &me,
        feed::ResourceChange::Save {
            resource: Box::new(resource),
            new: query.new,
        },
    )
    .await
}

async fn retire_resource(
    State(db): State<Db>,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let me = match librarian(&db, &headers).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let change = match action.as_str() {
        "retire" => feed::ResourceChange::Retire(id),
        "restore" => feed::ResourceChange::Restore(id),
        _ => return error(StatusCode::NOT_FOUND, "not_found", "no such action"),
    };
    curated(&db, &me, change).await
}

/// `GET /api/v1/resources/{id}/history`: who changed a resource, when, and how.
async fn resource_history(
    State(db): State<Db>,
    headers: HeaderMap,
    Path((id, what)): Path<(String, String)>,
) -> Response {
    if let Err(r) = librarian(&db, &headers).await {
        return r;
    }
    if what != "history" {
        return error(StatusCode::NOT_FOUND, "not_found", "no such page");
    }
    match feed::resource_history(&db, &id).await {
        Ok(lines) => Json(lines).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn curated(db: &Db, me: &Librarian, change: feed::ResourceChange) -> Response {
    refusal_response(feed::curate_resource(db, &me.username, &change).await)
}

fn refusal_response(answer: Result<Result<(), feed::Refusal>, HubError>) -> Response {
    match answer {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(feed::Refusal::NotFound)) => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "nothing on the hub has this id",
        ),
        Ok(Err(feed::Refusal::Taken)) => {
            error(StatusCode::CONFLICT, "taken", "this id is already taken")
        }
        Ok(Err(feed::Refusal::Invalid(problem))) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &problem)
        }
        Err(e) => e.into_response(),
    }
}

/// `PUT /api/v1/desk/schedule`: the signed-in librarian's weekly hours and time off, for
/// every workstation.
async fn save_schedule(
    State(db): State<Db>,
    headers: HeaderMap,
    body: Result<
        Json<commons_core::bookings::SharedSchedule>,
        axum::extract::rejection::JsonRejection,
    >,
) -> Response {
    let me = match librarian(&db, &headers).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Json(schedule) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid", &e.body_text()),
    };
    match feed::save_schedule(&db, &me, &schedule).await {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(problem)) => error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &problem),
        Err(e) => e.into_response(),
    }
}

/// `PUT /api/v1/types/{id}[?new=true]`: a consultation type, for every workstation.
async fn save_type(
    State(db): State<Db>,
    headers: HeaderMap,
    Path(id): Path<String>,
    query: Result<Query<SaveQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<Json<commons_core::bookings::TypeForm>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let me = match librarian(&db, &headers).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let (Ok(Query(query)), Ok(Json(form))) = (query, body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "a consultation type is needed",
        );
    };
    refusal_response(feed::save_type(&db, &me, &id, &form, query.new).await)
}

/// `POST /api/v1/desk/calendar`: a new address for the librarian's calendar feed.
async fn new_calendar(State(db): State<Db>, headers: HeaderMap) -> Response {
    let me = match librarian(&db, &headers).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    match librarians::new_calendar_secret(&db, &me).await {
        Ok(secret) => {
            Json(serde_json::json!({ "path": format!("calendar/{secret}.ics") })).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /calendar/{secret}.ics`: the feed calendar programs subscribe to. The secret is the
/// credential (they cannot send tokens); an unknown one is 404, never data.
async fn calendar_feed(State(db): State<Db>, Path(file): Path<String>) -> Response {
    let secret = file.strip_suffix(".ics").unwrap_or_default();
    match librarians::calendar(&db, secret).await {
        Ok(Some(ics)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            ics,
        )
            .into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "not_found", "no such calendar"),
        Err(e) => e.into_response(),
    }
}

/// What the handlers reach: the database, and the shared documents' directory.
#[derive(Clone, Debug)]
pub struct Shared {
    pub db: Db,
    pub documents: Option<Arc<PathBuf>>,
}

impl FromRef<Shared> for Db {
    fn from_ref(s: &Shared) -> Db {
        s.db.clone()
    }
}

/// `GET /api/v1/documents/{sha256}`: the file, whole or from a byte range (`Range:
/// bytes=N-`), so a download cut short goes on where it stopped.
async fn document(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(sha): Path<String>,
) -> Response {
    if let Some(r) = refused(&shared.db, &headers).await {
        return r;
    }
    let not_found = || error(StatusCode::NOT_FOUND, "not_found", "no such document");
    let Some(dir) = &shared.documents else {
        return not_found();
    };
    if !crate::documents::is_sha256(&sha) {
        return not_found();
    }
    let path = crate::documents::path_of(dir, &sha);
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return not_found();
    };
    let len = bytes.len() as u64;
    let ranged = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| crate::documents::range(v, len));
    match ranged {
        None => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::ACCEPT_RANGES, "bytes".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Some(Some((start, end))) => {
            let part = bytes[start as usize..=end as usize].to_vec();
            (
                StatusCode::PARTIAL_CONTENT,
                [
                    (header::CONTENT_TYPE, "application/pdf".to_owned()),
                    (header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}")),
                ],
                part,
            )
                .into_response()
        }
        Some(None) => (
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(header::CONTENT_RANGE, format!("bytes */{len}"))],
        )
            .into_response(),
    }
}

/// The API's routes, without shared documents.
pub fn router(db: Db) -> Router {
    router_with(Shared {
        db,
        documents: None,
    })
}

/// The API's routes.
pub fn router_with(shared: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/changes", get(changes))
        .route("/api/v1/bookings", post(book))
        .route("/api/v1/bookings/{code}/cancel", post(cancel))
        .route("/api/v1/documents/{sha}", get(document))
        .route("/api/v1/sessions", post(sign_in).delete(sign_out))
        .route("/api/v1/desk", get(desk))
        .route("/api/v1/desk/calendar", post(new_calendar))
        .route("/api/v1/desk/schedule", axum::routing::put(save_schedule))
        .route("/api/v1/types/{id}", axum::routing::put(save_type))
        .route("/api/v1/desk/{code}", post(desk_act))
        .route("/api/v1/resources/{id}", axum::routing::put(save_resource))
        .route(
            "/api/v1/resources/{id}/{action}",
            post(retire_resource).get(resource_history),
        )
        .route("/calendar/{file}", get(calendar_feed))
        .with_state(shared)
}
