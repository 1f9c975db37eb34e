//! `/api/v1/requests`: resource sharing. A workstation of a member library places a reader's
//! request (`POST`); a reader finds it again by code and email (`POST …/{code}/lookup`, the
//! email in the body, never in an address that reaches a log); the librarians of the
//! libraries involved see their requests (`GET`) and take steps (`POST …/{code}/steps`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Json;
use axum::routing::post;
use commons_protocol::ApiCode;
use commons_protocol::sharing::{NewRequest, RequestLookup, RequestView, StepRequest};

use super::{ApiError, ApiJson, Librarian, Shared, Workstation};
use crate::db::Db;
use crate::sharing::{self, Placed, Refused};

impl From<Refused> for ApiError {
    fn from(r: Refused) -> ApiError {
        match r {
            Refused::Api(code, message) => ApiError::new(code, message),
            Refused::Hub(e) => e.into(),
        }
    }
}

async fn place(
    Workstation(token): Workstation,
    State(db): State<Db>,
    ApiJson(request): ApiJson<NewRequest>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    match sharing::place(&db, &token, &request).await? {
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

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/requests", post(place).get(queue))
        .route("/api/v1/requests/{code}/lookup", post(lookup))
        .route("/api/v1/requests/{code}/steps", post(step))
}
