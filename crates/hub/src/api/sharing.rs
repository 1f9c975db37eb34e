//! `/api/v1/requests`: resource sharing. A workstation of a member library places a reader's
//! request (`POST`); a reader finds it again by code and email (`POST …/{code}/lookup`, the
//! email in the body, never in an address that reaches a log); the librarians of the
//! libraries involved see their requests (`GET`) and take steps (`POST …/{code}/steps`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use commons_protocol::ApiCode;
use commons_protocol::sharing::{
    NewRequest, RequestLookup, RequestView, STATS_DAYS_MAX, SharingStats, SharingStatsQuery,
    StepRequest,
};

use super::{ApiError, ApiJson, ApiQuery, Librarian, Shared, Workstation};
use crate::api::Delivery;
use crate::db::Db;
use crate::sharing::{self, Placed, Refused};

impl From<Refused> for ApiError {
    fn from(r: Refused) -> ApiError {
        match r {
            Refused::Api(code, message) => ApiError::new(code, message),
            Refused::Wait(secs, message) => ApiError::wait(secs, message),
            Refused::Hub(e) => e.into(),
        }
    }
}

async fn place(
    Workstation(token): Workstation,
    State(shared): State<Shared>,
    ApiJson(request): ApiJson<NewRequest>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    match sharing::place(&shared.db, &token, shared.requests_per_hour, &request).await? {
        Placed::New(v) => Ok((StatusCode::CREATED, Json(v))),
        Placed::Replayed(v) => Ok((StatusCode::OK, Json(v))),
    }
}

async fn lookup(
    _: Workstation,
    State(db): State<Db>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<RequestLookup>,
) -> Result<Json<RequestView>, ApiError> {
    match sharing::lookup(&db, &code, &body.email).await? {
        Some(v) => Ok(Json(v)),
        None => Err(ApiError::new(
            ApiCode::NotFound,
            "no request has this code and email",
        )),
    }
}

/// The signed-in librarian's library, or why she has none.
async fn library_of(db: &Db, me: &crate::librarians::Librarian) -> Result<String, ApiError> {
    sharing::librarian_library(db, &me.librarian_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ApiCode::Forbidden,
                "this account is not tied to a member library in the roster; ask the consortium office",
            )
        })
}

async fn queue(
    Librarian(me): Librarian,
    State(db): State<Db>,
) -> Result<Json<Vec<RequestView>>, ApiError> {
    let library = library_of(&db, &me).await?;
    Ok(Json(sharing::queue(&db, &library).await?))
}

async fn step(
    Librarian(me): Librarian,
    State(db): State<Db>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<StepRequest>,
) -> Result<Json<RequestView>, ApiError> {
    let library = library_of(&db, &me).await?;
    Ok(Json(
        sharing::step(&db, &library, &me.username, &code, &body).await?,
    ))
}

/// Lending between member libraries: the librarian's library's, or all for the office.
async fn statistics(
    Librarian(me): Librarian,
    State(db): State<Db>,
    ApiQuery(query): ApiQuery<SharingStatsQuery>,
) -> Result<Json<SharingStats>, ApiError> {
    match sharing::statistics(&db, &me.username, query.days).await? {
        Ok(stats) => Ok(Json(stats)),
        Err(sharing::StatsRefusal::NoLibrary) => Err(ApiError::new(
            ApiCode::Forbidden,
            "this account is not tied to a member library in the roster; ask the consortium office",
        )),
        Err(sharing::StatsRefusal::Days) => Err(ApiError::new(
            ApiCode::Unacceptable,
            format!("days: 1 to {STATS_DAYS_MAX}"),
        )),
    }
}

fn documents_dir(shared: &Shared) -> Result<std::sync::Arc<std::path::PathBuf>, ApiError> {
    shared.documents.clone().ok_or_else(|| {
        ApiError::new(
            ApiCode::Unavailable,
            "this hub has no documents directory, so it cannot keep delivered copies",
        )
    })
}

/// The supplier's librarian delivers a copy: the PDF is the body.
async fn deliver(
    Librarian(me): Librarian,
    State(shared): State<Shared>,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Json<RequestView>, ApiError> {
    let dir = documents_dir(&shared)?;
    let library = library_of(&shared.db, &me).await?;
    let Delivery { days, max_bytes } = shared.delivery;
    Ok(Json(
        sharing::deliver(
            &shared.db,
            &dir,
            &library,
            &me.username,
            &code,
            &body,
            max_bytes,
            days,
        )
        .await?,
    ))
}

/// The reader opens a delivered copy at a workstation of the pickup library.
async fn open_delivery(
    Workstation(token): Workstation,
    State(shared): State<Shared>,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<RequestLookup>,
) -> Result<Response, ApiError> {
    let dir = documents_dir(&shared)?;
    let (path, _) = sharing::open_delivery(&shared.db, &dir, &token, &code, &body.email).await?;
    let bytes = tokio::fs::read(&path).await.map_err(|e| {
        tracing::error!(error = %e, "a delivered copy could not be read");
        ApiError::new(ApiCode::Internal, "the delivered copy could not be read")
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response())
}

pub(super) fn routes(delivery: Delivery) -> Router<Shared> {
    let body_limit = usize::try_from(delivery.max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    Router::new()
        .route("/api/v1/requests", post(place).get(queue))
        .route(
            "/api/v1/requests/statistics",
            axum::routing::get(statistics),
        )
        .route("/api/v1/requests/{code}/lookup", post(lookup))
        .route("/api/v1/requests/{code}/steps", post(step))
        .route(
            "/api/v1/requests/{code}/delivery",
            post(deliver).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/api/v1/requests/{code}/delivery/open", post(open_delivery))
}
