//! Librarians on the hub: accounts (the workstation's rules, Argon2id hashes), sessions
//! that end after 30 minutes unused, and the desk: a librarian's own bookings with the
//! students' personal data, check-in, completion with a READ level, no-show. Every request
//! is checked here, whatever a workstation's page allows.

use commons_protocol::bookings::{BookingStatus, DeskAction, DeskBooking};
use commons_protocol::hex::random_hex;
use commons_protocol::throttle::Throttle;
use commons_protocol::{BookingCode, Sha256, accounts};
use serde::Serialize;

use crate::db::{Db, HubError};

fn hash_token(token: &str) -> String {
    Sha256::of(token.as_bytes()).to_string()
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
    add_with_role(
        db,
        username,
        display_name,
        librarian_id,
        password,
        Role::Librarian,
    )
    .await
}

/// What an account may see beyond its own desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Her own bookings and her library's statistics.
    Librarian,
    /// The consortium office: every library's statistics (and no desk, unless a librarian
    /// id is given).
    Office,
}

/// Adds an account with a role.
pub async fn add_with_role(
    db: &Db,
    username: &str,
    display_name: &str,
    librarian_id: &str,
    password: &str,
    role: Role,
) -> Result<(), HubError> {
    accounts::check_new(username, display_name, password).map_err(|rule| {
        HubError::Invalid(
            match rule {
                accounts::AccountRule::BadUsername => {
                    "a user name is 3 to 64 characters: lower-case letters, digits, `.`, `-` or `_`"
                }
                accounts::AccountRule::BadDisplayName => "a display name is 1 to 100 characters",
                accounts::AccountRule::WeakPassword => "a password has at least 10 characters",
            }
            .into(),
        )
    })?;
    if librarian_id.trim().is_empty() && role == Role::Librarian {
        return Err(HubError::Invalid("the librarian id is needed".into()));
    }
    let password = password.to_owned();
    let hashed = tokio::task::spawn_blocking(move || accounts::hash(&password))
        .await
        .map_err(|e| HubError::Internal(e.to_string()))?
        .map_err(HubError::Internal)?;
    let client = db.pool.get().await?;
    let n = client
        .execute(
            "INSERT INTO librarian_accounts(username, librarian_id, display_name, password_hash, role)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[
                &username,
                &librarian_id.trim(),
                &display_name.trim(),
                &hashed,
                &match role {
                    Role::Librarian => "librarian",
                    Role::Office => "office",
                },
            ],
        )
        .await?;
    if n == 0 {
        return Err(HubError::Invalid(format!(
            "the account {username} already exists"
        )));
    }
    Ok(())
}

/// What stands between a guesser and the password checks: throttles per user name at one
/// workstation (5 free failures), per user name everywhere (50) and per workstation token
/// (20), and a bound on how many Argon2 checks run at once, outside the database pool, so
/// guessing cannot starve the feed of connections. A guesser at one workstation (at most 20
/// failures before it waits) holds up a librarian's name there only: she signs in at any
/// other workstation; only guessing from three or more at once holds it up everywhere.
#[derive(Debug)]
pub struct SignInGuard {
    users_here: std::sync::Mutex<Throttle>,
    users: std::sync::Mutex<Throttle>,
    workstations: std::sync::Mutex<Throttle>,
    checks: tokio::sync::Semaphore,
}

/// Password checks running at once (each takes one core for tens of milliseconds).
pub const PASSWORD_CHECKS_AT_ONCE: usize = 2;
/// Failures of one user name from one workstation before each attempt there waits.
pub const FREE_FAILURES_PER_USER_HERE: u32 = 5;
/// Failures of one user name from all workstations before each attempt anywhere waits.
pub const FREE_FAILURES_PER_USER: u32 = 50;
/// Failures from one workstation before each attempt waits.
pub const FREE_FAILURES_PER_WORKSTATION: u32 = 20;

impl Default for SignInGuard {
    fn default() -> Self {
        SignInGuard {
            users_here: std::sync::Mutex::new(Throttle::new(FREE_FAILURES_PER_USER_HERE)),
            users: std::sync::Mutex::new(Throttle::new(FREE_FAILURES_PER_USER)),
            workstations: std::sync::Mutex::new(Throttle::new(FREE_FAILURES_PER_WORKSTATION)),
            checks: tokio::sync::Semaphore::new(PASSWORD_CHECKS_AT_ONCE),
        }
    }
}

fn locked(m: &std::sync::Mutex<Throttle>) -> std::sync::MutexGuard<'_, Throttle> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a sign-in came to.
#[derive(Debug)]
pub enum SignIn {
    /// A session token and who it is.
    Signed(String, Librarian),
    /// The name is unknown, the account disabled or the password wrong (one answer).
    Wrong,
    /// Too many failures for this name or from this workstation: wait this long.
    Throttled(std::time::Duration),
}

/// Checks a user name and password from the workstation `workstation` (its token's hash)
/// and opens a session. The same answer whether the name is unknown, the account disabled
/// or the password wrong.
pub async fn sign_in(
    db: &Db,
    workstation: &str,
    username: &str,
    password: &str,
) -> Result<SignIn, HubError> {
    let guard = &db.sign_in;
    let user_key = username.to_lowercase();
    let now = std::time::Instant::now();
    // Each attempt counts as a failure from the moment it starts (taken back if it
    // succeeds), so many at once cannot all slip past the throttle.
    if let Err(wait) = locked(&guard.workstations).attempt(workstation, now) {
        return Ok(SignIn::Throttled(wait));
    }
    let here_key = format!("{workstation}\u{0}{user_key}");
    if let Err(wait) = locked(&guard.users_here).attempt(&here_key, now) {
        locked(&guard.workstations).forgive_one(workstation);
        return Ok(SignIn::Throttled(wait));
    }
    if let Err(wait) = locked(&guard.users).attempt(&user_key, now) {
        locked(&guard.users_here).forgive_one(&here_key);
        locked(&guard.workstations).forgive_one(workstation);
        return Ok(SignIn::Throttled(wait));
    }
    let row = {
        let client = db.pool.get().await?;
        client
            .query_opt(
                "SELECT librarian_id, display_name, password_hash, disabled_at IS NOT NULL
                 FROM librarian_accounts WHERE username = $1",
                &[&username],
            )
            .await?
    };
    let (librarian_id, display_name, stored, disabled): (String, String, String, bool) = match &row
    {
        Some(r) => (r.get(0), r.get(1), r.get(2), r.get(3)),
        // An unknown name costs a hash too, so timing does not tell which names exist.
        None => (String::new(), String::new(), String::new(), true),
    };
    let matches = {
        let _permit = guard
            .checks
            .acquire()
            .await
            .map_err(|e| HubError::Internal(e.to_string()))?;
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            if stored.is_empty() {
                let _ = accounts::hash(&password);
                false
            } else {
                accounts::password_matches(&stored, &password)
            }
        })
        .await
        .map_err(|e| HubError::Internal(e.to_string()))?
    };
    if !matches || disabled {
        return Ok(SignIn::Wrong);
    }
    locked(&guard.users_here).succeeded(&here_key);
    locked(&guard.users).succeeded(&user_key);
    locked(&guard.workstations).forgive_one(workstation);
    let token = random_hex(32).map_err(|e| HubError::Internal(e.to_string()))?;
    let client = db.pool.get().await?;
    client
        .execute(
            "INSERT INTO librarian_sessions(hash, username) VALUES ($1, $2)",
            &[&hash_token(&token), &username],
        )
        .await?;
    Ok(SignIn::Signed(
        token,
        Librarian {
            username: username.to_owned(),
            display_name,
            librarian_id,
        },
    ))
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

const DESK_COLUMNS: &str = "code, librarian_id, type_id, discipline_id, starts_at, ends_at,
    status, topic, student_name, student_email, description, outcome, read_level";

fn desk_booking(r: &tokio_postgres::Row) -> Result<DeskBooking, HubError> {
    let unreadable = |what: &str| HubError::Internal(format!("a stored booking's {what}"));
    let instant = |i: usize| {
        jiff::Timestamp::try_from(r.get::<_, std::time::SystemTime>(i))
            .map_err(|_| unreadable("time"))
    };
    Ok(DeskBooking {
        code: BookingCode::parse(r.get(0)).ok_or_else(|| unreadable("code"))?,
        librarian_id: r.get(1),
        type_id: r.get(2),
        discipline_id: r.get(3),
        starts_at: instant(4)?,
        ends_at: instant(5)?,
        status: BookingStatus::parse(r.get(6)).ok_or_else(|| unreadable("status"))?,
        topic: r.get(7),
        student_name: r.get(8),
        student_email: r.get(9),
        description: r.get(10),
        outcome: r.get(11),
        read_level: r.get::<_, Option<i32>>(12).map(i64::from),
    })
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
    rows.iter().map(desk_booking).collect()
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
    let Some(code) = BookingCode::parse(code) else {
        return Ok(Err(DeskRefusal::NotFound));
    };
    let code = code.compact();
    if let Some(p) = action.problems().first() {
        return Err(HubError::Invalid(format!(
            "{}: {} (a READ level is 1 to 6 and notes at most {} characters)",
            p.field,
            p.code,
            commons_protocol::limits::OUTCOME_MAX
        )));
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
    // The one table of the desk's transitions (a standalone workstation enforces the same).
    let Some(next) = BookingStatus::parse(&status).and_then(|s| s.after(action.step())) else {
        return Ok(Err(DeskRefusal::WrongState(status)));
    };
    let (read_level, outcome) = match action {
        DeskAction::CheckIn | DeskAction::NoShow => (None, None),
        DeskAction::Complete {
            read_level,
            outcome,
        } => (
            i32::try_from(*read_level).ok(),
            Some(outcome.trim().to_owned()),
        ),
    };
    let next = next.as_str();
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
    let b = desk_booking(&row)?;
    tx.commit().await?;
    Ok(Ok(b))
}

/// Gives the librarian a new calendar feed secret (ending the old address); returns it.
pub async fn new_calendar_secret(db: &Db, me: &Librarian) -> Result<String, HubError> {
    let secret = random_hex(24).map_err(|e| HubError::Internal(e.to_string()))?;
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
    let events: Vec<commons_protocol::calendar::Event> = list
        .into_iter()
        .map(|b| commons_protocol::calendar::Event {
            uid: commons_protocol::calendar::uid_of(&b.code),
            starts: b.starts_at,
            ends: b.ends_at,
            summary: match &b.student_name {
                Some(name) => format!("Consultation: {} ({name})", b.topic),
                None => format!("Consultation: {}", b.topic),
            },
            location: None,
            description: format!("With {}.", me.display_name),
            cancelled: b.status == BookingStatus::Cancelled,
        })
        .collect();
    Ok(Some(commons_protocol::calendar::write(&events, now)))
}
