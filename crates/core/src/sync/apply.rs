//! Applying the feed: each page in one SQLite transaction that also stores the new cursor,
//! so a workstation killed at any point either has a page entirely (and its cursor) or not
//! at all: the next run asks again from the stored cursor and converges on the hub's state.
//! Applying a change twice leaves the cache as applying it once (records are upserted by id,
//! deletions of what is gone do nothing).

use commons_protocol::feed::{Change, ChangeBody, Cursor, Page};

use super::SyncError;
use crate::catalogue::import::{Follow, Original, Saved, Saving, save};
use crate::store::{Store, StoreError};

/// The cursor of the last page applied, empty before the first.
pub fn cursor(store: &Store) -> Result<String, StoreError> {
    Ok(crate::consortium::meta_value(store, "hub_cursor")?.unwrap_or_default())
}

/// What applying one page did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Records added, changed or removed: the search index must follow them.
    pub changed: Vec<String>,
    pub libraries: usize,
    /// Documents announced (their files are downloaded after the page).
    pub documents: usize,
    /// Resources added, changed or retired.
    pub resources: usize,
    /// Librarians' schedules (hours and time off) and consultation types replaced.
    pub schedules: usize,
    /// Changes that could not be read, with the reason.
    pub skipped: Vec<String>,
}

/// Applies a page and stores its cursor, in one transaction. `since` is the cursor the page
/// was asked with; a page whose `next` is before it is refused.
pub fn apply(store: &Store, since: &str, page: &Page) -> Result<Applied, SyncError> {
    apply_page(store, since, page, &mut ())
}

/// [`apply`] for a first sync's large pages, telling `follow` of every record written or
/// removed (the index follows the pages this way), with room for a large write
/// ([`Store::bulk`]).
pub fn apply_following(
    store: &Store,
    since: &str,
    page: &Page,
    follow: &mut dyn Follow,
) -> Result<Applied, SyncError> {
    store.bulk(|| apply_page(store, since, page, follow))
}

fn apply_page(
    store: &Store,
    since: &str,
    page: &Page,
    follow: &mut dyn Follow,
) -> Result<Applied, SyncError> {
    let before = Cursor::parse(since)
        .ok_or_else(|| SyncError::Untrustworthy(format!("a stored cursor `{since}`")))?;
    let next = Cursor::parse(&page.next)
        .filter(|_| !page.next.is_empty())
        .ok_or_else(|| SyncError::Untrustworthy(format!("a cursor `{}`", page.next)))?;
    if next < before || (next == before && !page.changes.is_empty()) {
        return Err(SyncError::Untrustworthy(format!(
            "a cursor that goes backwards ({} after {})",
            page.next, since
        )));
    }
    let mut applied = Applied::default();
    let tx = store.write().map_err(|e| store.err(e))?;
    let now = jiff::Timestamp::now().to_string();
    let mut saving = Saving::new(&tx).map_err(|e| store.err(e))?;
    let mut dirty = false;
    for change in &page.changes {
        let result = apply_change(&tx, change, &now, &mut saving, &mut applied, follow);
        match result {
            Ok(changed) => dirty |= changed,
            Err(ChangeError::Store(e)) => return Err(store.err(e).into()),
            Err(ChangeError::Unreadable(reason)) => applied.skipped.push(format!(
                "{} {} ({}): {reason}",
                change.kind, change.key, change.op
            )),
        }
    }
    if dirty {
        crate::search::index::bump_generation(&tx).map_err(|e| store.err(e))?;
    }
    for (key, value) in [
        ("source", "hub"),
        ("hub_cursor", page.next.as_str()),
        ("hub_synced_at", now.as_str()),
        ("refreshed_at", now.as_str()),
    ] {
        tx.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        .map_err(|e| store.err(e))?;
    }
    tx.commit().map_err(|e| store.err(e))?;
    Ok(applied)
}

enum ChangeError {
    Store(rusqlite::Error),
    Unreadable(String),
}

impl From<rusqlite::Error> for ChangeError {
    fn from(e: rusqlite::Error) -> Self {
        ChangeError::Store(e)
    }
}

/// Applies one change; true when a catalogue record changed.
fn apply_change(
    tx: &rusqlite::Transaction<'_>,
    change: &Change,
    now: &str,
    saving: &mut Saving,
    applied: &mut Applied,
    follow: &mut dyn Follow,
) -> Result<bool, ChangeError> {
    let key = change.key.as_str();
    match change.decode().map_err(ChangeError::Unreadable)? {
        ChangeBody::Record(record) => {
            let json = serde_json::to_vec(&record).unwrap_or_default();
            let original = Original {
                format: "hub",
                body: &json,
            };
            let catalogue_record = record.to_catalogue_record();
            let (saved, disciplines) = save(
                tx,
                &record.id,
                "hub",
                &catalogue_record,
                &original,
                now,
                saving,
            )?;
            if saved != Saved::Unchanged {
                follow.written(
                    &record.id,
                    &catalogue_record,
                    saved == Saved::New,
                    &disciplines,
                );
                applied.changed.push(record.id);
                return Ok(true);
            }
            Ok(false)
        }
        ChangeBody::RecordDeleted => {
            let n = tx.execute(
                "DELETE FROM records WHERE id = ?1 AND source = 'hub'",
                [key],
            )?;
            if n > 0 {
                follow.touched(key);
                applied.changed.push(key.to_owned());
            }
            Ok(n > 0)
        }
        ChangeBody::Library(library) => {
            // What the hub does not say (a hub that has not set a library's Chinese name,
            // city or time zone) stays as it was.
            tx.execute(
                "INSERT INTO libraries(id, parent_id, kind, name, name_zh, city, city_zh, time_zone, position)
                 VALUES (?1, NULL, 'branch', ?2, COALESCE(?3, ?2), COALESCE(?4, ''), COALESCE(?5, ''),
                         COALESCE(?6,
                                  (SELECT time_zone FROM libraries WHERE kind = 'central' ORDER BY position LIMIT 1),
                                  'UTC'),
                         (SELECT COALESCE(max(position), 0) + 1 FROM libraries))
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name,
                     name_zh = CASE WHEN ?3 IS NOT NULL THEN ?3
                                    WHEN libraries.name_zh = libraries.name THEN excluded.name
                                    ELSE libraries.name_zh END,
                     city = COALESCE(?4, libraries.city), city_zh = COALESCE(?5, libraries.city_zh),
                     time_zone = COALESCE(?6, libraries.time_zone)",
                (
                    &library.id,
                    &library.name,
                    &library.name_zh,
                    &library.city,
                    &library.city_zh,
                    &library.time_zone,
                ),
            )?;
            saving.libraries.insert(library.id);
            applied.libraries += 1;
            Ok(false)
        }
        ChangeBody::Librarian(l) => {
            // The hub announces a library before the librarians it holds; should a feed say
            // otherwise, the library is kept under its id until its own change arrives.
            tx.execute(
                "INSERT INTO libraries(id, parent_id, kind, name, name_zh, city, city_zh, time_zone, position)
                 VALUES (?1, NULL, 'branch', ?1, ?1, '', '', 'UTC',
                         (SELECT COALESCE(max(position), 0) + 1 FROM libraries))
                 ON CONFLICT(id) DO NOTHING",
                [&l.library_id],
            )?;
            let list = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
            tx.execute(
                "INSERT INTO librarians(id, name, email, library_id, subjects, languages, left_at)
                 VALUES (?1, ?2, '', ?3, ?4, ?5, NULL)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, library_id = excluded.library_id,
                     subjects = excluded.subjects, languages = excluded.languages, left_at = NULL",
                (
                    key,
                    &l.name,
                    &l.library_id,
                    list(&l.subjects),
                    list(&l.languages),
                ),
            )?;
            tx.execute(
                "DELETE FROM librarian_disciplines WHERE librarian_id = ?1",
                [key],
            )?;
            // Disciplines this workstation's taxonomy lacks (a newer hub) are left out.
            for d in &l.disciplines {
                tx.execute(
                    "INSERT OR IGNORE INTO librarian_disciplines(librarian_id, discipline_id)
                     SELECT ?1, id FROM disciplines WHERE id = ?2",
                    (key, d),
                )?;
            }
            applied.schedules += 1;
            Ok(false)
        }
        ChangeBody::LibrarianLeft => {
            tx.execute(
                "UPDATE librarians SET left_at = COALESCE(left_at, ?2) WHERE id = ?1",
                (key, now),
            )?;
            applied.schedules += 1;
            Ok(false)
        }
        ChangeBody::Document(d) => {
            crate::documents::remote::upsert(tx, &d, now)?;
            applied.documents += 1;
            Ok(false)
        }
        ChangeBody::Resource(r) => {
            crate::disciplines::curate::upsert_shared(tx, &r)?;
            applied.resources += 1;
            Ok(false)
        }
        ChangeBody::ResourceRetired => {
            // Retired, not deleted: its history and links to documents stay.
            tx.execute(
                "UPDATE resources SET retired_at = COALESCE(retired_at, ?2) WHERE id = ?1",
                (key, now),
            )?;
            applied.resources += 1;
            Ok(false)
        }
        ChangeBody::Schedule(schedule) => {
            // A librarian this workstation's consortium data does not list is not shown here.
            let known: bool = tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM librarians WHERE id = ?1)",
                [key],
                |r| r.get(0),
            )?;
            if known {
                crate::bookings::replace_schedule(tx, key, &schedule)?;
                applied.schedules += 1;
            }
            Ok(false)
        }
        ChangeBody::ConsultationType(form) => {
            crate::bookings::write_type_in(tx, key, &form)?;
            applied.schedules += 1;
            Ok(false)
        }
        ChangeBody::Consortium(c) => {
            for (key, value) in [
                ("consortium_name", c.name.trim()),
                ("consortium_name_zh", c.name_zh.trim()),
            ] {
                tx.execute(
                    "INSERT INTO meta(key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )?;
            }
            Ok(false)
        }
        ChangeBody::Booking(b) => {
            // Kept under the feed's key (the column is named `code` from before the feed
            // stopped carrying codes).
            let code = key;
            if b.status == commons_protocol::bookings::BookingStatus::Cancelled {
                tx.execute("DELETE FROM hub_bookings WHERE code = ?1", [&code])?;
            } else {
                let stamp = |t: &jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
                tx.execute(
                    "INSERT INTO hub_bookings(code, librarian_id, type_id, starts_at, ends_at, busy_from, busy_to)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(code) DO UPDATE SET librarian_id = excluded.librarian_id,
                         type_id = excluded.type_id, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
                         busy_from = excluded.busy_from, busy_to = excluded.busy_to",
                    (
                        &code,
                        &b.librarian_id,
                        &b.type_id,
                        stamp(&b.starts_at),
                        stamp(&b.ends_at),
                        stamp(&b.busy_from),
                        stamp(&b.busy_to),
                    ),
                )?;
            }
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change's body as the wire carries it.
    fn text(body: serde_json::Value) -> Option<Box<serde_json::value::RawValue>> {
        serde_json::value::to_raw_value(&body).ok()
    }

    /// The hub's feed over a fixed list of changes: ids are positions from 1.
    fn feed(all: &[Change], since: &str, limit: usize) -> Page {
        let from: usize = if since.is_empty() {
            0
        } else {
            since.parse().unwrap()
        };
        let changes: Vec<Change> = all.iter().skip(from).take(limit).cloned().collect();
        Page {
            next: (from + changes.len()).to_string(),
            changes,
        }
    }

    fn record(n: u32, title: &str) -> Change {
        Change {
            kind: "record".into(),
            key: format!("hub:{n}"),
            op: "upsert".into(),
            body: text(serde_json::json!({
                "id": format!("hub:{n}"),
                "format": "book",
                "description": {"title": title, "isbns": [format!("97800000000{n:02}")]},
                "holdings": [{"library": "north", "status": "available", "call_number": format!("QA {n}")}],
            })),
        }
    }

    fn history() -> Vec<Change> {
        let mut all = vec![Change {
            kind: "library".into(),
            key: "north".into(),
            op: "upsert".into(),
            body: text(serde_json::json!({"id": "north", "name": "North Library"})),
        }];
        for round in 0..4 {
            for n in 0..6 {
                all.push(record(n, &format!("Title {n} version {round}")));
            }
            all.push(Change {
                kind: "record".into(),
                key: format!("hub:{}", round + 1),
                op: "delete".into(),
                body: None,
            });
        }
        all
    }

    fn state(store: &Store) -> Vec<(String, String, String)> {
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT r.id, r.title, group_concat(h.library_id || ' ' || h.call_number || ' ' || h.status)
                 FROM records r LEFT JOIN holdings h ON h.record_id = r.id
                 WHERE r.source = 'hub' GROUP BY r.id ORDER BY r.id",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn run(store: &Store, all: &[Change], limit: usize, pages: Option<usize>) {
        let mut done = 0;
        loop {
            if pages == Some(done) {
                return;
            }
            let since = cursor(store).unwrap();
            let page = feed(all, &since, limit);
            let empty = page.changes.is_empty();
            apply(store, &since, &page).unwrap();
            if empty {
                return;
            }
            done += 1;
        }
    }

    /// Killed after any page (a kill inside a page's transaction is a rollback: the same as
    /// before it), restarted with another page size, the cache ends as the hub is.
    #[test]
    fn a_sync_killed_after_any_page_converges() {
        let all = history();
        let straight = Store::open_in_memory().unwrap();
        run(&straight, &all, 5, None);
        let expected = state(&straight);
        // Every record upserted in the last round, but the one deleted after it.
        assert_eq!(expected.len(), 5, "{expected:?}");
        assert!(!expected.iter().any(|(id, _, _)| id == "hub:4"));
        assert!(expected.iter().all(|(_, t, _)| t.ends_with("version 3")));
        for killed_after in 0..=all.len().div_ceil(5) {
            let store = Store::open_in_memory().unwrap();
            run(&store, &all, 5, Some(killed_after));
            run(&store, &all, 3, None);
            assert_eq!(state(&store), expected, "killed after page {killed_after}");
        }
    }

    #[test]
    fn a_hub_that_lies_is_not_believed() {
        let all = history();
        let store = Store::open_in_memory().unwrap();
        run(&store, &all, 10, Some(2));
        let since = cursor(&store).unwrap();
        assert_eq!(since, "20");
        // A cursor that goes backwards, or is not a number: nothing applied.
        let mut back = feed(&all, &since, 5);
        back.next = "3".into();
        assert!(matches!(
            apply(&store, &since, &back),
            Err(SyncError::Untrustworthy(_))
        ));
        let mut garbage = feed(&all, &since, 5);
        garbage.next = "soon".into();
        assert!(matches!(
            apply(&store, &since, &garbage),
            Err(SyncError::Untrustworthy(_))
        ));
        assert_eq!(cursor(&store).unwrap(), "20");
        // Changes it cannot read are skipped and named; the rest of the page applies.
        let mut page = feed(&all, &since, 5);
        page.changes[0].body = text(serde_json::json!({"id": "hub:0", "format": "book"}));
        page.changes[2].kind = "hologram".into();
        page.changes[3].key = "hub:999".into();
        let applied = apply(&store, &since, &page).unwrap();
        assert_eq!(applied.skipped.len(), 3, "{:?}", applied.skipped);
        assert!(applied.skipped[1].contains("does not know `hologram`"));
        assert!(applied.skipped[2].contains("is not its key"));
        assert_eq!(cursor(&store).unwrap(), "25");
    }

    /// The roster comes from the feed: a library with its time zone, a librarian offered for
    /// her disciplines (one this taxonomy lacks left out), then gone from the list when she
    /// leaves; what the hub does not say of a library stays.
    #[test]
    fn librarians_arrive_and_leave_with_the_feed() {
        let store = Store::open_in_memory().unwrap();
        crate::demo::prepare_production(&store).unwrap();
        let change = |kind: &str, key: &str, op: &str, body: Option<serde_json::Value>| Change {
            kind: kind.into(),
            key: key.into(),
            op: op.into(),
            body: body.and_then(text),
        };
        let okafor = serde_json::json!({
            "id": "lib-okafor", "name": "Adaeze Okafor", "library_id": "north",
            "languages": ["en"], "disciplines": ["world-history", "no-such-discipline"],
        });
        let page = Page {
            next: "3".into(),
            changes: vec![
                change(
                    "library",
                    "north",
                    "upsert",
                    Some(serde_json::json!({"id": "north", "name": "North Library",
                        "name_zh": "北区图书馆", "time_zone": "America/Chicago"})),
                ),
                change("librarian", "lib-okafor", "upsert", Some(okafor)),
                change(
                    "library",
                    "north",
                    "upsert",
                    Some(serde_json::json!({"id": "north", "name": "North"})),
                ),
            ],
        };
        let applied = apply(&store, "", &page).unwrap();
        assert!(applied.skipped.is_empty(), "{:?}", applied.skipped);
        let offered = crate::bookings::librarians(&store, Some("world-history")).unwrap();
        assert_eq!(offered.len(), 1);
        assert_eq!(
            (
                offered[0].library_name.as_str(),
                offered[0].library_name_zh.as_str(),
                offered[0].time_zone.as_str()
            ),
            ("North", "北区图书馆", "America/Chicago")
        );
        assert_eq!(offered[0].disciplines, ["world-history"]);
        let page = Page {
            next: "4".into(),
            changes: vec![change("librarian", "lib-okafor", "delete", None)],
        };
        apply(&store, "3", &page).unwrap();
        assert!(
            crate::bookings::librarians(&store, None)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn shared_desk_settings_are_checked_before_they_replace_anything() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("commons.db")).unwrap();
        crate::demo::seed(&store, &dir.path().join("documents"), &mut |_| {}).unwrap();
        let change = |kind: &str, key: &str, body: serde_json::Value| Change {
            kind: kind.into(),
            key: key.into(),
            op: "upsert".into(),
            body: text(body),
        };
        let hours_before = crate::bookings::hours_rows(&store, "lib-okafor").unwrap();
        assert!(!hours_before.is_empty());
        let ty = crate::bookings::types(&store).unwrap()[0].clone();
        let mut form = serde_json::json!({
            "id": ty.id, "name": "Research consultation", "name_zh": "研究咨询", "minutes": 40,
            "buffer_before": 0, "buffer_after": 5, "min_notice_minutes": 60, "window_days": 14,
            "cancel_cutoff_minutes": 60, "capacity": 1
        });
        let page = Page {
            next: "5".into(),
            changes: vec![
                // Hours on a ninth weekday: skipped, nothing replaced.
                change(
                    "schedule",
                    "lib-okafor",
                    serde_json::json!({"hours": [[9, "09:00", "10:00"]], "exceptions": []}),
                ),
                // A librarian this consortium data does not list: nothing to show.
                change(
                    "schedule",
                    "lib-nobody",
                    serde_json::json!({"hours": [[1, "09:00", "10:00"]], "exceptions": []}),
                ),
                // A type under another type's key: skipped.
                change("consultation_type", "another-type", form.clone()),
                change("consultation_type", &ty.id, {
                    form["minutes"] = serde_json::json!(4000);
                    form.clone()
                }),
                change(
                    "schedule",
                    "lib-okafor",
                    serde_json::json!({
                        "hours": [[3, "13:00", "15:00"]],
                        "exceptions": [{"date": "2026-12-02", "starts": null, "ends": null, "reason": "Conference"}]
                    }),
                ),
            ],
        };
        let applied = apply(&store, "", &page).unwrap();
        assert_eq!(applied.skipped.len(), 3, "{:?}", applied.skipped);
        assert!(
            applied.skipped[0].contains("hours"),
            "{:?}",
            applied.skipped
        );
        assert!(
            applied.skipped[1].contains("not its key"),
            "{:?}",
            applied.skipped
        );
        assert!(
            applied.skipped[2].contains("minutes"),
            "{:?}",
            applied.skipped
        );
        assert_eq!(applied.schedules, 1);
        assert_eq!(
            crate::bookings::hours_rows(&store, "lib-okafor").unwrap(),
            [(3, "13:00".to_owned(), "15:00".to_owned())]
        );
        let off = crate::bookings::list_exceptions(&store, "lib-okafor").unwrap();
        assert_eq!(off.len(), 1);
        assert_eq!(off[0].reason, "Conference");
        assert_eq!(
            crate::bookings::types(&store).unwrap()[0].rules.minutes,
            ty.rules.minutes
        );
    }
}
