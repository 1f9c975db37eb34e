//! `GET /api/v1/documents/{sha256}`: a shared document's file, served from disk by
//! tower-http's `ServeFile` (byte ranges, so a download cut short goes on where it stopped;
//! conditional requests), never read into memory.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use commons_protocol::ApiCode;
use tower_http::services::ServeFile;

use super::{ApiError, Shared, Workstation};

async fn document(
    _: Workstation,
    State(shared): State<Shared>,
    Path(sha): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::new(ApiCode::NotFound, "no such document");
    let dir = shared.documents.as_ref().ok_or_else(not_found)?;
    if !crate::documents::is_sha256(&sha) {
        return Err(not_found());
    }
    let path = crate::documents::path_of(dir, &sha);
    if !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(not_found());
    }
    let response = ServeFile::new(path).try_call(request).await.map_err(|e| {
        tracing::error!(document = %sha, error = %e, "a document could not be read");
        ApiError::new(ApiCode::Internal, "the document could not be read")
    })?;
    Ok(response.map(Body::new).into_response())
}

pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/api/v1/documents/{sha}", get(document))
}
