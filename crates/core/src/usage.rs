//! Usage statistics in the cache: daily counts, never who (the protocol's `usage` module
//! says what each metric is).
//!
//! Every count is written when it happens, in its own small transaction with its day's
//! change counter, so a crash loses none and a restart doubles none. A report for the hub
//! holds each day that changed since it was last sent, whole; once the hub has taken it, the
//! day's counter as it was read is recorded, so a day is sent again only when it changed
//! again (and the hub replaces it, so nothing is counted twice).

use commons_protocol::usage::{
    self, EMPTY_SEARCH_SESSIONS_MIN, EmptySearch, Metric, REPORT_DAYS_MAX,
    REPORT_EMPTY_SEARCHES_MAX, UsageCount, UsageDay, UsageReport, UsageScope, UsageSummary,
};
use jiff::civil::Date;
use rusqlite::{OptionalExtension, params};

use crate::store::{Store, StoreError};

/// `YYYY-MM` of a day.
pub fn month_of(day: Date) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// Adds `n` to one count of `day`.
pub fn add(
    store: &Store,
    day: Date,
    metric: Metric,
    discipline: &str,
    subject: &str,
    n: u64,
) -> Result<(), StoreError> {
    if n == 0 {
        return Ok(());
    }
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    let day = day.to_string();
    let tx = store
        .conn()
        .unchecked_transaction()
        .map_err(|e| store.err(e))?;
    tx.execute(
        "INSERT INTO usage_counts(day, metric, discipline, subject, count)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(day, metric, discipline, subject) DO UPDATE SET count = count + excluded.count",
        params![day, metric.as_str(), discipline, subject, n],
    )
    .map_err(|e| store.err(e))?;
    tx.execute(
        "INSERT INTO usage_days(day, changes) VALUES (?1, 1)
         ON CONFLICT(day) DO UPDATE SET changes = changes + 1",
        [&day],
    )
    .map_err(|e| store.err(e))?;
    tx.commit().map_err(|e| store.err(e))
}

/// The keyed digest a zero-result text is counted under (the key made once per cache).
fn digest(store: &Store, text: &str) -> Result<String, StoreError> {
    // SQLite's randomblob draws from the system's randomness.
    store
        .conn()
        .execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('usage_key', hex(randomblob(32)))",
            [],
        )
        .map_err(|e| store.err(e))?;
    let key = crate::consortium::meta_value(store, "usage_key")?.unwrap_or_default();
    Ok(commons_protocol::Sha256::of(format!("{key}\n{text}").as_bytes()).to_string())
}

/// Counts one more patron session that typed `text` (already normalised) and found nothing.
/// The text itself is stored only once the threshold of sessions is reached.
pub fn add_empty_search(store: &Store, day: Date, text: &str) -> Result<(), StoreError> {
    if text.is_empty() {
        return Ok(());
    }
    let digest = digest(store, text)?;
    store
        .conn()
        .execute(
            "INSERT INTO usage_empty_searches(month, digest, sessions) VALUES (?1, ?2, 1)
             ON CONFLICT(month, digest) DO UPDATE SET sessions = sessions + 1",
            params![month_of(day), digest],
        )
        .map_err(|e| store.err(e))?;
    store
        .conn()
        .execute(
            "UPDATE usage_empty_searches SET text = ?3
             WHERE month = ?1 AND digest = ?2 AND text IS NULL AND sessions >= ?4",
            params![month_of(day), digest, text, EMPTY_SEARCH_SESSIONS_MIN],
        )
        .map_err(|e| store.err(e))?;
    Ok(())
}

/// What a report sends: the days it holds with their change counters as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    pub report: UsageReport,
    pub changes: Vec<(Date, i64)>,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        self.report.days.is_empty() && self.report.empty_searches.is_empty()
    }
}

/// The next report: up to `REPORT_DAYS_MAX` days that changed since they were sent, oldest
/// first, and the texts of searches that found nothing in at least the threshold of
/// sessions, this month and the last (those are sent with every report, so a text that
/// reaches the threshold late is sent, and the hub keeps the highest count).
pub fn pending(store: &Store, today: Date) -> Result<Pending, StoreError> {
    let conn = store.conn();
    let tx = conn.unchecked_transaction().map_err(|e| store.err(e))?;
    let days: Vec<(String, i64)> = {
        let mut stmt = tx
            .prepare_cached(
                "SELECT day, changes FROM usage_days WHERE changes <> sent ORDER BY day LIMIT ?1",
            )
            .map_err(|e| store.err(e))?;
        stmt.query_map([REPORT_DAYS_MAX as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| store.err(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| store.err(e))?
    };
    let mut out = Pending::default();
    for (day, changes) in days {
        let Ok(date) = day.parse::<Date>() else {
            continue;
        };
        let mut stmt = tx
            .prepare_cached(
                "SELECT metric, discipline, subject, count FROM usage_counts
                 WHERE day = ?1 AND count > 0 ORDER BY metric, discipline, subject",
            )
            .map_err(|e| store.err(e))?;
        let counts = stmt
            .query_map([&day], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(|e| store.err(e))?
            .filter_map(|r| match r {
                Ok((metric, discipline, subject, count)) => Metric::parse(&metric).map(|metric| {
                    Ok(UsageCount {
                        metric,
                        discipline,
                        subject,
                        count: u64::try_from(count).unwrap_or(0).min(usage::DAY_COUNT_MAX),
                    })
                }),
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| store.err(e))?;
        out.report.days.push(UsageDay { day: date, counts });
        out.changes.push((date, changes));
    }
    let last_month = today
        .first_of_month()
        .yesterday()
        .map(month_of)
        .unwrap_or_else(|_| month_of(today));
    let mut stmt = tx
        .prepare_cached(
            "SELECT month, text, sessions FROM usage_empty_searches
             WHERE month >= ?1 AND sessions >= ?2 AND text IS NOT NULL
             ORDER BY month, sessions DESC, text LIMIT ?3",
        )
        .map_err(|e| store.err(e))?;
    out.report.empty_searches = stmt
        .query_map(
            params![
                last_month,
                EMPTY_SEARCH_SESSIONS_MIN,
                REPORT_EMPTY_SEARCHES_MAX as i64
            ],
            |r| {
                Ok(EmptySearch {
                    month: r.get(0)?,
                    text: r.get(1)?,
                    sessions: r.get(2)?,
                })
            },
        )
        .map_err(|e| store.err(e))?
        .collect::<Result<_, _>>()
        .map_err(|e| store.err(e))?;
    Ok(out)
}

/// Records that the hub took these days as they were read (a day counted since stays
/// pending).
pub fn mark_sent(store: &Store, changes: &[(Date, i64)]) -> Result<(), StoreError> {
    let tx = store
        .conn()
        .unchecked_transaction()
        .map_err(|e| store.err(e))?;
    for (day, n) in changes {
        tx.execute(
            "UPDATE usage_days SET sent = ?2 WHERE day = ?1",
            params![day.to_string(), n],
        )
        .map_err(|e| store.err(e))?;
    }
    tx.commit().map_err(|e| store.err(e))
}

/// Forgets what is no longer needed: the texts of months that have closed under the
/// threshold (they never leave the workstation), texts older than last month, and days
/// older than `keep_days` (sent ones only, when a hub takes them).
pub fn tidy(store: &Store, today: Date, keep_days: i64, sent_only: bool) -> Result<(), StoreError> {
    let month = month_of(today);
    let last_month = today
        .first_of_month()
        .yesterday()
        .map(month_of)
        .unwrap_or_else(|_| month.clone());
    let oldest = today
        .checked_sub(jiff::Span::new().days(keep_days))
        .unwrap_or(today)
        .to_string();
    let tx = store
        .conn()
        .unchecked_transaction()
        .map_err(|e| store.err(e))?;
    tx.execute(
        "DELETE FROM usage_empty_searches
         WHERE (month < ?1 AND sessions < ?3) OR month < ?2",
        params![month, last_month, EMPTY_SEARCH_SESSIONS_MIN],
    )
    .map_err(|e| store.err(e))?;
    let (counts, days) = if sent_only {
        (
            "DELETE FROM usage_counts WHERE day < ?1
             AND day IN (SELECT day FROM usage_days WHERE changes = sent)",
            "DELETE FROM usage_days WHERE day < ?1 AND changes = sent",
        )
    } else {
        (
            "DELETE FROM usage_counts WHERE day < ?1",
            "DELETE FROM usage_days WHERE day < ?1",
        )
    };
    for sql in [counts, days] {
        tx.execute(sql, [&oldest]).map_err(|e| store.err(e))?;
    }
    tx.commit().map_err(|e| store.err(e))
}

/// This workstation's own counts for `from`–`to`, summarised as the hub summarises.
pub fn summary(store: &Store, from: Date, to: Date) -> Result<UsageSummary, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT day, metric, discipline, subject, count FROM usage_counts
             WHERE day >= ?1 AND day <= ?2",
        )
        .map_err(|e| store.err(e))?;
    let rows: Vec<(Date, Metric, String, String, u64)> = stmt
        .query_map(params![from.to_string(), to.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .map_err(|e| store.err(e))?
        .filter_map(|r| match r {
            Ok((day, metric, d, s, n)) => Some(Ok((
                day.parse().ok()?,
                Metric::parse(&metric)?,
                d,
                s,
                u64::try_from(n).unwrap_or(0),
            ))),
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| store.err(e))?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT month, text, sessions FROM usage_empty_searches WHERE text IS NOT NULL",
        )
        .map_err(|e| store.err(e))?;
    let empty: Vec<EmptySearch> = stmt
        .query_map([], |r| {
            Ok(EmptySearch {
                month: r.get(0)?,
                text: r.get(1)?,
                sessions: r.get(2)?,
            })
        })
        .map_err(|e| store.err(e))?
        .collect::<Result<_, _>>()
        .map_err(|e| store.err(e))?;
    Ok(usage::summarize(
        UsageScope::Workstation,
        from,
        to,
        rows.iter()
            .map(|(day, m, d, s, n)| (*day, *m, d.as_str(), s.as_str(), *n)),
        empty,
    ))
}

/// The first column of the first row `sql` finds for `id`, or empty.
fn one(store: &Store, sql: &str, id: &str) -> Result<String, StoreError> {
    store
        .conn()
        .query_row(sql, [id], |r| r.get::<_, String>(0))
        .optional()
        .map(Option::unwrap_or_default)
        .map_err(|e| store.err(e))
}

/// The top-level discipline of a record (the first, by id), or empty.
pub fn record_discipline(store: &Store, record_id: &str) -> Result<String, StoreError> {
    one(
        store,
        "SELECT coalesce(d.parent_id, d.id) FROM record_disciplines rd
         JOIN disciplines d ON d.id = rd.discipline_id
         WHERE rd.record_id = ?1 ORDER BY coalesce(d.parent_id, d.id) LIMIT 1",
        record_id,
    )
}

/// The top-level discipline of a resource (a best bet's first), or empty.
pub fn resource_discipline(store: &Store, resource_id: &str) -> Result<String, StoreError> {
    one(
        store,
        "SELECT coalesce(d.parent_id, d.id) FROM resource_disciplines rd
         JOIN disciplines d ON d.id = rd.discipline_id
         WHERE rd.resource_id = ?1
         ORDER BY rd.best_bet DESC, coalesce(d.parent_id, d.id) LIMIT 1",
        resource_id,
    )
}

/// The top-level discipline of a discipline id the page names (empty if it is unknown).
pub fn top_discipline(store: &Store, id: &str) -> Result<String, StoreError> {
    one(
        store,
        "SELECT coalesce(parent_id, id) FROM disciplines WHERE id = ?1",
        id,
    )
}

/// The sections of the statistics screen that export as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Weeks,
    Disciplines,
    Resources,
    Documents,
    EmptySearches,
    Hours,
}

impl Section {
    pub fn name(self) -> &'static str {
        match self {
            Section::Weeks => "weeks",
            Section::Disciplines => "disciplines",
            Section::Resources => "resources",
            Section::Documents => "documents",
            Section::EmptySearches => "empty-searches",
            Section::Hours => "hours",
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub(crate) fn csv_lines(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for row in rows {
        out.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

/// Names for the CSV: a resource's or document's title by id, and its yearly cost.
pub trait Names {
    fn resource(&self, id: &str) -> (String, Option<u64>);
    fn document(&self, sha: &str) -> String;
}

/// One section of a summary as CSV (RFC 4180).
pub fn csv(summary: &UsageSummary, section: Section, names: &dyn Names) -> String {
    let metric_header: Vec<&str> = Metric::ALL.iter().map(|m| m.as_str()).collect();
    let group_rows = |groups: &[usage::Group]| -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| {
                let mut row = vec![g.key.clone()];
                row.extend(Metric::ALL.iter().map(|m| {
                    g.counts
                        .iter()
                        .find(|c| c.metric == *m)
                        .map_or(0, |c| c.count)
                        .to_string()
                }));
                row
            })
            .collect()
    };
    // A yearly cost is spread over the period's share of a year.
    let year_share = f64::from((summary.to - summary.from).get_days().max(0) + 1) / 365.0;
    match section {
        Section::Weeks => {
            let mut header = vec!["week"];
            header.extend(&metric_header);
            csv_lines(&header, group_rows(&summary.by_week))
        }
        Section::Disciplines => {
            let mut header = vec!["discipline"];
            header.extend(&metric_header);
            csv_lines(&header, group_rows(&summary.by_discipline))
        }
        Section::Resources => csv_lines(
            &[
                "resource",
                "name",
                "opens",
                "yearly_cost",
                "period_cost_per_use",
            ],
            summary.resources.iter().map(|r| {
                let (name, cost) = names.resource(&r.id);
                vec![
                    r.id.clone(),
                    name,
                    r.opens.to_string(),
                    cost.map(|c| c.to_string()).unwrap_or_default(),
                    cost.filter(|_| r.opens > 0)
                        .map(|c| format!("{:.2}", c as f64 * year_share / r.opens as f64))
                        .unwrap_or_default(),
                ]
            }),
        ),
        Section::Documents => csv_lines(
            &["sha256", "title", "opens", "pages_read"],
            summary.documents.iter().map(|d| {
                vec![
                    d.id.clone(),
                    names.document(&d.id),
                    d.opens.to_string(),
                    d.pages.to_string(),
                ]
            }),
        ),
        Section::EmptySearches => csv_lines(
            &["text", "sessions"],
            summary
                .empty_searches
                .iter()
                .map(|e| vec![e.text.clone(), e.sessions.to_string()]),
        ),
        Section::Hours => csv_lines(
            &["hour", "sessions"],
            summary
                .sessions_by_hour
                .iter()
                .enumerate()
                .map(|(h, n)| vec![format!("{h:02}"), n.to_string()]),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn store() -> Store {
        Store::open_in_memory().unwrap()
    }

    #[test]
    fn a_day_counted_while_it_is_sent_stays_pending() {
        let s = store();
        let today = date(2026, 11, 30);
        add(&s, today, Metric::Search, "", "", 2).unwrap();
        add(
            &s,
            date(2026, 11, 29),
            Metric::ResourceOpen,
            "physics",
            "res-arxiv",
            1,
        )
        .unwrap();
        let first = pending(&s, today).unwrap();
        assert_eq!(first.report.days.len(), 2);
        assert_eq!(first.report.days[0].day, date(2026, 11, 29), "oldest first");
        assert_eq!(first.report.problem(), None);
        // Counted after the report was read, before the hub answered.
        add(&s, today, Metric::Search, "", "", 1).unwrap();
        mark_sent(&s, &first.changes).unwrap();
        let next = pending(&s, today).unwrap();
        assert_eq!(next.report.days.len(), 1);
        assert_eq!(next.report.days[0].counts[0].count, 3, "the day goes whole");
        mark_sent(&s, &next.changes).unwrap();
        assert!(pending(&s, today).unwrap().is_empty());
    }

    #[test]
    fn texts_under_the_threshold_never_leave_and_are_forgotten_when_their_month_closes() {
        let s = store();
        let nov = date(2026, 11, 20);
        for _ in 0..4 {
            add_empty_search(&s, nov, "quantum foam").unwrap();
        }
        for _ in 0..5 {
            add_empty_search(&s, nov, "dark matter").unwrap();
        }
        // Under the threshold, the text itself is not in the file.
        let readable: Vec<String> = s
            .conn()
            .prepare("SELECT text FROM usage_empty_searches WHERE text IS NOT NULL")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(readable, vec!["dark matter".to_owned()]);
        let sent = pending(&s, nov).unwrap().report.empty_searches;
        assert_eq!(sent.len(), 1);
        assert_eq!(
            (sent[0].text.as_str(), sent[0].sessions),
            ("dark matter", 5)
        );
        // December: November's rare text is gone, its frequent one is still sent.
        let dec = date(2026, 12, 2);
        tidy(&s, dec, 400, true).unwrap();
        let left: Vec<String> = s
            .conn()
            .prepare("SELECT coalesce(text, digest) FROM usage_empty_searches")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(left, vec!["dark matter".to_owned()]);
        // Two months on, nothing of November is kept.
        tidy(&s, date(2027, 1, 3), 400, true).unwrap();
        assert!(
            pending(&s, date(2027, 1, 3))
                .unwrap()
                .report
                .empty_searches
                .is_empty()
        );
    }

    #[test]
    fn old_days_go_only_once_the_hub_has_them() {
        let s = store();
        let old = date(2025, 1, 1);
        add(&s, old, Metric::Search, "", "", 1).unwrap();
        let today = date(2026, 11, 30);
        tidy(&s, today, 400, true).unwrap();
        assert_eq!(
            pending(&s, today).unwrap().report.days.len(),
            1,
            "not sent yet"
        );
        let p = pending(&s, today).unwrap();
        mark_sent(&s, &p.changes).unwrap();
        tidy(&s, today, 400, true).unwrap();
        let n: i64 = s
            .conn()
            .query_row("SELECT count(*) FROM usage_counts", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn csv_sections_quote_and_spread_costs() {
        struct N;
        impl Names for N {
            fn resource(&self, _: &str) -> (String, Option<u64>) {
                ("JSTOR, Arts \"II\"".into(), Some(3650))
            }
            fn document(&self, _: &str) -> String {
                "A thesis".into()
            }
        }
        let s = store();
        let day = date(2026, 11, 30);
        add(&s, day, Metric::ResourceOpen, "", "res-jstor", 4).unwrap();
        let summary = summary(&s, day, day).unwrap();
        let text = csv(&summary, Section::Resources, &N);
        assert_eq!(
            text,
            "resource,name,opens,yearly_cost,period_cost_per_use\r\n\
             res-jstor,\"JSTOR, Arts \"\"II\"\"\",4,3650,2.50\r\n"
        );
        let hours = csv(&summary, Section::Hours, &N);
        assert_eq!(hours.lines().count(), 25);
    }
}
