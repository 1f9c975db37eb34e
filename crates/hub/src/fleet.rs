//! The fleet view: what each workstation last said of itself (`POST /api/v1/workstation`
//! after each sync), and `commons-hub workstations`, which lists every token with its last
//! contact, its lag behind the feed, its version and any failing check.

use commons_protocol::feed::Cursor;
use commons_protocol::fleet::{HealthCheck, WorkstationReport};
use serde::Serialize;

use crate::db::{Db, HubError};

/// Records a workstation's report (the token's SHA-256 names it); the member library the
/// token names, if any.
pub async fn record(
    db: &Db,
    token_hash: &str,
    report: &WorkstationReport,
) -> Result<Option<String>, HubError> {
    if let Some(problem) = report.problem() {
        return Err(HubError::Invalid(problem));
    }
    let cursor = Cursor::parse(&report.cursor).map_or(0, |c| c.0);
    let checks =
        serde_json::to_value(&report.checks).map_err(|e| HubError::Internal(e.to_string()))?;
    let checked_at = report.checked_at.map(|t| t.to_string());
    let client = db.pool.get().await?;
    let row = client
        .query_opt(
            "UPDATE tokens SET last_seen_at = now(), version = $2, cursor = $3,
                    checked_at = $4::text::timestamptz, checks = $5
             WHERE hash = $1 AND revoked_at IS NULL RETURNING library_id",
            &[
                &token_hash,
                &report.version.trim(),
                &cursor,
                &checked_at,
                &checks,
            ],
        )
        .await?;
    Ok(row.and_then(|r| r.get(0)))
}

/// One workstation as the fleet view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub name: String,
    pub library: Option<String>,
    pub revoked: bool,
    /// RFC 3339, UTC; `None`: never reported.
    pub last_seen: Option<String>,
    pub version: Option<String>,
    /// Changes of the feed it has not applied yet (`None`: never reported).
    pub lag: Option<i64>,
    pub checked_at: Option<String>,
    /// Its checks that failed at the last report.
    pub failing: Vec<HealthCheck>,
    /// Not seen for more than the given days (or never).
    pub stale: bool,
}

/// Every token, oldest first; a live one not seen for `stale_days` days (or never) is stale.
pub async fn list(db: &Db, stale_days: u32) -> Result<Vec<Entry>, HubError> {
    let client = db.pool.get().await?;
    let head: i64 = client
        .query_one("SELECT coalesce(max(id), 0) FROM changes", &[])
        .await?
        .get(0);
    let rows = client
        .query(
            "SELECT id, name, library_id, revoked_at IS NOT NULL,
                    to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                    version, cursor,
                    to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                    checks,
                    revoked_at IS NULL AND (last_seen_at IS NULL
                        OR last_seen_at < now() - make_interval(days => $1))
             FROM tokens ORDER BY id",
            &[&i32::try_from(stale_days).unwrap_or(i32::MAX)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let checks: Vec<HealthCheck> = r
                .get::<_, Option<serde_json::Value>>(8)
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            Entry {
                id: r.get(0),
                name: r.get(1),
                library: r.get(2),
                revoked: r.get(3),
                last_seen: r.get(4),
                version: r.get(5),
                lag: r.get::<_, Option<i64>>(6).map(|c| (head - c).max(0)),
                checked_at: r.get(7),
                failing: checks.into_iter().filter(|c| !c.ok).collect(),
                stale: r.get(9),
            }
        })
        .collect())
}
