//! The librarian signed in on this workstation (and on the hub).

use super::*;
use crate::sync;

impl Workstation {
    pub(super) fn session(&self) -> MutexGuard<'_, Session> {
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Signs a librarian in: with this workstation's accounts, and with a hub's when one is
    /// configured (the hub's desk then shows bookings made on every workstation). Either is
    /// enough; with the hub out of reach, the local account still works. After
    /// `accounts::FREE_FAILURES` failures for a name, each attempt waits (here and on the
    /// hub), and the wait is said.
    pub fn sign_in(&self, username: &str, password: &str) -> Result<Account, AccountError> {
        let key = username.to_lowercase();
        let throttle = || {
            self.sign_in_throttle
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        throttle()
            .attempt(&key, Instant::now())
            .map_err(|wait| AccountError::Throttled {
                seconds: wait.as_secs().max(1),
            })?;
        let local = self.with_store(|s| accounts::verify(s, username, password));
        let on_hub = match self.hub() {
            Ok(Some(hub)) => match hub.sign_in(username, password) {
                Ok(found) => found,
                Err(e) if e.code() == Some(commons_protocol::ApiCode::TooManyAttempts) => {
                    let seconds = e.refusal().and_then(|r| r.retry_after).unwrap_or(60);
                    return Err(AccountError::Throttled { seconds });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the hub could not sign the librarian in");
                    None
                }
            },
            _ => None,
        };
        let account = match (local, &on_hub) {
            (Ok(account), _) => account,
            (Err(AccountError::WrongCredentials), Some((_, account))) => account.clone(),
            (Err(e), _) => return Err(e),
        };
        throttle().succeeded(&key);
        *self.hub_session_slot() = on_hub.map(|(token, _)| token);
        self.session().start(account.clone(), Instant::now());
        tracing::info!(account = %account.username, "librarian signed in");
        Ok(account)
    }

    pub(super) fn hub_session_slot(&self) -> MutexGuard<'_, Option<String>> {
        self.hub_session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The hub and the signed-in librarian's session on it, when both exist.
    pub(super) fn hub_desk(&self) -> Option<(sync::Hub, String)> {
        let token = self.hub_session_slot().clone()?;
        let hub = self.hub().ok().flatten()?;
        Some((hub, token))
    }

    /// Creates a local librarian account.
    pub fn create_account(
        &self,
        username: &str,
        display_name: &str,
        password: &str,
        librarian_id: Option<&str>,
    ) -> Result<Account, AccountError> {
        self.with_store(|s| accounts::create(s, username, display_name, password, librarian_id))
    }

    pub fn sign_out(&self) {
        self.session().end();
        if let Some((hub, token)) = self.hub_desk()
            && let Err(e) = hub.sign_out(&token)
        {
            tracing::warn!(error = %e, "the hub session could not be ended; it expires unused");
        }
        *self.hub_session_slot() = None;
    }

    /// The signed-in librarian, for one of her own actions (it keeps the session going), if
    /// the session has not ended.
    pub fn signed_in(&self) -> Option<Account> {
        self.session().touch(Instant::now())
    }

    /// Who is signed in and how long until the session ends, without keeping it going (a
    /// page showing who is signed in is not the librarian acting). An ended session also
    /// ends on the hub.
    pub fn session_status(&self) -> Option<(Account, std::time::Duration)> {
        let status = self.session().peek(Instant::now());
        if status.is_none() && self.hub_session_slot().is_some() {
            self.sign_out();
        }
        status
    }

    /// The librarian keeps her session going ("Stay signed in").
    pub fn keep_session(&self) -> Option<(Account, std::time::Duration)> {
        self.signed_in()?;
        self.session().peek(Instant::now())
    }
}
