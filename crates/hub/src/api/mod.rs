//! The HTTP API (`/api/v1`), over the types of `commons-protocol`.
//!
//! - Authentication is an extractor: a handler that takes [`Workstation`] runs only for a
//!   live workstation token, one that takes [`Librarian`] only for a live librarian session
//!   as well; neither can be forgotten.
//! - Handlers return `Result<_, ApiError>`; [`ApiError`] is the protocol's `{code, message}`
//!   with the status its code names. A failure of the hub itself is 500 (or 503 when the
//!   database is out of reach) with its cause logged, never "invalid".
//! - Bodies and queries are read by [`ApiJson`] and [`ApiQuery`], whose refusals are
//!   `ApiError`s too; a body larger than `REQUEST_BYTES_MAX` is refused unread.
//! - Each area has its `routes()`; `router_with` merges them.

mod bookings;
mod curation;
mod documents;
mod feed;
mod fleet;
mod librarians;
mod sharing;
mod usage;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use commons_protocol::ApiCode;
use commons_protocol::accounts::SESSION_HEADER;
use commons_protocol::limits::REQUEST_BYTES_MAX;

use crate::db::{Db, HubError};

/// A refusal or failure, as the protocol sends it.
#[derive(Debug)]
pub struct ApiError(pub commons_protocol::ApiError);

impl ApiError {
    /// Too many attempts: wait `wait` (rounded up to a second, sent as `Retry-After`).
    pub fn too_many(wait: std::time::Duration) -> ApiError {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError::wait(
            secs,
            format!("too many failed sign-ins; try again in {secs} s"),
        )
    }

    /// `too_many_attempts`: try again in `secs` seconds (also sent as `Retry-After`).
    pub fn wait(secs: u64, message: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(ApiCode::TooManyAttempts, message);
        e.0.retry_after = Some(secs);
        e
    }
}

impl ApiError {
    pub fn new(code: ApiCode, message: impl Into<String>) -> ApiError {
        ApiError(commons_protocol::ApiError::new(code, message))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(&self.0)).into_response();
        if let Some(secs) = self.0.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        response
    }
}

impl From<HubError> for ApiError {
    fn from(e: HubError) -> ApiError {
        match e {
            HubError::Invalid(message) => ApiError::new(ApiCode::Invalid, message),
            HubError::Database(_) => {
                tracing::error!(error = %e, "request failed");
                ApiError::new(ApiCode::Unavailable, "the hub cannot answer now")
            }
            HubError::Internal(_) | HubError::Harvest(_) => {
                tracing::error!(error = %e, "request failed");
                ApiError::new(ApiCode::Internal, "the hub failed; the cause is in its log")
            }
        }
    }
}

/// Proof that a request carries a live workstation token (`Authorization: Bearer …`): the
/// token's SHA-256, which names the workstation (to throttle it, say) without the token.
#[derive(Debug, Clone)]
pub struct Workstation(pub String);

impl<S> FromRequestParts<S> for Workstation
where
    Db: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let db = Db::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if crate::tokens::check(&db, token.trim()).await? {
            Ok(Workstation(
                commons_protocol::Sha256::of(token.trim().as_bytes()).to_string(),
            ))
        } else {
            Err(ApiError::new(
                ApiCode::Unauthorized,
                "a valid workstation token is needed",
            ))
        }
    }
}

/// The librarian signed in on a request (a live session in `X-Commons-Session`, after a
/// live workstation token).
#[derive(Debug, Clone)]
pub struct Librarian(pub crate::librarians::Librarian);

/// The session token a request carries, if any.
fn session_token(parts: &Parts) -> &str {
    parts
        .headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
}

impl<S> FromRequestParts<S> for Librarian
where
    Db: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Workstation::from_request_parts(parts, state).await?;
        let db = Db::from_ref(state);
        match crate::librarians::session(&db, session_token(parts)).await? {
            Some(l) => Ok(Librarian(l)),
            None => Err(ApiError::new(
                ApiCode::NotSignedIn,
                "sign in as a librarian (sessions end after 30 minutes unused)",
            )),
        }
    }
}

/// A JSON body of type `T`; one that cannot be read is refused with the reason.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    Json<T>: FromRequest<S, Rejection = axum::extract::rejection::JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                ApiCode::TooLarge,
                format!("a request body is at most {REQUEST_BYTES_MAX} bytes"),
            )),
            Err(e) => Err(ApiError::new(ApiCode::Invalid, e.body_text())),
        }
    }
}

/// A query string of type `T`; one that cannot be read is refused with the reason.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(ApiError::new(ApiCode::Invalid, e.body_text())),
        }
    }
}

/// What the handlers reach: the database, and the shared documents' directory.
#[derive(Clone, Debug)]
pub struct Shared {
    pub db: Db,
    pub documents: Option<Arc<PathBuf>>,
    pub delivery: Delivery,
    /// Requests a workstation may place in any hour (`[sharing] requests_per_hour`).
    pub requests_per_hour: u32,
}

/// How delivered copies (document delivery) are kept: days, and the largest file taken.
#[derive(Debug, Clone, Copy)]
pub struct Delivery {
    pub days: u32,
    pub max_bytes: u64,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            days: 14,
            max_bytes: 50 * 1024 * 1024,
        }
    }
}

impl FromRef<Shared> for Db {
    fn from_ref(s: &Shared) -> Db {
        s.db.clone()
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

/// The API's routes, without shared documents.
pub fn router(db: Db) -> Router {
    router_with(Shared {
        db,
        documents: None,
        delivery: Delivery::default(),
        requests_per_hour: crate::sharing::REQUESTS_PER_HOUR,
    })
}

/// The API's routes.
pub fn router_with(shared: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .merge(feed::routes())
        .merge(bookings::routes())
        .merge(librarians::routes())
        .merge(curation::routes())
        .merge(documents::routes())
        .merge(usage::routes())
        .merge(fleet::routes())
        .merge(sharing::routes(shared.delivery))
        .fallback(|| async { ApiError::new(ApiCode::NotFound, "no such address") })
        .layer(DefaultBodyLimit::max(REQUEST_BYTES_MAX))
        .with_state(shared)
}
