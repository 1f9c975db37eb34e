//! `POST /api/v1/workstation`: how a workstation stands, after each of its syncs.

use axum::Router;
use axum::extract::State;
use axum::response::Json;
use axum::routing::post;
use commons_protocol::ApiCode;
use commons_protocol::fleet::{WorkstationAck, WorkstationReport};

use super::{ApiError, ApiJson, Shared, Workstation};
use crate::db::Db;

async fn report(
    Workstation(token): Workstation,
    State(db): State<Db>,
    ApiJson(body): ApiJson<WorkstationReport>,
) -> Result<Json<WorkstationAck>, ApiError> {
    if let Some(problem) = body.problem() {
        return Err(ApiError::new(ApiCode::Unacceptable, problem));
    }
    let library = crate::fleet::record(&db, &token, &body).await?;
    Ok(Json(WorkstationAck { library }))
}

pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/api/v1/workstation", post(report))
}
