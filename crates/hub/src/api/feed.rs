//! `GET /api/v1/changes?since=CURSOR&limit=N`: the change feed.

use axum::Router;
use axum::extract::State;
use axum::response::Json;
use axum::routing::get;
use commons_protocol::feed::{ChangesQuery, Cursor, Page};
use commons_protocol::{ApiCode, limits};

use super::{ApiError, ApiQuery, Shared, Workstation};
use crate::db::Db;

async fn changes(
    _: Workstation,
    State(db): State<Db>,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Json<Page>, ApiError> {
    let since = Cursor::parse(&q.since).ok_or_else(|| {
        ApiError::new(ApiCode::BadCursor, "`since` is a cursor the feed returned")
    })?;
    let limit = q.limit.unwrap_or(limits::FEED_PAGE);
    Ok(Json(
        crate::feed::changes(&db, since, i64::from(limit)).await?,
    ))
}

pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/api/v1/changes", get(changes))
}
