//! `/api/v1/usage`: a workstation sends its days of usage counts (`POST`), a signed-in
//! librarian reads a summary (`GET`): her library's, or for the office any library's or the
//! consortium's.

use axum::Router;
use axum::extract::State;
use axum::response::Json;
use axum::routing::post;
use commons_protocol::ApiCode;
use commons_protocol::usage::{UsageAccepted, UsageQuery, UsageReport, UsageSummary};

use super::{ApiError, ApiJson, ApiQuery, Librarian, Shared, Workstation};
use crate::db::Db;
use crate::usage::{self, Refusal};

async fn report(
    Workstation(token): Workstation,
    State(db): State<Db>,
    ApiJson(body): ApiJson<UsageReport>,
) -> Result<Json<UsageAccepted>, ApiError> {
    if let Some(problem) = body.problem() {
        return Err(ApiError::new(ApiCode::Unacceptable, problem));
    }
    Ok(Json(usage::record(&db, &token, &body).await?))
}

async fn summary(
    Librarian(me): Librarian,
    State(db): State<Db>,
    ApiQuery(query): ApiQuery<UsageQuery>,
) -> Result<Json<UsageSummary>, ApiError> {
    match usage::summary(&db, &me.username, &query).await? {
        Ok(s) => Ok(Json(s)),
        Err(Refusal::NoLibrary) => Err(ApiError::new(
            ApiCode::Forbidden,
            "this account is not tied to a member library in the roster; ask the consortium office",
        )),
        Err(Refusal::Period(why)) => Err(ApiError::new(ApiCode::Unacceptable, why)),
        Err(Refusal::UnknownLibrary(id)) => Err(ApiError::new(
            ApiCode::NotFound,
            format!("no member library {id}"),
        )),
    }
}

pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/api/v1/usage", post(report).get(summary))
}
