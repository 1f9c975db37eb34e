//! What librarians keep on the hub for every workstation: the consortium's resource list
//! (`PUT /api/v1/resources/{id}`, `POST …/{id}/retire` and `…/restore`, `GET …/{id}/history`),
//! their own hours and time off (`PUT /api/v1/desk/schedule`) and the consultation types
//! (`PUT /api/v1/types/{id}`). Every workstation takes each change from the feed.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Json;
use axum::routing::{get, post, put};
use commons_protocol::ApiCode;
use commons_protocol::bookings::{SharedSchedule, TypeForm};
use commons_protocol::resources::{SaveQuery, SharedAuditLine, SharedResource};

use super::{ApiError, ApiJson, ApiQuery, Librarian, Shared};
use crate::db::Db;
use crate::feed::{self, Refusal, ResourceChange};

fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::NotFound => ApiError::new(ApiCode::NotFound, "nothing on the hub has this id"),
        Refusal::Taken => ApiError::new(ApiCode::Taken, "this id is already taken"),
        Refusal::Invalid(problem) => ApiError::new(ApiCode::Unacceptable, problem),
    }
}

async fn curated(db: &Db, me: &Librarian, change: ResourceChange) -> Result<StatusCode, ApiError> {
    feed::curate_resource(db, &me.0.username, &change)
        .await?
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn save_resource(
    me: Librarian,
    State(db): State<Db>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<SaveQuery>,
    ApiJson(resource): ApiJson<SharedResource>,
) -> Result<StatusCode, ApiError> {
    if resource.id != id {
        return Err(ApiError::new(
            ApiCode::Invalid,
            "the resource's id differs from the address",
        ));
    }
    let change = ResourceChange::Save {
        resource: Box::new(resource),
        new: query.new,
    };
    curated(&db, &me, change).await
}

async fn retire_resource(
    me: Librarian,
    State(db): State<Db>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    curated(&db, &me, ResourceChange::Retire(id)).await
}

async fn restore_resource(
    me: Librarian,
    State(db): State<Db>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    curated(&db, &me, ResourceChange::Restore(id)).await
}

/// Who changed a resource, when, and how.
async fn resource_history(
    _: Librarian,
    State(db): State<Db>,
    Path(id): Path<String>,
) -> Result<Json<Vec<SharedAuditLine>>, ApiError> {
    Ok(Json(feed::resource_history(&db, &id).await?))
}

async fn save_schedule(
    Librarian(me): Librarian,
    State(db): State<Db>,
    ApiJson(schedule): ApiJson<SharedSchedule>,
) -> Result<StatusCode, ApiError> {
    feed::save_schedule(&db, &me, &schedule)
        .await?
        .map_err(|problem| ApiError::new(ApiCode::Unacceptable, problem))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn save_type(
    Librarian(me): Librarian,
    State(db): State<Db>,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<SaveQuery>,
    ApiJson(form): ApiJson<TypeForm>,
) -> Result<StatusCode, ApiError> {
    feed::save_type(&db, &me, &id, &form, query.new)
        .await?
        .map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/resources/{id}", put(save_resource))
        .route("/api/v1/resources/{id}/retire", post(retire_resource))
        .route("/api/v1/resources/{id}/restore", post(restore_resource))
        .route("/api/v1/resources/{id}/history", get(resource_history))
        .route("/api/v1/desk/schedule", put(save_schedule))
        .route("/api/v1/types/{id}", put(save_type))
}
