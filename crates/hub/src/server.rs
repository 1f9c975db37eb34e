//! The HTTP API: `/healthz` (open) and `/api/v1/changes` (a workstation token).

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;

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

async fn changes(
    State(db): State<Db>,
    headers: HeaderMap,
    Query(q): Query<ChangesQuery>,
) -> Response {
    match authorised(&db, &headers).await {
        Ok(true) => {}
        Ok(false) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid workstation token is needed",
            );
        }
        Err(e) => return e.into_response(),
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
        .with_state(db)
}
