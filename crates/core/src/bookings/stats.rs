//! Consultation statistics: per discipline, week, librarian and service point, READ levels
//! and the no-show rate; exported as CSV. Only anonymised fields are read, so statistics
//! survive the purge of personal data.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::store::{Store, StoreError};

/// One consultation as statistics see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub starts: Timestamp,
    /// ISO week in the library's time zone, `2026-W10`.
    pub week: String,
    pub librarian: String,
    pub library: String,
    pub type_id: String,
    /// Top-level discipline id, or empty.
    pub discipline: String,
    pub status: String,
    pub read_level: Option<i64>,
}

/// The aggregates the statistics screen charts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Statistics {
    /// Consultations booked and not cancelled.
    pub total: u64,
    pub completed: u64,
    pub no_shows: u64,
    pub cancelled: u64,
    /// No-shows among consultations whose time has come (completed, checked in or no-show).
    pub no_show_rate: f64,
    pub by_discipline: Vec<(String, u64)>,
    pub by_week: Vec<(String, u64)>,
    pub by_librarian: Vec<(String, u64)>,
    pub by_library: Vec<(String, u64)>,
    /// Completed consultations at READ levels 1–6.
    pub read_levels: [u64; 6],
}

/// Every consultation (cancelled ones too) from `from` on, oldest first.
pub fn rows(store: &Store, from: Option<Timestamp>) -> Result<Vec<Row>, StoreError> {
    let conn = store.conn();
    let mut stmt = conn
        .prepare_cached(
            "SELECT b.starts_at, l.name, lib.name, lib.time_zone, b.type_id,
                    coalesce(d.parent_id, d.id, ''), b.status, b.read_level
             FROM bookings b JOIN librarians l ON l.id = b.librarian_id
             JOIN libraries lib ON lib.id = l.library_id
             LEFT JOIN disciplines d ON d.id = b.discipline_id
             WHERE ?1 IS NULL OR b.starts_at >= ?1
             ORDER BY b.starts_at",
        )
        .map_err(|e| store.err(e))?;
    let from = from.map(super::stamp);
    let found = stmt
        .query_map([from], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Option<i64>>(7)?,
            ))
        })
        .map_err(|e| store.err(e))?;
    let mut out = Vec::new();
    for row in found {
        let (starts, librarian, library, zone, type_id, discipline, status, read_level) =
            row.map_err(|e| store.err(e))?;
        let Some(starts) = super::parse_stamp(&starts) else {
            continue;
        };
        let week = jiff::tz::TimeZone::get(&zone)
            .map(|tz| starts.to_zoned(tz).date())
            .unwrap_or_else(|_| starts.to_zoned(jiff::tz::TimeZone::UTC).date())
            .iso_week_date();
        out.push(Row {
            starts,
            week: format!("{}-W{:02}", week.year(), week.week()),
            librarian,
            library,
            type_id,
            discipline,
            status,
            read_level,
        });
    }
    Ok(out)
}

fn sorted(map: BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<_> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Aggregates rows.
pub fn aggregate(rows: &[Row]) -> Statistics {
    let mut s = Statistics::default();
    let (mut discipline, mut week, mut librarian, mut library) = (
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
        BTreeMap::new(),
    );
    let mut arrived = 0u64;
    for r in rows {
        if r.status == "cancelled" {
            s.cancelled += 1;
            continue;
        }
        s.total += 1;
        *discipline.entry(r.discipline.clone()).or_insert(0) += 1;
        *week.entry(r.week.clone()).or_insert(0) += 1;
        *librarian.entry(r.librarian.clone()).or_insert(0) += 1;
        *library.entry(r.library.clone()).or_insert(0) += 1;
        match r.status.as_str() {
            "completed" => {
                s.completed += 1;
                arrived += 1;
                if let Some(level) = r.read_level
                    && (1..=6).contains(&level)
                {
                    s.read_levels[(level - 1) as usize] += 1;
                }
            }
            "checked_in" => arrived += 1,
            "no_show" => s.no_shows += 1,
            _ => {}
        }
    }
    let due = arrived + s.no_shows;
    s.no_show_rate = if due == 0 {
        0.0
    } else {
        s.no_shows as f64 / due as f64
    };
    s.by_discipline = sorted(discipline);
    let mut weeks: Vec<_> = week.into_iter().collect();
    weeks.sort();
    s.by_week = weeks;
    s.by_librarian = sorted(librarian);
    s.by_library = sorted(library);
    s
}

/// The anonymised rows as CSV (RFC 4180), one consultation a line.
pub fn csv(rows: &[Row]) -> String {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = String::from(
        "starts_utc,week,librarian,service_point,type,discipline,status,read_level\r\n",
    );
    for r in rows {
        let line = [
            super::stamp(r.starts),
            r.week.clone(),
            r.librarian.clone(),
            r.library.clone(),
            r.type_id.clone(),
            r.discipline.clone(),
            r.status.clone(),
            r.read_level.map(|l| l.to_string()).unwrap_or_default(),
        ]
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out
}
