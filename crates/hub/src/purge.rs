//! Personal data ends: `retention_days` after a consultation, the hub forgets who it was
//! with and what it was about (the student's name, email, topic, description and the
//! librarian's notes), keeping what statistics need (when, with whom, which type and
//! discipline, the status and READ level). `serve` runs it every hour; `commons-hub purge`
//! runs it from cron. A resource-sharing request that ended more than `retention_days` ago
//! loses its reader (name, card number, email, note, the part and citation asked for);
//! the request and its history stay as anonymous counts. Expired librarian sessions go too.

use crate::db::{Db, HubError};

/// Days after a consultation before its personal data is purged, unless configured.
pub const RETENTION_DAYS: u32 = 90;
/// How often `serve` purges.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// What one purge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Bookings whose personal data was removed.
    pub bookings: u64,
    /// Librarian sessions that had ended.
    pub sessions: u64,
    /// Resource-sharing requests whose reader's details were removed.
    pub requests: u64,
}

/// Purges the personal data of consultations that ended more than `retention_days` before
/// `now`, and sessions unused for a day.
pub async fn personal_data(
    db: &Db,
    retention_days: u32,
    now: jiff::Timestamp,
) -> Result<Purged, HubError> {
    let cutoff = now - jiff::SignedDuration::from_hours(24 * i64::from(retention_days));
    let client = db.pool.get().await?;
    let bookings = client
        .execute(
            "UPDATE bookings SET student_name = NULL, student_email = NULL, description = NULL,
                 outcome = NULL, topic = '', updated_at = now()
             WHERE ends_at < $1
               AND (student_name IS NOT NULL OR student_email IS NOT NULL OR description IS NOT NULL
                    OR outcome IS NOT NULL OR topic <> '')",
            &[&std::time::SystemTime::from(cutoff)],
        )
        .await?;
    let requests = client
        .execute(
            "DELETE FROM sharing_patrons p USING sharing_requests r
             WHERE p.request_id = r.id AND r.closed_at < $1",
            &[&std::time::SystemTime::from(cutoff)],
        )
        .await?;
    let sessions = client
        .execute(
            "DELETE FROM librarian_sessions WHERE last_used_at < $1",
            &[&std::time::SystemTime::from(
                now - jiff::SignedDuration::from_hours(24),
            )],
        )
        .await?;
    Ok(Purged {
        bookings,
        sessions,
        requests,
    })
}

/// Purges every `EVERY` while the hub serves, and deletes delivered copies past their time
/// from the documents directory `documents` (they are never served after it in between).
pub async fn scheduler(db: Db, retention_days: u32, documents: Option<std::path::PathBuf>) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        match crate::sharing::expire_deliveries(&db, documents.as_deref()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(copies = n, "expired delivered copies deleted"),
            Err(e) => tracing::error!(error = %e, "expired delivered copies could not be deleted"),
        }
        match personal_data(&db, retention_days, jiff::Timestamp::now()).await {
            Ok(p) if p.bookings > 0 || p.sessions > 0 || p.requests > 0 => {
                tracing::info!(
                    bookings = p.bookings,
                    sessions = p.sessions,
                    requests = p.requests,
                    "personal data purged"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "the purge of personal data failed"),
        }
    }
}
