//! `POST /api/v1/bookings` and `POST /api/v1/bookings/{code}/cancel`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Json;
use axum::routing::post;
use commons_protocol::ApiCode;
use commons_protocol::bookings::{Booked, CancelBooking, NewBooking};

use super::{ApiError, ApiJson, Shared, Workstation};
use crate::bookings::{self, Cancelled, Outcome};
use crate::db::Db;

async fn book(
    _: Workstation,
    State(db): State<Db>,
    ApiJson(request): ApiJson<NewBooking>,
) -> Result<(StatusCode, Json<Booked>), ApiError> {
    match bookings::book(&db, &request).await? {
        Outcome::Booked(b) => Ok((StatusCode::CREATED, Json(b))),
        Outcome::Replayed(b) => Ok((StatusCode::OK, Json(b))),
        Outcome::Taken => Err(ApiError::new(
            ApiCode::SlotTaken,
            "this time has just been taken",
        )),
        Outcome::Full => Err(ApiError::new(
            ApiCode::SessionFull,
            "every seat of this session is taken",
        )),
        Outcome::KeyReused => Err(ApiError::new(
            ApiCode::IdempotencyKeyReused,
            "this idempotency key was used for another booking",
        )),
        Outcome::NotBookable(code, why) => Err(ApiError::new(code, why)),
    }
}

/// A student cancels with the code and the email given when booking. One answer whether
/// the code is unknown, the email another or the booking past: nothing to learn by trying.
async fn cancel(
    _: Workstation,
    State(db): State<Db>,
    Path(code): Path<String>,
    ApiJson(request): ApiJson<CancelBooking>,
) -> Result<Json<Booked>, ApiError> {
    match bookings::cancel(&db, &code, &request.email).await? {
        Cancelled::Done(b) => Ok(Json(b)),
        Cancelled::NotFound => Err(ApiError::new(
            ApiCode::NotFound,
            "no booking with this code and email can be cancelled",
        )),
        Cancelled::PastCutoff { minutes } => Err(ApiError::new(
            ApiCode::PastCutoff,
            format!(
                "a consultation can be cancelled here up to {minutes} minutes before it starts: tell the librarian instead"
            ),
        )),
    }
}

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/bookings", post(book))
        .route("/api/v1/bookings/{code}/cancel", post(cancel))
}
