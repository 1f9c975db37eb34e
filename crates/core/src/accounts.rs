//! Librarian accounts of a standalone workstation, and signed-in sessions.
//!
//! Passwords are stored as Argon2id hashes (PHC strings) and never leave this module. A
//! session lives in the running app only and ends after [`IDLE_LIMIT`] without use, on
//! sign-out, or when the app closes. With a hub, the hub signs librarians in instead.

use std::time::{Duration, Instant};

use rusqlite::OptionalExtension;

use crate::store::{Store, StoreError};

/// Failed sign-ins for one name before each attempt waits.
pub const FREE_FAILURES: u32 = 5;

/// A session ends after this long without a librarian action.
pub const IDLE_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Why an account could not be created or used.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a user name is 3 to 64 characters: lower-case letters, digits, `.`, `-` or `_`")]
    BadUsername,
    #[error("a password has at least 12 characters and is not a common or easily guessed one")]
    WeakPassword,
    #[error("a display name is 1 to 100 characters")]
    BadDisplayName,
    #[error("the account {0} already exists")]
    Exists(String),
    #[error("the librarian {0} is not in the library data")]
    NoSuchLibrarian(String),
    #[error("the user name or the password is wrong")]
    WrongCredentials,
    #[error("sign in as a librarian first (or again: sessions end after 30 minutes unused)")]
    NotSignedIn,
    #[error("too many failed sign-ins for this name; try again in {seconds} seconds")]
    Throttled { seconds: u64 },
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AccountError {
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::BadUsername => "account_bad_username",
            AccountError::WeakPassword => "account_weak_password",
            AccountError::BadDisplayName => "account_bad_name",
            AccountError::Exists(_) => "account_exists",
            AccountError::NoSuchLibrarian(_) => "account_no_librarian",
            AccountError::WrongCredentials => "wrong_credentials",
            AccountError::NotSignedIn => "not_signed_in",
            AccountError::Throttled { .. } => "sign_in_throttled",
            AccountError::Hash(_) => "internal",
            AccountError::Store(e) => e.code(),
        }
    }
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub username: String,
    pub display_name: String,
    pub librarian_id: Option<String>,
}

/// Checks what a new account is made of (the hub's accounts follow the same rules).
pub fn check_new(username: &str, display_name: &str, password: &str) -> Result<(), AccountError> {
    use commons_protocol::accounts::AccountRule;
    commons_protocol::accounts::check_new(username, display_name, password).map_err(|rule| {
        match rule {
            AccountRule::BadUsername => AccountError::BadUsername,
            AccountRule::BadDisplayName => AccountError::BadDisplayName,
            AccountRule::WeakPassword => AccountError::WeakPassword,
        }
    })
}

pub use commons_protocol::accounts::password_matches;

/// An Argon2id hash of `password` with a random salt.
pub fn hash(password: &str) -> Result<String, AccountError> {
    commons_protocol::accounts::hash(password).map_err(AccountError::Hash)
}

/// The accounts whose password is `password` (to find one left with a published password).
pub fn with_password(store: &Store, password: &str) -> Result<Vec<String>, StoreError> {
    let mut stmt = store
        .conn()
        .prepare("SELECT username, password_hash FROM accounts WHERE disabled_at IS NULL")
        .map_err(|e| store.err(e))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(|e| store.err(e))?;
    let mut out = Vec::new();
    for row in rows {
        let (name, hash) = row.map_err(|e| store.err(e))?;
        if password_matches(&hash, password) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Creates a local librarian account.
pub fn create(
    store: &Store,
    username: &str,
    display_name: &str,
    password: &str,
    librarian_id: Option<&str>,
) -> Result<Account, AccountError> {
    let tx = store.write().map_err(|e| store.err(e))?;
    let account = create_in(&tx, username, display_name, password, librarian_id)
        .map_err(|e| e.in_store(store))?;
    tx.commit().map_err(|e| store.err(e))?;
    Ok(account)
}

/// An error of [`create_in`]: the account's own, or the database's (named by the caller,
/// who knows the store).
#[derive(Debug)]
pub enum CreateError {
    Account(AccountError),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for CreateError {
    fn from(e: rusqlite::Error) -> Self {
        CreateError::Sql(e)
    }
}

impl CreateError {
    pub fn in_store(self, store: &Store) -> AccountError {
        match self {
            CreateError::Account(e) => e,
            CreateError::Sql(e) => AccountError::Store(store.err(e)),
        }
    }
}

/// Creates a local librarian account inside a transaction (used by seeding too).
pub fn create_in(
    tx: &rusqlite::Transaction<'_>,
    username: &str,
    display_name: &str,
    password: &str,
    librarian_id: Option<&str>,
) -> Result<Account, CreateError> {
    let fail = |e| Err(CreateError::Account(e));
    if let Err(e) = check_new(username, display_name, password) {
        return fail(e);
    }
    let display_name = display_name.trim();
    if let Some(l) = librarian_id {
        let known: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM librarians WHERE id = ?1)",
            [l],
            |r| r.get(0),
        )?;
        if !known {
            return fail(AccountError::NoSuchLibrarian(l.to_owned()));
        }
    }
    let hashed = hash(password).map_err(CreateError::Account)?;
    let inserted = tx.execute(
        "INSERT OR IGNORE INTO accounts(username, display_name, librarian_id, password_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        (
            username,
            display_name,
            librarian_id,
            &hashed,
            jiff::Timestamp::now().to_string(),
        ),
    )?;
    if inserted == 0 {
        return fail(AccountError::Exists(username.to_owned()));
    }
    Ok(Account {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        librarian_id: librarian_id.map(str::to_owned),
    })
}

/// Checks a user name and password; the same error whether the account is unknown,
/// disabled or the password wrong.
pub fn verify(store: &Store, username: &str, password: &str) -> Result<Account, AccountError> {
    let found: Option<(String, Option<String>, String, bool)> = store
        .conn()
        .query_row(
            "SELECT display_name, librarian_id, password_hash, disabled_at IS NOT NULL
             FROM accounts WHERE username = ?1",
            [username],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(|e| store.err(e))?;
    // An unknown user still costs one hash, so timing does not tell which names exist.
    let Some((display_name, librarian_id, stored, disabled)) = found else {
        let _ = hash(password);
        return Err(AccountError::WrongCredentials);
    };
    if !password_matches(&stored, password) || disabled {
        return Err(AccountError::WrongCredentials);
    }
    Ok(Account {
        username: username.to_owned(),
        display_name,
        librarian_id,
    })
}

/// A session ends this long after it started, however busy.
pub const LENGTH_LIMIT: Duration = Duration::from_secs(8 * 60 * 60);

/// The signed-in librarian of this app, if any, with the idle and length limits applied.
/// Only the librarian's own actions refresh the idle timer (`touch`); looking at who is
/// signed in (`peek`, what a page change does) does not, so a session left open at a
/// public workstation is not kept alive by the next person clicking around.
#[derive(Debug, Default)]
pub struct Session {
    current: Option<Live>,
}

#[derive(Debug)]
struct Live {
    account: Account,
    started: Instant,
    last: Instant,
}

impl Live {
    /// When the session ends if nothing is done: idle limit or length limit, the sooner.
    fn ends(&self) -> Instant {
        (self.last + IDLE_LIMIT).min(self.started + LENGTH_LIMIT)
    }
}

impl Session {
    pub fn start(&mut self, account: Account, now: Instant) {
        self.current = Some(Live {
            account,
            started: now,
            last: now,
        });
    }

    pub fn end(&mut self) {
        self.current = None;
    }

    /// The signed-in account and how long until the session ends, without refreshing it;
    /// `None` once it has ended.
    pub fn peek(&mut self, now: Instant) -> Option<(Account, Duration)> {
        match &self.current {
            Some(live) if now < live.ends() => {
                Some((live.account.clone(), live.ends().duration_since(now)))
            }
            _ => {
                self.current = None;
                None
            }
        }
    }

    /// The signed-in account, for one of its own actions: the idle timer starts again (the
    /// length limit stays); `None` once the session has ended.
    pub fn touch(&mut self, now: Instant) -> Option<Account> {
        let (account, _) = self.peek(now)?;
        if let Some(live) = &mut self.current {
            live.last = now;
        }
        Some(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_created_checked_and_verified() {
        let store = Store::open_in_memory().unwrap();
        for (u, n, p, code) in [
            ("ab", "A", "long enough pw", "account_bad_username"),
            ("Has Space", "A", "long enough pw", "account_bad_username"),
            ("ok-name", "", "long enough pw", "account_bad_name"),
            ("ok-name", "A", "short", "account_weak_password"),
        ] {
            assert_eq!(
                create(&store, u, n, p, None).unwrap_err().code(),
                code,
                "{u}"
            );
        }
        assert_eq!(
            create(&store, "ok-name", "A", "long enough pw", Some("lib-nobody"))
                .unwrap_err()
                .code(),
            "account_no_librarian"
        );
        create(&store, "m.chen", "Mei Chen", "correct horse battery", None).unwrap();
        assert_eq!(
            create(&store, "m.chen", "Other", "another password", None)
                .unwrap_err()
                .code(),
            "account_exists"
        );
        let stored: String = store
            .conn()
            .query_row("SELECT password_hash FROM accounts", [], |r| r.get(0))
            .unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("correct horse"));
        let a = verify(&store, "m.chen", "correct horse battery").unwrap();
        assert_eq!(a.display_name, "Mei Chen");
        for (u, p) in [
            ("m.chen", "wrong password!"),
            ("nobody", "correct horse battery"),
            ("m.chen", ""),
        ] {
            assert_eq!(
                verify(&store, u, p).unwrap_err().code(),
                "wrong_credentials"
            );
        }
        store
            .conn()
            .execute("UPDATE accounts SET disabled_at = 'now'", [])
            .unwrap();
        assert_eq!(
            verify(&store, "m.chen", "correct horse battery")
                .unwrap_err()
                .code(),
            "wrong_credentials"
        );
    }

    #[test]
    fn sessions_end_when_idle() {
        let mut s = Session::default();
        let t0 = Instant::now();
        assert!(s.touch(t0).is_none());
        s.start(
            Account {
                username: "a".into(),
                display_name: "A".into(),
                librarian_id: None,
            },
            t0,
        );
        assert!(s.touch(t0 + IDLE_LIMIT / 2).is_some());
        // Each use refreshes the timer.
        assert!(s.touch(t0 + IDLE_LIMIT).is_some());
        assert!(
            s.touch(t0 + IDLE_LIMIT * 2 + Duration::from_secs(1))
                .is_none()
        );
        assert!(
            s.touch(t0 + IDLE_LIMIT * 2).is_none(),
            "an expired session stays ended"
        );
        s.start(
            Account {
                username: "a".into(),
                display_name: "A".into(),
                librarian_id: None,
            },
            t0,
        );
        s.end();
        assert!(s.touch(t0).is_none());
    }

    #[test]
    fn looking_does_not_extend_a_session_and_none_outlasts_eight_hours() {
        let account = Account {
            username: "a".into(),
            display_name: "A".into(),
            librarian_id: None,
        };
        let t0 = Instant::now();
        let mut s = Session::default();
        s.start(account.clone(), t0);
        // Page changes only look: the session still ends 30 minutes after the last action.
        let minute = Duration::from_secs(60);
        for m in 1..30 {
            let (_, left) = s.peek(t0 + minute * m).unwrap();
            assert_eq!(left, IDLE_LIMIT - minute * m);
        }
        assert!(s.peek(t0 + IDLE_LIMIT).is_none());
        // Her own actions keep it going, but not past the length limit.
        s.start(account, t0);
        let mut now = t0;
        while now < t0 + LENGTH_LIMIT - IDLE_LIMIT {
            now += minute * 20;
            assert!(s.touch(now).is_some(), "{:?}", now - t0);
        }
        let (_, left) = s.peek(now).unwrap();
        assert_eq!(left, LENGTH_LIMIT - (now - t0));
        assert!(s.touch(t0 + LENGTH_LIMIT).is_none());
    }
}
