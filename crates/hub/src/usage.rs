//! Usage statistics on the hub: each workstation's days, replaced whole when sent again (so
//! a retry or a day that grew is never counted twice), and the summary a librarian reads:
//! her library's (the libraries of the tokens its workstations use), or the consortium's
//! for an account with the `office` role.
//!
//! What a workstation may claim is bounded by the protocol (`UsageReport::problem`); a
//! zero-result text under the threshold is dropped here again, whatever a workstation sent.

use commons_protocol::usage::{
    self, EMPTY_SEARCH_SESSIONS_MIN, EmptySearch, Metric, UsageAccepted, UsageQuery, UsageReport,
    UsageScope, UsageSummary,
};
use jiff::civil::Date;

use crate::db::{Db, HubError};

/// The longest period one summary covers.
pub const PERIOD_DAYS_MAX: i32 = 3660;

/// Takes a workstation's report (the token's SHA-256 names it): each day replaces what the
/// hub held for that workstation and day, in one transaction.
pub async fn record(
    db: &Db,
    token_hash: &str,
    report: &UsageReport,
) -> Result<UsageAccepted, HubError> {
    if let Some(problem) = report.problem() {
        return Err(HubError::Invalid(problem));
    }
    let mut client = db.pool.get().await?;
    let tx = client.transaction().await?;
    let Some(token) = tx
        .query_opt(
            "SELECT id FROM tokens WHERE hash = $1 AND revoked_at IS NULL",
            &[&token_hash],
        )
        .await?
    else {
        return Err(HubError::Invalid("the token is not live".into()));
    };
    let token: i64 = token.get(0);
    let delete = tx
        .prepare("DELETE FROM usage_counts WHERE token_id = $1 AND day = $2::text::date")
        .await?;
    let insert = tx
        .prepare(
            "INSERT INTO usage_counts(token_id, day, metric, discipline, subject, count)
             SELECT $1, $2::text::date, m, d, s, c
             FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[]) AS t(m, d, s, c)
             WHERE c > 0",
        )
        .await?;
    for day in &report.days {
        let date = day.day.to_string();
        tx.execute(&delete, &[&token, &date]).await?;
        let metrics: Vec<&str> = day.counts.iter().map(|c| c.metric.as_str()).collect();
        let disciplines: Vec<&str> = day.counts.iter().map(|c| c.discipline.as_str()).collect();
        let subjects: Vec<&str> = day.counts.iter().map(|c| c.subject.as_str()).collect();
        let counts: Vec<i64> = day
            .counts
            .iter()
            .map(|c| i64::try_from(c.count).unwrap_or(i64::MAX))
            .collect();
        tx.execute(
            &insert,
            &[&token, &date, &metrics, &disciplines, &subjects, &counts],
        )
        .await?;
    }
    let mut kept = 0u32;
    for e in &report.empty_searches {
        let text = usage::normalize_query(&e.text);
        if e.sessions < EMPTY_SEARCH_SESSIONS_MIN || text.is_empty() {
            continue;
        }
        tx.execute(
            "INSERT INTO usage_empty_searches(token_id, month, text, sessions)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (token_id, month, text)
             DO UPDATE SET sessions = greatest(usage_empty_searches.sessions, excluded.sessions)",
            &[
                &token,
                &e.month,
                &text,
                &i32::try_from(e.sessions).unwrap_or(i32::MAX),
            ],
        )
        .await?;
        kept += 1;
    }
    tx.commit().await?;
    Ok(UsageAccepted {
        days: u32::try_from(report.days.len()).unwrap_or(u32::MAX),
        empty_searches: kept,
    })
}

/// Why a summary is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A librarian whose account the roster does not tie to a library.
    NoLibrary,
    /// The period is backwards or too long.
    Period(String),
    /// The office named a library the hub does not know.
    UnknownLibrary(String),
}

/// The summary for the account `username` asks for: the office's choice of scope, a
/// librarian's own library whatever she asks.
pub async fn summary(
    db: &Db,
    username: &str,
    query: &UsageQuery,
) -> Result<Result<UsageSummary, Refusal>, HubError> {
    if query.to < query.from {
        return Ok(Err(Refusal::Period(
            "the period ends before it begins".into(),
        )));
    }
    if (query.to - query.from).get_days() > PERIOD_DAYS_MAX {
        return Ok(Err(Refusal::Period(format!(
            "a period is at most {PERIOD_DAYS_MAX} days"
        ))));
    }
    let client = db.pool.get().await?;
    let account = client
        .query_opt(
            "SELECT a.role, l.library_id, lib.name
             FROM librarian_accounts a
             LEFT JOIN librarians l ON l.id = a.librarian_id
             LEFT JOIN libraries lib ON lib.id = l.library_id
             WHERE a.username = $1",
            &[&username],
        )
        .await?;
    let Some(account) = account else {
        return Ok(Err(Refusal::NoLibrary));
    };
    let office = account.get::<_, String>(0) == "office";
    let scope = if office {
        match &query.library {
            None => UsageScope::Consortium,
            Some(id) => {
                match client
                    .query_opt("SELECT name FROM libraries WHERE id = $1", &[id])
                    .await?
                {
                    Some(row) => UsageScope::Library {
                        id: id.clone(),
                        name: row.get(0),
                    },
                    None => return Ok(Err(Refusal::UnknownLibrary(id.clone()))),
                }
            }
        }
    } else {
        match (
            account.get::<_, Option<String>>(1),
            account.get::<_, Option<String>>(2),
        ) {
            (Some(id), Some(name)) => UsageScope::Library { id, name },
            _ => return Ok(Err(Refusal::NoLibrary)),
        }
    };
    let library = match &scope {
        UsageScope::Library { id, .. } => Some(id.clone()),
        _ => None,
    };
    let (from, to) = (query.from.to_string(), query.to.to_string());
    let rows = client
        .query(
            "SELECT to_char(u.day, 'YYYY-MM-DD'), u.metric, u.discipline, u.subject,
                    sum(u.count)::bigint
             FROM usage_counts u JOIN tokens t ON t.id = u.token_id
             WHERE u.day BETWEEN $1::text::date AND $2::text::date
               AND ($3::text IS NULL OR t.library_id = $3)
             GROUP BY 1, 2, 3, 4",
            &[&from, &to, &library],
        )
        .await?;
    let parsed: Vec<(Date, Metric, String, String, u64)> = rows
        .iter()
        .filter_map(|r| {
            Some((
                r.get::<_, String>(0).parse().ok()?,
                Metric::parse(r.get::<_, &str>(1))?,
                r.get::<_, String>(2),
                r.get::<_, String>(3),
                u64::try_from(r.get::<_, i64>(4)).ok()?,
            ))
        })
        .collect();
    let empty = client
        .query(
            "SELECT e.month, e.text, sum(e.sessions)::bigint
             FROM usage_empty_searches e JOIN tokens t ON t.id = e.token_id
             WHERE e.month BETWEEN $1 AND $2 AND ($3::text IS NULL OR t.library_id = $3)
             GROUP BY 1, 2",
            &[&&from[..7], &&to[..7], &library],
        )
        .await?
        .iter()
        .map(|r| EmptySearch {
            month: r.get(0),
            text: r.get(1),
            sessions: u32::try_from(r.get::<_, i64>(2)).unwrap_or(u32::MAX),
        })
        .collect::<Vec<_>>();
    Ok(Ok(usage::summarize(
        scope,
        query.from,
        query.to,
        parsed
            .iter()
            .map(|(d, m, disc, s, n)| (*d, *m, disc.as_str(), s.as_str(), *n)),
        empty,
    )))
}
