//! `GET /api/v1/changes?since=CURSOR&limit=N`: the change feed, gzip-compressed for a
//! client that accepts it.

use std::io::Write as _;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use commons_protocol::feed::{ChangesQuery, Cursor};
use commons_protocol::{ApiCode, limits};

use super::{ApiError, ApiQuery, Shared, Workstation};
use crate::db::{Db, HubError};

/// Whether the client takes gzip (`Accept-Encoding: gzip`, not with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            parts.next().is_some_and(|c| c.eq_ignore_ascii_case("gzip"))
                && !parts.any(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q == 0.0)
                })
        })
}

async fn changes(
    _: Workstation,
    State(db): State<Db>,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Response, ApiError> {
    let since = Cursor::parse(&q.since).ok_or_else(|| {
        ApiError::new(ApiCode::BadCursor, "`since` is a cursor the feed returned")
    })?;
    let limit = q.limit.unwrap_or(limits::FEED_PAGE);
    let page = crate::feed::changes(&db, since, i64::from(limit)).await?;
    if !accepts_gzip(&headers) {
        return Ok(Json(page).into_response());
    }
    // Compressing a page of thousands of records is work for a blocking thread.
    let body = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        let json = serde_json::to_vec(&page).map_err(std::io::Error::other)?;
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 6),
            flate2::Compression::fast(),
        );
        gz.write_all(&json)?;
        gz.finish()
    })
    .await
    .map_err(|e| ApiError::from(HubError::Internal(e.to_string())))?
    .map_err(|e| ApiError::from(HubError::Internal(e.to_string())))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_ENCODING, "gzip"),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response())
}

pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/api/v1/changes", get(changes))
}
