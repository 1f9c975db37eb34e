//! Librarians on the hub: accounts (the workstation's rules, Argon2id hashes), sessions
//! that end after 30 minutes unused, and the desk: a librarian's own bookings with the
//! students' personal data, check-in, completion with a READ level, no-show. Every request
//! is checked here, whatever a workstation's page allows.

use commons_core::accounts;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Db, HubError};

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A signed-in librarian.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Librarian {
    pub username: String,
    pub display_name: String,
    pub librarian_id: String,
}

/// Adds an account (the password is hashed off the async threads).
pub async fn add(
    db: &Db,
    username: &str,
    display_name: &str,
    librarian_id: &str,
    password: &str,
) -> Result<(), HubError> {
    accounts::check_new(username, display_name, password)
        .map_err(|e| HubError::Invalid(e.to_string()))?;
    if librarian_id.trim().is_empty() {
        return Err(HubError::Invalid("the librarian id is needed".into()));
    }
    let password = password.to_owned();
    let hashed = tokio::task::spawn_blocking(move || accounts::hash(&password))
        .await
        .map_err(|e| HubError::Invalid(e.to_string()))?
        .map_err(|e| HubError::Invalid(e.to_string()))?;
    let client = db.pool.get().await?;
    let n = client
        .execute(
            "INSERT INTO librarian_accounts(username, librarian_id, display_name, password_hash)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            &[&username, &librarian_id, &display_name.trim(), &hashed],
        )
        .await?;
    if n == 0 {
        return Err(HubError::Invalid(format!(
            "the account {username} already exists"
        )));
    }
    Ok(())
}

/// Checks a user name and password and opens a session: `(token, librarian)`. The same
/// answer (`None`) whether the name is unknown, the account disabled or the password wrong.
pub async fn sign_in(
    db: &Db,
    username: &str,
    password: &str,
) -> Result<Option<(String, Librarian)>, HubError> {
    let client = db.pool.get().await?;
    let row = client
        .query_opt(
            "SELECT librarian_id, display_name, password_hash, disabled_at IS NOT NULL
             FROM librarian_accounts WHERE username = $1",
            &[&username],
        )
        .await?;
    let (librarian_id, display_name, stored, disabled): (String, String, String, bool) = match &row
    {
        Some(r) => (r.get(0), r.get(1), r.get(2), r.get(3)),
        // An unknown name costs a hash too, so timing does not tell which names exist.
        None => (String::new(), String::new(), String::new(), true),
    };
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || {
        if stored.is_empty() {
            let _ = accounts::hash(&password);
            false
        } else {
            accounts::password_matches(&stored, &password)
        }
    })
    .await
    .map_err(|e| HubError::Invalid(e.to_string()))?;
    if !matches || disabled {
        return Ok(None);
    }
    let mut raw = [0u8; 32];
    getrandom::getrandom(&mut raw).map_err(|e| HubError::Invalid(e.to_string()))?;
    let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    client
        .execute(
            "INSERT INTO librarian_sessions(hash, username) VALUES ($1, $2)",
            &[&hash_token(&token), &username],
        )
        .await?;
    Ok(Some((
        token,
        Librarian {
            username: username.to_owned(),
            display_name,
            librarian_id,
        },
    )))
}

/// The librarian of a live session (its idle timer restarted), or `None`.
pub async fn session(db: &Db, token: &str) -> Result<Option<Librarian>, HubError> {
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let client = db.pool.get().await?;
    let row = client
        .query_opt(
            "UPDATE librarian_sessions s SET last_used_at = now()
             FROM librarian_accounts a
             WHERE s.hash = $1 AND a.username = s.username AND a.disabled_at IS NULL
               AND s.last_used_at > now() - interval '30 minutes'
             RETURNING a.username, a.display_name, a.librarian_id",
            &[&hash_token(token)],
        )
        .await?;
    Ok(row.map(|r| Librarian {
        username: r.get(0),
        display_name: r.get(1),
        librarian_id: r.get(2),
    }))
}

/// Ends a session.
pub async fn sign_out(db: &Db, token: &str) -> Result<(), HubError> {
    let client = db.pool.get().await?;
    client
        .execute(
            "DELETE FROM librarian_sessions WHERE hash = $1",
            &[&hash_token(token)],
        )
        .await?;
    Ok(())
}

/// A booking at the librarian's desk, personal data included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeskBooking {
    pub code: String,
    pub librarian_id: String,
    pub type_id: String,
    pub discipline_id: Option<String>,
    pub starts_at: String,
    pub ends_at: String,
    pub status: String,
    pub topic: String,
    pub student_name: Option<String>,
    pub student_email: Option<String>,
    pub description: Option<String>,
    pub outcome: Option<String>,
    pub read_level: Option<i32>,
}

const DESK_COLUMNS: &str = "code, librarian_id, type_id, discipline_id,
    to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
    to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
    status, topic, student_name, student_email, description, outcome, read_level";

fn desk_booking(r: &tokio_postgres::Row) -> DeskBooking {
    DeskBooking {
        code: r.get(0),
        librarian_id: r.get(1),
        type_id: r.get(2),
        discipline_id: r.get(3),
        starts_at: r.get(4),
        ends_at: r.get(5),
        status: r.get(6),
        topic: r.get(7),
        student_name: r.get(8),
        student_email: r.get(9),
        description: r.get(10),
        outcome: r.get(11),
        read_level: r.get(12),
    }
}

/// The librarian's live bookings starting in `[from, to)`.
pub async fn desk(
    db: &Db,
    me: &Librarian,
    from: jiff::Timestamp,
    to: jiff::Timestamp,
) -> Result<Vec<DeskBooking>, HubError> {
    let client = db.pool.get().await?;
    let rows = client
        .query(
            &format!(
                "SELECT {DESK_COLUMNS} FROM bookings
                 WHERE librarian_id = $1 AND starts_at >= $2 AND starts_at < $3 AND status <> 'cancelled'
                 ORDER BY starts_at"
            ),
            &[
                &me.librarian_id,
                &std::time::SystemTime::from(from),
                &std::time::SystemTime::from(to),
            ],
        )
        .await?;
    Ok(rows.iter().map(desk_booking).collect())
}

/// What a librarian does with a booking at the desk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DeskAction {
    CheckIn,
    NoShow,
    Complete { read_level: i32, outcome: String },
}

/// Why a desk action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskRefusal {
    /// Not one of this librarian's bookings (or none with that code).
    NotFound,
    /// Its status does not allow it now.
    WrongState(String),
}

/// Applies a desk action to one of the librarian's own bookings; its change goes to the feed.
pub async fn act(
    db: &Db,
    me: &Librarian,
    code: &str,
    action: &DeskAction,
) -> Result<Result<DeskBooking, DeskRefusal>, HubError> {
    let code = crate::bookings::normalize_code(code);
    if let DeskAction::Complete {
        read_level,
        outcome,
    } = action
        && (!(1..=6).contains(read_level) || outcome.chars().count() > 4000)
    {
        return Err(HubError::Invalid(
            "a READ level is 1 to 6 and notes at most 4,000 characters".into(),
        ));
    }
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let Some(row) = tx
        .query_opt(
            "SELECT status FROM bookings WHERE code = $1 AND librarian_id = $2 FOR UPDATE",
            &[&code, &me.librarian_id],
        )
        .await?
    else {
        return Ok(Err(DeskRefusal::NotFound));
    };
    let status: String = row.get(0);
    let (allowed, next, read_level, outcome): (&[&str], &str, Option<i32>, Option<String>) =
        match action {
            DeskAction::CheckIn => (&["booked", "no_show"], "checked_in", None, None),
            DeskAction::NoShow => (&["booked"], "no_show", None, None),
            DeskAction::Complete {
                read_level,
                outcome,
            } => (
                &["checked_in", "booked"],
                "completed",
                Some(*read_level),
                Some(outcome.trim().to_owned()),
            ),
        };
    if !allowed.contains(&status.as_str()) {
        return Ok(Err(DeskRefusal::WrongState(status)));
    }
    let row = tx
        .query_one(
            &format!(
                "WITH src AS (UPDATE bookings SET status = $2, read_level = COALESCE($3, read_level),
                     outcome = COALESCE($4, outcome), updated_at = now()
                     WHERE code = $1 RETURNING *),
                 change AS ({})
                 SELECT {DESK_COLUMNS} FROM src",
                crate::bookings::CHANGE_FROM_SRC
            ),
            &[&code, &next, &read_level, &outcome],
        )
        .await?;
    let b = desk_booking(&row);
    tx.commit().await?;
    Ok(Ok(b))
}

/// Gives the librarian a new calendar feed secret (ending the old address); returns it.
pub async fn new_calendar_secret(db: &Db, me: &Librarian) -> Result<String, HubError> {
    let mut raw = [0u8; 24];
    getrandom::getrandom(&mut raw).map_err(|e| HubError::Invalid(e.to_string()))?;
    let secret: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let client = db.pool.get().await?;
    client
        .execute(
            "UPDATE librarian_accounts SET calendar_secret = $2 WHERE username = $1",
            &[&me.username, &secret],
        )
        .await?;
    Ok(secret)
}

/// The calendar feed behind a secret: the librarian's live bookings from a month ago to a
/// year ahead, as iCalendar; `None` for an unknown secret.
pub async fn calendar(db: &Db, secret: &str) -> Result<Option<String>, HubError> {
    if secret.len() != 48 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let client = db.pool.get().await?;
    let Some(account) = client
        .query_opt(
            "SELECT username, display_name, librarian_id FROM librarian_accounts
             WHERE calendar_secret = $1 AND disabled_at IS NULL",
            &[&secret],
        )
        .await?
    else {
        return Ok(None);
    };
    let me = Librarian {
        username: account.get(0),
        display_name: account.get(1),
        librarian_id: account.get(2),
    };
    let now = jiff::Timestamp::now();
    let from = now - jiff::SignedDuration::from_hours(24 * 30);
    let to = now + jiff::SignedDuration::from_hours(24 * 366);
    let list = desk(db, &me, from, to).await?;
    let bookings: Vec<commons_core::bookings::Booking> = list
        .into_iter()
        .filter_map(|b| {
            Some(commons_core::bookings::Booking {
                code: commons_core::bookings::normalize_code(&b.code),
                librarian_id: b.librarian_id,
                librarian_name: me.display_name.clone(),
                library_name: String::new(),
                library_name_zh: String::new(),
                time_zone: "UTC".into(),
                type_id: b.type_id,
                discipline_id: b.discipline_id,
                starts: b.starts_at.parse().ok()?,
                ends: b.ends_at.parse().ok()?,
                status: b.status,
                topic: b.topic,
                name: b.student_name,
                email: None,
                description: None,
                outcome: None,
                read_level: None,
                hub_state: None,
            })
        })
        .collect();
    Ok(Some(commons_core::bookings::librarian_ics(&bookings, now)))
}
