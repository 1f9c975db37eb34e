//! Consultation bookings on the hub, where every workstation's bookings meet.
//!
//! Overlaps are refused by PostgreSQL's exclusion constraint (see
//! `migrations/0003_bookings.sql`), not by a check here that two requests could pass at the
//! same moment. A request carries an idempotency key chosen by the workstation: sent twice
//! (a retry after a timeout, an outbox flushed again), it answers with the booking the first
//! one made. Every booking and cancellation adds a change to the feed, without personal
//! data: workstations learn that a librarian is busy, not who booked.

use commons_protocol::bookings::BookingStatus;
pub use commons_protocol::bookings::{Booked, NewBooking};
use commons_protocol::slots::{self, SlotRefusal};
use commons_protocol::{ApiCode, BookingCode};
use tokio_postgres::error::SqlState;

use crate::db::{Db, HubError};

/// What became of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Booked(Booked),
    /// The same idempotency key was seen before: the booking it made.
    Replayed(Booked),
    /// Another booking of the librarian overlaps.
    Taken,
    /// Every seat of the group session is taken.
    Full,
    /// The idempotency key was used for another request.
    KeyReused,
    /// The roster does not allow it: an unknown librarian or type, or a time outside her
    /// hours, in her time off, too soon or too far ahead.
    NotBookable(ApiCode, String),
}

/// One booking of a librarian at a time: two overlapping inserts would otherwise each wait
/// inside the exclusion check for the other to commit, a deadlock PostgreSQL only breaks
/// after a second. Bookings of different librarians still go in parallel.
const LIBRARIAN_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 1))";

fn booked(row: &tokio_postgres::Row) -> Result<Booked, HubError> {
    let unreadable = |what: &str| HubError::Internal(format!("a stored booking's {what}"));
    Ok(Booked {
        code: BookingCode::parse(row.get("code")).ok_or_else(|| unreadable("code"))?,
        busy_key: row.get("busy_key"),
        librarian_id: row.get("librarian_id"),
        type_id: row.get("type_id"),
        starts_at: row
            .get::<_, &str>("starts")
            .parse()
            .map_err(|_| unreadable("start"))?,
        ends_at: row
            .get::<_, &str>("ends")
            .parse()
            .map_err(|_| unreadable("end"))?,
        status: BookingStatus::parse(row.get("status")).ok_or_else(|| unreadable("status"))?,
    })
}

/// The feed's change for the booking rows of the CTE `src`: who is busy when, never who
/// booked. Written by the same statement as the booking, so the two cannot part.
pub(crate) const CHANGE_FROM_SRC: &str = "INSERT INTO changes(kind, key, op, body)
    SELECT 'booking', 'busy:' || id, 'upsert', jsonb_build_object(
        'librarian_id', librarian_id, 'type_id', type_id,
        'starts_at', to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
        'ends_at', to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
        'busy_from', to_char(lower(busy) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
        'busy_to', to_char(upper(busy) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
        'status', status)
    FROM src";

/// The columns of `Booked`, and the busy range's ends.
const COLUMNS: &str = "code, 'busy:' || id AS busy_key, librarian_id, type_id, status,
        to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS starts,
        to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS ends,
        lower(busy) AS busy_from, upper(busy) AS busy_to";

async fn by_key(client: &deadpool_postgres::Object, key: &str) -> Result<Option<Booked>, HubError> {
    client
        .query_opt(
            &format!("SELECT {COLUMNS} FROM bookings WHERE idempotency_key = $1"),
            &[&key],
        )
        .await?
        .map(|r| booked(&r))
        .transpose()
}

/// What the roster says of a booking at `now`: its type's rules (buffers and capacity are
/// the hub's, whatever the request says), or why it cannot be made.
async fn rules_for(
    client: &deadpool_postgres::Object,
    b: &NewBooking,
    now: jiff::Timestamp,
) -> Result<Result<slots::Rules, Outcome>, HubError> {
    let no = |code: ApiCode, why: String| Ok(Err(Outcome::NotBookable(code, why)));
    let Some(rules) = crate::roster::booking_rules(client, &b.librarian_id, &b.type_id).await?
    else {
        return no(
            ApiCode::UnknownLibrarian,
            format!("no librarian `{}` takes consultations", b.librarian_id),
        );
    };
    let Some(ty) = rules.consultation_type else {
        return no(
            ApiCode::UnknownType,
            format!("no consultation type `{}`", b.type_id),
        );
    };
    let Some(tz) = rules
        .time_zone
        .as_deref()
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
    else {
        return no(
            ApiCode::OutsideHours,
            "her library has no time zone on the hub, so she has no hours".into(),
        );
    };
    let type_rules = slots::Rules::from(&ty);
    let (hours, exceptions) = slots::schedule_parts(&rules.schedule);
    let refused = slots::check_slot(
        &type_rules,
        &hours,
        &exceptions,
        &tz,
        now,
        b.starts_at,
        b.ends_at,
    );
    match refused {
        Ok(()) => Ok(Ok(type_rules)),
        Err(SlotRefusal::Length) => no(
            ApiCode::WrongLength,
            format!("a {} lasts {} minutes", ty.name, ty.minutes),
        ),
        Err(SlotRefusal::Notice) => no(
            ApiCode::TooSoon,
            format!(
                "a {} is booked at least {} minutes ahead",
                ty.name, ty.min_notice_minutes
            ),
        ),
        Err(SlotRefusal::Window) => no(
            ApiCode::TooFar,
            format!(
                "a {} is booked at most {} days ahead",
                ty.name, ty.window_days
            ),
        ),
        Err(SlotRefusal::OutsideHours) => no(
            ApiCode::OutsideHours,
            "this time is outside the librarian's hours".into(),
        ),
        Err(SlotRefusal::TimeOff) => no(
            ApiCode::TimeOff,
            "the librarian is away at this time".into(),
        ),
    }
}

/// Books, or says why not.
pub async fn book(db: &Db, b: &NewBooking) -> Result<Outcome, HubError> {
    book_at(db, b, jiff::Timestamp::now()).await
}

/// Books as of `now` (tests move the clock).
pub async fn book_at(db: &Db, b: &NewBooking, now: jiff::Timestamp) -> Result<Outcome, HubError> {
    if let Some(problem) = b.problem() {
        return Err(HubError::Invalid(problem));
    }
    let mut client = db.pool.get().await?;
    let same = |found: &Booked| {
        found.librarian_id == b.librarian_id
            && found.type_id == b.type_id
            && found.starts_at == b.starts_at
    };
    // A request sent again answers as the first did, even once its time is too near to book.
    if let Some(found) = by_key(&client, &b.idempotency_key).await? {
        return Ok(if same(&found) {
            Outcome::Replayed(found)
        } else {
            Outcome::KeyReused
        });
    }
    let rules = match rules_for(&client, b, now).await? {
        Ok(rules) => rules,
        Err(refused) => return Ok(refused),
    };
    let starts = std::time::SystemTime::from(b.starts_at);
    let ends = std::time::SystemTime::from(b.ends_at);
    let busy_from = std::time::SystemTime::from(
        b.starts_at - jiff::SignedDuration::from_mins(rules.buffer_before),
    );
    let busy_to = std::time::SystemTime::from(
        b.ends_at + jiff::SignedDuration::from_mins(rules.buffer_after),
    );
    let session = format!("{}@{}", b.type_id, b.starts_at);
    let capacity = i32::try_from(rules.capacity).unwrap_or(1);
    let refused = if capacity == 1 {
        // A one-to-one consultation whose time is booked is, for the student, taken.
        Outcome::Taken
    } else {
        Outcome::Full
    };
    for attempt in 0..5 {
        let code = match (&b.code, attempt) {
            (Some(c), 0) => c.compact(),
            _ => BookingCode::random().compact(),
        };
        let insert_sql = format!(
            "WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock(hashtextextended($3, 1))),
             src AS (
                INSERT INTO bookings(code, idempotency_key, librarian_id, type_id, discipline_id, session,
                    seat, capacity, starts_at, ends_at, busy, topic, student_name, student_email, description)
                SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, tstzrange($11, $12), $13, $14, $15, $16
                FROM locked
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING *),
             change AS ({CHANGE_FROM_SRC})
             SELECT {COLUMNS} FROM src"
        );
        // The statement's parameters, with the seat taken.
        macro_rules! params {
            ($seat:expr) => {
                [
                    &code as &(dyn tokio_postgres::types::ToSql + Sync),
                    &b.idempotency_key,
                    &b.librarian_id,
                    &b.type_id,
                    &b.discipline_id,
                    &session,
                    $seat,
                    &capacity,
                    &starts,
                    &ends,
                    &busy_from,
                    &busy_to,
                    &b.topic,
                    &b.student_name,
                    &b.student_email,
                    &b.description,
                ]
            };
        }
        let inserted = if capacity > 1 {
            // The seats of a group session are counted by one request at a time, in a
            // transaction around the count and the insert.
            let tx = client.transaction().await?;
            tx.execute(LIBRARIAN_LOCK, &[&b.librarian_id]).await?;
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                &[&format!("{}|{session}", b.librarian_id)],
            )
            .await?;
            let taken: i64 = tx
                .query_one(
                    "SELECT count(*) FROM bookings WHERE librarian_id = $1 AND session = $2 AND status <> 'cancelled'",
                    &[&b.librarian_id, &session],
                )
                .await?
                .get(0);
            if taken >= i64::from(capacity) {
                return Ok(refused);
            }
            let seat = i32::try_from(taken + 1).unwrap_or(i32::MAX);
            let inserted = tx.query_opt(&insert_sql, &params!(&seat)).await;
            if matches!(inserted, Ok(Some(_))) {
                tx.commit().await?;
            }
            inserted
        } else {
            // A one-to-one booking is one statement, its own transaction: the lock, the row
            // (seat 1: the seat index refuses a second) and its change commit together, and the
            // feed's counter is held for the commit only.
            client.query_opt(&insert_sql, &params!(&1i32)).await
        };
        let row = match inserted {
            Ok(Some(row)) => row,
            Ok(None) => {
                // The idempotency key exists: this request was made before.
                return Ok(match by_key(&client, &b.idempotency_key).await? {
                    Some(found) if same(&found) => Outcome::Replayed(found),
                    _ => Outcome::KeyReused,
                });
            }
            Err(e) => {
                let state = e.code().cloned();
                let constraint = e
                    .as_db_error()
                    .and_then(|d| d.constraint())
                    .unwrap_or_default()
                    .to_owned();
                match state {
                    Some(s) if s == SqlState::EXCLUSION_VIOLATION => return Ok(Outcome::Taken),
                    Some(s) if s == SqlState::UNIQUE_VIOLATION && constraint == "bookings_seat" => {
                        return Ok(refused);
                    }
                    // A code that exists already: draw another.
                    Some(s) if s == SqlState::UNIQUE_VIOLATION => continue,
                    // Should two inserts still deadlock (another writer than this hub), the
                    // one PostgreSQL ended asks again and gets the plain answer.
                    Some(s)
                        if s == SqlState::T_R_DEADLOCK_DETECTED
                            || s == SqlState::T_R_SERIALIZATION_FAILURE =>
                    {
                        continue;
                    }
                    _ => return Err(e.into()),
                }
            }
        };
        return Ok(Outcome::Booked(booked(&row)?));
    }
    Err(HubError::Internal(
        "no free booking code after 5 draws".into(),
    ))
}

/// What became of a student's cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancelled {
    Done(Booked),
    /// No live booking has this code and email (one answer for each reason).
    NotFound,
    /// Closer to the consultation than its type's cancellation cutoff: her librarian can.
    PastCutoff {
        minutes: i64,
    },
}

/// Cancels a booking by its code and the student's email (compared without case), up to
/// its type's cancellation cutoff.
pub async fn cancel(db: &Db, code: &str, email: &str) -> Result<Cancelled, HubError> {
    let Some(code) = BookingCode::parse(code) else {
        return Ok(Cancelled::NotFound);
    };
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let Some(found) = tx
        .query_opt(
            "SELECT b.id, b.starts_at - make_interval(mins => COALESCE((t.body->>'cancel_cutoff_minutes')::int, 0)) > now(),
                    COALESCE((t.body->>'cancel_cutoff_minutes')::bigint, 0)
             FROM bookings b LEFT JOIN consultation_types t ON t.id = b.type_id
             WHERE b.code = $1 AND b.status = 'booked' AND b.student_email IS NOT NULL
               AND lower(b.student_email) = lower($2)
             FOR UPDATE OF b",
            &[&code.compact(), &email.trim()],
        )
        .await?
    else {
        return Ok(Cancelled::NotFound);
    };
    if !found.get::<_, bool>(1) {
        return Ok(Cancelled::PastCutoff {
            minutes: found.get(2),
        });
    }
    let id: i64 = found.get(0);
    let row = tx
        .query_one(
            &format!(
                "WITH src AS (UPDATE bookings SET status = 'cancelled', updated_at = now()
                     WHERE id = $1 RETURNING *),
                 change AS ({CHANGE_FROM_SRC})
                 SELECT {COLUMNS} FROM src"
            ),
            &[&id],
        )
        .await?;
    let b = booked(&row)?;
    tx.commit().await?;
    Ok(Cancelled::Done(b))
}

/// Live bookings whose busy times overlap another's: always none (checked by tests).
pub async fn overlaps(db: &Db) -> Result<i64, HubError> {
    let client = db.pool.get().await?;
    Ok(client
        .query_one(
            "SELECT count(*) FROM bookings a JOIN bookings b
               ON a.id < b.id AND a.librarian_id = b.librarian_id AND a.busy && b.busy
                  AND a.session <> b.session
             WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'",
            &[],
        )
        .await?
        .get(0))
}
