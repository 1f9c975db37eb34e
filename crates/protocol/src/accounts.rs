//! Librarian accounts as both ends know them: the rules for a new account, the Argon2id
//! hashes passwords are kept as, and the sign-in exchange (`POST /api/v1/sessions`).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};

/// The header that carries a librarian's session, beside the workstation's token.
pub const SESSION_HEADER: &str = "x-commons-session";
/// A display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 100;
/// The shortest new password, in characters.
pub const PASSWORD_MIN: usize = 12;
/// The least zxcvbn score (0 to 4) of a new password: 3 is "safely unguessable" against an
/// online attack, and refuses common passwords, keyboard walks and names with digits.
pub const PASSWORD_SCORE_MIN: u8 = 3;
/// The longest password, in bytes (Argon2 takes any length; a bound keeps the work bounded).
pub const PASSWORD_MAX: usize = 1024;

/// Which rule a new account breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountRule {
    BadUsername,
    BadDisplayName,
    WeakPassword,
}

/// Whether `u` is a user name: 3 to 64 of lower-case letters, digits, `.`, `-`, `_`.
pub fn valid_username(u: &str) -> bool {
    (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

/// Checks what a new account is made of (the hub's and a workstation's alike).
pub fn check_new(username: &str, display_name: &str, password: &str) -> Result<(), AccountRule> {
    if !valid_username(username) {
        return Err(AccountRule::BadUsername);
    }
    let display_name = display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > DISPLAY_NAME_MAX {
        return Err(AccountRule::BadDisplayName);
    }
    if password.chars().count() < PASSWORD_MIN || password.len() > PASSWORD_MAX {
        return Err(AccountRule::WeakPassword);
    }
    let estimate = zxcvbn::zxcvbn(password, &[username, display_name]);
    if u8::from(estimate.score()) < PASSWORD_SCORE_MIN {
        return Err(AccountRule::WeakPassword);
    }
    Ok(())
}

/// Whether `password` is the one `stored` (an Argon2id hash) was made from.
pub fn password_matches(stored: &str, password: &str) -> bool {
    password.len() <= PASSWORD_MAX
        && PasswordHash::new(stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
}

/// An Argon2id hash of `password` with a random salt.
pub fn hash(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// `POST /api/v1/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// The answer to a sign-in (201): the session to send in [`SESSION_HEADER`] and who it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub session: String,
    pub username: String,
    pub display_name: String,
    pub librarian_id: String,
}

/// The answer to `POST /api/v1/desk/calendar`: the calendar feed's new path, relative to the
/// hub's address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarPath {
    pub path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_are_long_and_not_common() {
        let cases: &[(&str, bool)] = &[
            ("correct horse battery", true),
            ("another long passphrase", true),
            ("short pw", false),
            ("password1234", false),
            ("123456789012", false),
            ("qwertyuiop12", false),
            ("mchen-mchen-mchen", false),
            ("aaaaaaaaaaaaaaaa", false),
        ];
        for (password, ok) in cases {
            assert_eq!(
                check_new("mchen", "Mei Chen", password).is_ok(),
                *ok,
                "{password}"
            );
        }
        assert_eq!(
            check_new("mchen", "Mei Chen", &"x".repeat(PASSWORD_MAX + 1)),
            Err(AccountRule::WeakPassword)
        );
    }
}
