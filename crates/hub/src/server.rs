//! The HTTP API: `/healthz` (open); with a workstation token, `GET /api/v1/changes`,
//! `POST /api/v1/bookings` and `POST /api/v1/bookings/{code}/cancel`.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};

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

/// The API's routes.
pub fn router(db: Db) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/changes", get(changes))
        .route("/api/v1/bookings", post(book))
        .route("/api/v1/bookings/{code}/cancel", post(cancel))
        .with_state(db)
}
