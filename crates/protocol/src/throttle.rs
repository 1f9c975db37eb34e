//! Throttling guesses: after `free` failures for one key (a user name, a workstation) each
//! further attempt waits, the wait doubling from 15 seconds up to 15 minutes. The hub and a
//! standalone workstation throttle sign-ins with the same rule.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The first wait, after `free` failures.
pub const FIRST_WAIT: Duration = Duration::from_secs(15);
/// The longest wait.
pub const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
pub const MEMORY: Duration = Duration::from_secs(60 * 60);
/// Keys remembered before old ones are dropped.
const KEYS_MAX: usize = 10_000;

/// Failures per key.
#[derive(Debug, Clone)]
pub struct Throttle {
    free: u32,
    failures: HashMap<String, (u32, Instant)>,
}

impl Throttle {
    /// A throttle that lets `free` failures through without a wait.
    pub fn new(free: u32) -> Throttle {
        Throttle {
            free,
            failures: HashMap::new(),
        }
    }

    /// How long `key` must still wait before its next attempt, if at all.
    pub fn wait(&self, key: &str, now: Instant) -> Option<Duration> {
        let (n, last) = *self.failures.get(key)?;
        if n < self.free || now.saturating_duration_since(last) > MEMORY {
            return None;
        }
        let doublings = (n - self.free).min(10);
        let wait = FIRST_WAIT.saturating_mul(1 << doublings).min(LONGEST_WAIT);
        let until = last + wait;
        (until > now).then(|| until - now)
    }

    /// Counts a failed attempt.
    pub fn failed(&mut self, key: &str, now: Instant) {
        if self.failures.len() >= KEYS_MAX {
            self.failures
                .retain(|_, (_, last)| now.saturating_duration_since(*last) <= LONGEST_WAIT);
        }
        let entry = self.failures.entry(key.to_owned()).or_insert((0, now));
        if now.saturating_duration_since(entry.1) > MEMORY {
            entry.0 = 0;
        }
        entry.0 = entry.0.saturating_add(1);
        entry.1 = now;
    }

    /// Forgets a key's failures (it signed in).
    pub fn succeeded(&mut self, key: &str) {
        self.failures.remove(key);
    }

    /// Takes back one failure: attempts are counted when they start, so that many at once
    /// cannot all pass before the first fails, and one that succeeds is taken back.
    pub fn forgive_one(&mut self, key: &str) {
        if let Some(entry) = self.failures.get_mut(key) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }

    /// Counts an attempt as a failure before it is made, unless `key` must wait: then the
    /// wait.
    pub fn attempt(&mut self, key: &str, now: Instant) -> Result<(), Duration> {
        match self.wait(key, now) {
            Some(wait) => Err(wait),
            None => {
                self.failed(key, now);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures_and_end() {
        let t0 = Instant::now();
        let mut t = Throttle::new(5);
        for i in 0..5 {
            assert_eq!(t.wait("okafor", t0), None, "failure {i} is free");
            t.failed("okafor", t0);
        }
        assert_eq!(t.wait("okafor", t0), Some(Duration::from_secs(15)));
        assert_eq!(t.wait("someone else", t0), None);
        let later = t0 + Duration::from_secs(16);
        assert_eq!(t.wait("okafor", later), None);
        t.failed("okafor", later);
        assert_eq!(t.wait("okafor", later), Some(Duration::from_secs(30)));
        for _ in 0..20 {
            t.failed("okafor", later);
        }
        assert_eq!(t.wait("okafor", later), Some(LONGEST_WAIT));
        assert_eq!(
            t.wait("okafor", later + MEMORY + Duration::from_secs(1)),
            None
        );
        t.succeeded("okafor");
        assert_eq!(t.wait("okafor", later), None);
        // Counted as they start: the sixth of six at once must wait.
        let results: Vec<bool> = (0..6).map(|_| t.attempt("ws", t0).is_ok()).collect();
        assert_eq!(results, [true, true, true, true, true, false]);
        t.forgive_one("ws");
        assert!(t.attempt("ws", t0).is_ok());
    }
}
