use super::*;

fn temp_cache() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache").join("commons.db");
    (dir, path)
}

#[test]
fn fresh_cache_has_every_migration_and_strict_tables() {
    let (_dir, path) = temp_cache();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let mode: String = store
        .conn()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = store
        .conn()
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    let not_strict: Vec<String> = store
        .conn()
        .prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND strict = 0 AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        not_strict.is_empty(),
        "tables without STRICT: {not_strict:?}"
    );
}

#[test]
fn migrations_apply_one_by_one_and_reopen_is_a_no_op() {
    let conn = Connection::open_in_memory().unwrap();
    for (i, m) in MIGRATIONS.iter().enumerate() {
        conn.execute_batch(m.sql)
            .unwrap_or_else(|e| panic!("migration {} ({}) fails: {e}", i + 1, m.name));
        let problems: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(problems, 0);
    }
    let (_dir, path) = temp_cache();
    drop(Store::open(&path).unwrap());
    let again = Store::open(&path).unwrap();
    assert_eq!(again.schema_version().unwrap(), MIGRATIONS.len() as i64);
}

/// Fingerprints of shipped migrations. Append a line when you append a migration; a failing
/// comparison means a shipped migration was edited, which would leave existing caches with a
/// schema this code does not expect.
const SHIPPED: &[u64] = &[
    0x9bff3c2a91bd03d7,
    0x233e59e94cac8259,
    0xfe54d644a197ff57,
    0xe77285347c926ea8,
    0x35a00fc4297c0885,
    0xa320d18dae44001f,
    0xa8cd45b28cfb882f,
    0x1833888e55aaf16,
    0x7403cc3fbb18e924,
    0x6cee675357f2e4d2,
    0x44b17e213f22f671,
    0x6cde295d77a02cb9,
    0x488bae4093dd55fb,
    0xb87d0af2c9cbd363,
    0x04fdf85fbec478dd,
    0xd6058461070a3023,
    0xc8c7bf8b41158d86,
    0x231429e3c02e6185,
    0x52f50fa182c6a461,
    0x8207d4ec13402a00,
];

fn fingerprint(sql: &str) -> u64 {
    // FNV-1a, 64 bit: stable across Rust versions, unlike `DefaultHasher`.
    sql.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn shipped_migrations_are_never_edited() {
    assert!(
        MIGRATIONS.len() >= SHIPPED.len(),
        "a shipped migration was removed"
    );
    for (i, (m, expected)) in MIGRATIONS.iter().zip(SHIPPED).enumerate() {
        assert_eq!(
            fingerprint(m.sql),
            *expected,
            "migration {} ({}) changed after it shipped; add a new migration instead",
            i + 1,
            m.name
        );
    }
    assert_eq!(
        MIGRATIONS.len(),
        SHIPPED.len(),
        "record the fingerprint of the new migration: {:#x}",
        fingerprint(MIGRATIONS[MIGRATIONS.len() - 1].sql)
    );
}

#[test]
fn every_migration_file_is_listed_in_order() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), MIGRATIONS.len(), "{files:?}");
    for (i, file) in files.iter().enumerate() {
        assert!(
            file.starts_with(&format!("{:04}_", i + 1)) && file.ends_with(".sql"),
            "{file}"
        );
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(file),
        )
        .unwrap();
        assert_eq!(text, MIGRATIONS[i].sql, "{file} is migration {}", i + 1);
    }
}

#[test]
fn garbage_file_is_reported_corrupt_and_left_untouched() {
    let (_dir, path) = temp_cache();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let garbage = b"this is not a database, it is a shopping list\n".repeat(200);
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.code(), "cache_corrupt", "{err}");
    assert!(err.is_rebuildable());
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
}

#[test]
fn truncated_file_is_reported_corrupt() {
    let (_dir, path) = temp_cache();
    {
        let store = Store::open(&path).unwrap();
        let tx = store.write().unwrap();
        for i in 0..2000 {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)",
                (format!("key-{i}"), "x".repeat(200)),
            )
            .unwrap();
        }
        tx.commit().unwrap();
        store
            .conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 64 * 1024);
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.code(), "cache_corrupt", "{err}");
}

#[test]
fn newer_schema_is_refused() {
    let (_dir, path) = temp_cache();
    {
        let store = Store::open(&path).unwrap();
        store
            .conn()
            .pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 3)
            .unwrap();
    }
    let err = Store::open(&path).unwrap_err();
    assert_eq!(err.code(), "cache_newer_schema");
    assert!(
        err.to_string().contains("newer version of Commons"),
        "{err}"
    );
}

#[test]
fn set_aside_keeps_every_file() {
    let (_dir, path) = temp_cache();
    let store = Store::open(&path).unwrap();
    store
        .conn()
        .execute("INSERT INTO settings(key, value) VALUES ('k', 'v')", [])
        .unwrap();
    drop(store);
    let aside = set_aside(&path).unwrap();
    assert!(!path.exists());
    let kept = Store::open(&aside).unwrap();
    let v: String = kept
        .conn()
        .query_row("SELECT value FROM settings WHERE key = 'k'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(v, "v");
}

#[test]
fn data_dir_that_is_a_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let err = Store::open(&blocker.join("commons.db")).unwrap_err();
    assert_eq!(err.code(), "data_dir_unusable", "{err}");
    assert!(err.to_string().contains("not-a-dir"));
}

#[test]
fn set_aside_caches_are_deleted_after_the_retention_period() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("commons.db");
    for name in [
        "commons.db.broken-20260101T100000Z",
        "commons.db.broken-20260101T100000Z-wal",
        "commons.db.broken-20261120T100000Z",
        "commons.db",
        "other.db.broken-20200101T100000Z",
    ] {
        std::fs::write(dir.path().join(name), b"x").unwrap();
    }
    let now: jiff::Timestamp = "2026-11-30T12:00:00Z".parse().unwrap();
    assert_eq!(delete_set_aside(&path, 90, now), 2);
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "commons.db",
            "commons.db.broken-20261120T100000Z",
            "other.db.broken-20200101T100000Z"
        ]
    );
}

/// A cache from before records were described by their original: the demo's records, kept
/// without one, get their union record as it, and read back with every field, identifier
/// and holding they had; holdings lose the record's id from their keys.
#[test]
fn records_of_an_earlier_cache_read_back_whole_after_the_migration() {
    let (_dir, path) = temp_cache();
    {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let conn = Connection::open(&path).unwrap();
        for m in &MIGRATIONS[..18] {
            conn.execute_batch(m.sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 18).unwrap();
        conn.execute_batch(
            r#"INSERT INTO records(id, source, title, subtitle, responsibility, authors, edition,
                   publisher, place, year, language, format, lcc, ddc, clc, subjects, series, notes,
                   summary, contents, physical, romanized, updated_at)
               VALUES ('demo-1', 'demo', 'Rivers "and" Roads', NULL, 'by A. Writer',
                   '["Writer, Ann","Other, Bo"]', '2nd ed.', 'Meridian', 'Lyon', 1999, 'fre',
                   'thesis', 'GB1201 .W7', '551.48', 'P343', '["Rivers -- France","Roads"]',
                   '["Geography series ; 4"]', '["Includes index."]', 'A summary.', 'Contents.',
                   '312 p.', '["heliu"]', '2026-01-01T00:00:00Z');
               INSERT INTO record_identifiers(record_id, scheme, value) VALUES
                   ('demo-1', 'isbn', '9780000000002'), ('demo-1', 'isbn', '9780000000019'),
                   ('demo-1', 'issn', '1234-5679'), ('demo-1', 'lccn', '99012345'),
                   ('demo-1', 'oclc', '42');
               INSERT INTO libraries(id, parent_id, kind, name, name_zh, city, city_zh, time_zone, position)
                   VALUES ('central', NULL, 'central', 'Central', '中心', 'Lyon', '里昂', 'Europe/Paris', 0);
               INSERT INTO holdings(id, record_id, library_id, call_number, location, status, due_date)
                   VALUES ('demo-1#0', 'demo-1', 'central', 'GB1201 .W7', 'Stacks', 'available', NULL),
                          ('demo-1#h:hold-9#0', 'demo-1', 'central', 'GB1201 .W7 c.2', 'Stacks', 'on_loan', '2026-02-01'),
                          ('h-demo-1-2', 'demo-1', 'central', 'GB1201 .W7 c.3', 'Annex', 'available', NULL);"#,
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let record = crate::catalogue::detail::record(&store, "demo-1")
        .unwrap()
        .unwrap();
    assert_eq!(record.format, "thesis");
    assert_eq!(
        record.description,
        crate::catalogue::Description {
            title: r#"Rivers "and" Roads"#.into(),
            subtitle: None,
            responsibility: Some("by A. Writer".into()),
            authors: vec!["Writer, Ann".into(), "Other, Bo".into()],
            edition: Some("2nd ed.".into()),
            publisher: Some("Meridian".into()),
            place: Some("Lyon".into()),
            year: Some(1999),
            language: "fre".into(),
            isbns: vec!["9780000000002".into(), "9780000000019".into()],
            issns: vec!["1234-5679".into()],
            lccn: Some("99012345".into()),
            oclc: vec!["42".into()],
            lcc: Some("GB1201 .W7".into()),
            ddc: Some("551.48".into()),
            clc: Some("P343".into()),
            subjects: vec!["Rivers -- France".into(), "Roads".into()],
            series: vec!["Geography series ; 4".into()],
            notes: vec!["Includes index.".into()],
            summary: Some("A summary.".into()),
            contents: Some("Contents.".into()),
            physical: Some("312 p.".into()),
            romanized: vec!["heliu".into()],
        }
    );
    let original = crate::catalogue::originals::original(store.conn(), "demo-1")
        .unwrap()
        .unwrap();
    assert_eq!(original.format, "hub");
    let described =
        crate::catalogue::originals::describe(&original.format, &original.body).unwrap();
    assert_eq!(
        described
            .holdings
            .iter()
            .map(|h| (h.call_number.as_str(), h.status, h.due_date.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("GB1201 .W7", "available", None),
            ("GB1201 .W7 c.2", "on_loan", Some("2026-02-01")),
            ("GB1201 .W7 c.3", "available", None),
        ],
        "the union record holds the demo record's holdings"
    );
    // Holdings are keyed by their place in the record; the libraries' counts are as before.
    let keys: Vec<String> = store
        .conn()
        .prepare("SELECT id FROM holdings WHERE record_id = 'demo-1' ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys, ["0", "h-demo-1-2", "h:hold-9#0"]);
    let counts: (i64, i64) = store
        .conn()
        .query_row(
            "SELECT items, available FROM library_holdings WHERE library_id = 'central'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(counts, (3, 2));
    assert_eq!(record.holdings.len(), 3);
    let columns: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM pragma_table_info('records') WHERE name IN ('subjects', 'lcc')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(columns, 0, "derived columns are dropped");
}
