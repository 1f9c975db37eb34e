//! The consortium as the home screen shows it: its name, member libraries, what the cache
//! holds and how fresh it is.

use rusqlite::OptionalExtension;

use crate::store::{Store, StoreError};

/// A member library (the central library or a branch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    pub id: String,
    pub parent_id: Option<String>,
    pub is_central: bool,
    pub name: String,
    pub name_zh: String,
    pub city: String,
    pub city_zh: String,
    /// IANA time zone, e.g. `America/Chicago`.
    pub time_zone: String,
    /// Items (copies) this library holds.
    pub items: u64,
    /// Of those, items on the shelf now.
    pub available: u64,
}

/// How many of each thing the cache holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub records: u64,
    pub items: u64,
    pub libraries: u64,
    pub disciplines: u64,
    pub resources: u64,
    pub documents: u64,
    pub librarians: u64,
}

/// Where the cache's data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSource {
    /// The embedded demo consortium (standalone, no hub).
    Demo,
    /// The consortium hub.
    Hub,
    /// This library's own data (production, standalone).
    Local,
}

/// Everything the home screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub name: String,
    pub name_zh: String,
    pub source: DataSource,
    /// When the cache was last brought up to date (seeded or synchronised).
    pub refreshed_at: Option<jiff::Timestamp>,
    pub libraries: Vec<Library>,
    pub counts: Counts,
}

/// A value of the cache's `meta` table.
pub fn meta_value(store: &Store, key: &str) -> Result<Option<String>, StoreError> {
    store
        .conn()
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
        .map_err(|e| store.err(e))
}

/// Reads the overview of the consortium from the cache.
pub fn overview(store: &Store) -> Result<Overview, StoreError> {
    let conn = store.conn();
    let sql = |e| store.err(e);
    let count = |table: &str| -> Result<u64, StoreError> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n.unsigned_abs())
        .map_err(sql)
    };
    let counts = Counts {
        records: count("records")?,
        // Kept per library as holdings are written (`library_holdings`): counting the
        // holdings themselves reads every one of them.
        items: conn
            .query_row(
                "SELECT coalesce(sum(items), 0) FROM library_holdings",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n.unsigned_abs())
            .map_err(sql)?,
        libraries: count("libraries")?,
        disciplines: count("disciplines")?,
        resources: count("resources")?,
        documents: count("documents")?,
        librarians: count("librarians")?,
    };
    let mut stmt = conn
        .prepare(
            "SELECT l.id, l.parent_id, l.kind, l.name, l.name_zh, l.city, l.city_zh, l.time_zone,
                    coalesce(h.items, 0), coalesce(h.available, 0)
             FROM libraries l LEFT JOIN library_holdings h ON h.library_id = l.id
             ORDER BY l.kind = 'branch', l.position, l.name",
        )
        .map_err(sql)?;
    let libraries = stmt
        .query_map([], |r| {
            Ok(Library {
                id: r.get(0)?,
                parent_id: r.get(1)?,
                is_central: r.get::<_, String>(2)? == "central",
                name: r.get(3)?,
                name_zh: r.get(4)?,
                city: r.get(5)?,
                city_zh: r.get(6)?,
                time_zone: r.get(7)?,
                items: r.get::<_, i64>(8)?.unsigned_abs(),
                available: r.get::<_, i64>(9)?.unsigned_abs(),
            })
        })
        .map_err(sql)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql)?;
    let refreshed_at = meta_value(store, "refreshed_at")?.and_then(|s| s.parse().ok());
    let source = match meta_value(store, "source")?.as_deref() {
        Some("hub") => DataSource::Hub,
        Some("local") => DataSource::Local,
        _ => DataSource::Demo,
    };
    Ok(Overview {
        name: meta_value(store, "consortium_name")?.unwrap_or_default(),
        name_zh: meta_value(store, "consortium_name_zh")?.unwrap_or_default(),
        source,
        refreshed_at,
        libraries,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    #[test]
    fn overview_of_an_empty_cache_is_empty_not_an_error() {
        let store = Store::open_in_memory().unwrap();
        let o = overview(&store).unwrap();
        assert_eq!(o.counts, Counts::default());
        assert!(o.libraries.is_empty());
        assert!(o.refreshed_at.is_none());
    }

    #[test]
    fn overview_of_the_demo_consortium() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        let before = jiff::Timestamp::now();
        demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
        let o = overview(&store).unwrap();
        assert_eq!(o.name, "Meridian Library Consortium");
        assert_eq!(o.name_zh, "子午线图书馆联盟");
        assert_eq!(o.source, DataSource::Demo);
        assert!(
            o.refreshed_at.unwrap()
                >= before.round(jiff::Unit::Second).unwrap() - jiff::SignedDuration::from_secs(1)
        );
        // The central library comes first, then the branches in their listed order.
        assert!(o.libraries[0].is_central);
        assert!(o.libraries[1..].iter().all(|l| !l.is_central));
        assert_eq!(o.counts.libraries as usize, o.libraries.len());
        let items: u64 = o.libraries.iter().map(|l| l.items).sum();
        assert_eq!(items, o.counts.items);
        assert!(
            o.libraries
                .iter()
                .all(|l| l.available <= l.items && l.items > 0)
        );
        let zones: std::collections::BTreeSet<_> =
            o.libraries.iter().map(|l| l.time_zone.as_str()).collect();
        assert!(
            zones.len() >= 3,
            "branches in several time zones: {zones:?}"
        );
    }

    /// A library's id, its holdings and those available.
    type Counted = Vec<(String, u64, u64)>;

    /// Each library's counts as the overview shows them, against counting the holdings.
    fn kept_and_counted(store: &Store) -> (Counted, Counted) {
        let kept = overview(store)
            .unwrap()
            .libraries
            .into_iter()
            .filter(|l| l.items > 0)
            .map(|l| (l.id, l.items, l.available))
            .collect();
        let counted = store
            .conn()
            .prepare(
                "SELECT library_id, count(*), count(*) FILTER (WHERE status = 'available')
                 FROM holdings GROUP BY library_id ORDER BY library_id",
            )
            .unwrap()
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get::<_, i64>(1)?.unsigned_abs(),
                    r.get::<_, i64>(2)?.unsigned_abs(),
                ))
            })
            .unwrap()
            .collect::<Result<Counted, _>>()
            .unwrap();
        let mut kept: Counted = kept;
        kept.sort();
        (kept, counted)
    }

    #[test]
    fn each_librarys_counts_follow_every_write_of_holdings() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
        let (kept, counted) = kept_and_counted(&store);
        assert!(!kept.is_empty());
        assert_eq!(kept, counted, "after seeding");

        let conn = store.conn();
        // A status changes, a holding moves to another library, a record goes (its holdings
        // with it, by cascade), a holding is added.
        conn.execute(
            "UPDATE holdings SET status = CASE status WHEN 'available' THEN 'on_loan' ELSE 'available' END
             WHERE (record_id, id) IN (SELECT record_id, id FROM holdings ORDER BY record_id LIMIT 7)",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE holdings SET library_id = (SELECT max(id) FROM libraries)
             WHERE (record_id, id) = (SELECT record_id, id FROM holdings
                                      WHERE library_id <> (SELECT max(id) FROM libraries) LIMIT 1)",
            [],
        )
        .unwrap();
        let gone: String = conn
            .query_row("SELECT record_id FROM holdings LIMIT 1", [], |r| r.get(0))
            .unwrap();
        conn.execute("DELETE FROM records WHERE id = ?1", [&gone])
            .unwrap();
        conn.execute(
            "INSERT INTO holdings(id, record_id, library_id, call_number, location, status)
             SELECT id || '#extra', id, (SELECT min(id) FROM libraries), 'X 1', 'Stacks', 'available'
             FROM records LIMIT 1",
            [],
        )
        .unwrap();
        let (kept, counted) = kept_and_counted(&store);
        assert_eq!(kept, counted, "after updates, a cascade and an insert");

        demo::remove(&store, &dir.path().join("documents")).unwrap();
        let o = overview(&store).unwrap();
        assert_eq!(o.counts.items, 0);
        assert!(o.libraries.is_empty());
    }
}
