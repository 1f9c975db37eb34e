//! Librarians' sessions (`/api/v1/sessions`), the desk (`/api/v1/desk`, its actions and
//! the calendar address) and the calendar feed calendar programs subscribe to.

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use commons_protocol::ApiCode;
use commons_protocol::accounts::{CalendarPath, SignIn, SignedIn};
use commons_protocol::bookings::{DeskAction, DeskBooking, DeskQuery};

use super::{ApiError, ApiJson, ApiQuery, Librarian, Shared, Workstation, session_token};
use crate::db::Db;
use crate::librarians::{self, DeskRefusal};

async fn sign_in(
    Workstation(workstation): Workstation,
    State(db): State<Db>,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<(StatusCode, Json<SignedIn>), ApiError> {
    match librarians::sign_in(&db, &workstation, &body.username, &body.password).await? {
        librarians::SignIn::Signed(session, l) => Ok((
            StatusCode::CREATED,
            Json(SignedIn {
                session,
                username: l.username,
                display_name: l.display_name,
                librarian_id: l.librarian_id,
            }),
        )),
        librarians::SignIn::Wrong => Err(ApiError::new(
            ApiCode::WrongCredentials,
            "the user name or the password is wrong",
        )),
        librarians::SignIn::Throttled(wait) => Err(ApiError::too_many(wait)),
    }
}

/// The session token of a request, whether or not it is live.
struct SessionToken(String);

impl<S: Send + Sync> FromRequestParts<S> for SessionToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(SessionToken(session_token(parts).to_owned()))
    }
}

async fn sign_out(
    _: Workstation,
    State(db): State<Db>,
    SessionToken(token): SessionToken,
) -> Result<StatusCode, ApiError> {
    librarians::sign_out(&db, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn desk(
    Librarian(me): Librarian,
    State(db): State<Db>,
    ApiQuery(q): ApiQuery<DeskQuery>,
) -> Result<Json<Vec<DeskBooking>>, ApiError> {
    Ok(Json(librarians::desk(&db, &me, q.from, q.to).await?))
}

async fn desk_act(
    Librarian(me): Librarian,
    State(db): State<Db>,
    Path(code): Path<String>,
    ApiJson(action): ApiJson<DeskAction>,
) -> Result<Json<DeskBooking>, ApiError> {
    match librarians::act(&db, &me, &code, &action).await? {
        Ok(b) => Ok(Json(b)),
        Err(DeskRefusal::NotFound) => Err(ApiError::new(
            ApiCode::NotFound,
            "none of your bookings has this code",
        )),
        Err(DeskRefusal::WrongState(s)) => Err(ApiError::new(
            ApiCode::WrongState,
            format!("the booking is {s}; that cannot be done now"),
        )),
    }
}

/// `POST /api/v1/desk/calendar`: a new address for the librarian's calendar feed.
async fn new_calendar(
    Librarian(me): Librarian,
    State(db): State<Db>,
) -> Result<Json<CalendarPath>, ApiError> {
    let secret = librarians::new_calendar_secret(&db, &me).await?;
    Ok(Json(CalendarPath {
        path: format!("calendar/{secret}.ics"),
    }))
}

/// `GET /calendar/{secret}.ics`: the feed calendar programs subscribe to. The secret is the
/// credential (they cannot send tokens); an unknown one is 404, never data.
async fn calendar_feed(
    State(db): State<Db>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let secret = file.strip_suffix(".ics").unwrap_or_default();
    match librarians::calendar(&db, secret).await? {
        Some(ics) => Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            ics,
        )
            .into_response()),
        None => Err(ApiError::new(ApiCode::NotFound, "no such calendar")),
    }
}

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/api/v1/sessions", post(sign_in).delete(sign_out))
        .route("/api/v1/desk", get(desk))
        .route("/api/v1/desk/calendar", post(new_calendar))
        .route("/api/v1/desk/{code}", post(desk_act))
        .route("/calendar/{file}", get(calendar_feed))
}
