//! Writing a snapshot of this workstation (`commons snapshot create FILE`).

use super::*;
use crate::snapshot::{self, Manifest, SnapshotError};

impl Workstation {
    /// Writes this synced workstation's cache and search index to `out` as one snapshot
    /// (see [`crate::snapshot`]). The cache is copied by `VACUUM INTO` and the index's files
    /// with both held, so they agree; the copy keeps what came from the hub, not this
    /// workstation's own bookings, accounts, settings or usage counts. Nothing here changes.
    pub fn snapshot_create(&self, out: &Path) -> Result<Manifest, SnapshotError> {
        let hub = self
            .config
            .hub_url
            .value
            .clone()
            .ok_or(SnapshotError::NoHub)?;
        let staged = self
            .config
            .data_dir
            .value
            .join(format!(".snapshot-out-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staged);
        std::fs::create_dir_all(staged.join("index")).map_err(|source| SnapshotError::Io {
            path: staged.clone(),
            source,
        })?;
        let result = self.snapshot_into(&staged, out, hub.to_string());
        let _ = std::fs::remove_dir_all(&staged);
        result
    }

    fn snapshot_into(
        &self,
        staged: &Path,
        out: &Path,
        hub: String,
    ) -> Result<Manifest, SnapshotError> {
        let index_dir = self.index_dir();
        // No sync or import writes the index while it is copied.
        let _writing = self.writing();
        let copied = self.with_index(|store, _index| {
            let cursor = crate::sync::cursor(store)?;
            let records: i64 = store
                .conn()
                .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
                .map_err(|e| store.err(e))?;
            let cache = staged.join("commons.db");
            store
                .conn()
                .execute("VACUUM INTO ?1", [cache.display().to_string()])
                .map_err(|e| store.err(e))?;
            // What is this workstation's own, not the consortium's, stays here: its bookings
            // (students' personal data), local accounts, settings and usage counts (which
            // other workstations would otherwise send again as theirs). Overwritten, not
            // just unlinked.
            rusqlite::Connection::open(&cache)
                .and_then(|copy| {
                    copy.execute_batch(
                        "PRAGMA secure_delete = ON;
                         BEGIN;
                         DELETE FROM bookings; DELETE FROM accounts; DELETE FROM settings;
                         DELETE FROM usage_counts; DELETE FROM usage_days;
                         DELETE FROM usage_empty_searches;
                         DELETE FROM meta WHERE key = 'usage_key';
                         COMMIT;",
                    )
                })
                .map_err(|e| store.err(e))?;
            let copy = || -> std::io::Result<()> {
                for entry in std::fs::read_dir(&index_dir)? {
                    let entry = entry?;
                    if entry.file_type()?.is_file()
                        && !entry.file_name().to_string_lossy().ends_with(".lock")
                    {
                        std::fs::copy(entry.path(), staged.join("index").join(entry.file_name()))?;
                    }
                }
                Ok(())
            };
            copy().map_err(|e| SearchError::Index {
                path: index_dir.clone(),
                detail: format!("it cannot be copied: {e}"),
            })?;
            Ok((cursor, u64::try_from(records).unwrap_or(0)))
        });
        let (cursor, records) = copied.map_err(|e| match e {
            SearchError::Store(s) => SnapshotError::Store(s),
            other => SnapshotError::Io {
                path: index_dir.clone(),
                source: std::io::Error::other(other.to_string()),
            },
        })?;
        if cursor.is_empty() {
            return Err(SnapshotError::NotSynced);
        }
        snapshot::write(
            staged,
            out,
            Manifest {
                format: snapshot::FORMAT,
                commons: env!("CARGO_PKG_VERSION").to_owned(),
                schema: store::MIGRATIONS.len(),
                hub,
                cursor,
                created_at: Timestamp::now(),
                records,
                body_bytes: 0,
                body_sha256: String::new(),
            },
        )
    }
}
