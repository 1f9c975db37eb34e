//! The local SQLite cache: the workstation's source of truth.
//!
//! Opening a cache sets the connection pragmas (WAL, foreign keys, busy timeout), refuses a
//! file that is corrupt or written by a newer Commons, and applies the pending migrations from
//! [`migrations::MIGRATIONS`] in one transaction. A cache that cannot be used is never
//! modified or deleted: [`set_aside`] renames it so that a new one can be built while the old
//! file (and any user data in it) is kept for recovery.

pub mod migrations;

use std::io;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

pub use migrations::MIGRATIONS;

/// Caches larger than this skip the start-up `quick_check` (it reads every page); `commons
/// doctor` always runs it.
const QUICK_CHECK_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Why a cache could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data directory {path} cannot be used: {source}")]
    DataDir { path: PathBuf, source: io::Error },
    #[error("the cache {path} is read-only; Commons needs to write to its data directory")]
    ReadOnly { path: PathBuf },
    #[error("the disk holding {path} is full")]
    DiskFull { path: PathBuf },
    #[error("the cache {path} is damaged: {detail}")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "the cache {path} was written by a newer version of Commons (schema {found}, this version knows {known})"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("cache error in {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// A stable code the UI branches on.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::DataDir { .. } => "data_dir_unusable",
            StoreError::ReadOnly { .. } => "data_dir_read_only",
            StoreError::DiskFull { .. } => "disk_full",
            StoreError::Corrupt { .. } => "cache_corrupt",
            StoreError::NewerSchema { .. } => "cache_newer_schema",
            StoreError::Sqlite { .. } => "cache_error",
        }
    }

    /// Whether rebuilding the cache from the embedded data is the way out.
    pub fn is_rebuildable(&self) -> bool {
        matches!(
            self,
            StoreError::Corrupt { .. } | StoreError::NewerSchema { .. }
        )
    }

    pub(crate) fn from_sqlite(path: &Path, source: rusqlite::Error) -> Self {
        let path = path.to_path_buf();
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
                path,
                detail: source.to_string(),
            },
            Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
                StoreError::ReadOnly { path }
            }
            Some(ErrorCode::DiskFull) => StoreError::DiskFull { path },
            _ => StoreError::Sqlite { path, source },
        }
    }
}

/// An open cache.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    conn: Connection,
}

/// The page cache of a large write ([`Store::bulk`]), in KiB.
pub const BULK_CACHE_KIB: u32 = 256 * 1024;

impl Store {
    /// Opens (creating if needed) the cache at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| io_error(dir, source))?;
        }
        let existed = path.exists();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::from_sqlite(path, e))?;
        let store = Store {
            path: path.to_path_buf(),
            conn,
        };
        store.configure()?;
        let version = store.schema_version()?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::NewerSchema {
                path: path.to_path_buf(),
                found: version,
                known,
            });
        }
        if existed {
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if size <= QUICK_CHECK_MAX_BYTES {
                store.quick_check()?;
            }
        }
        store.migrate()?;
        Ok(store)
    }

    /// Opens an in-memory cache, for tests and tools.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| StoreError::from_sqlite(&path, e))?;
        let store = Store { path, conn };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    fn configure(&self) -> Result<(), StoreError> {
        // journal_mode reads the file header first, so a file that is not a database fails here.
        self.conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .map_err(|e| self.err(e))?;
        self.conn
            .execute_batch(
                "PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 5000;
                 PRAGMA synchronous = NORMAL;",
            )
            .map_err(|e| self.err(e))
    }

    /// The number of migrations applied to this cache.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| self.err(e))
    }

    /// Runs SQLite's `quick_check`; any finding makes the cache [`StoreError::Corrupt`].
    pub fn quick_check(&self) -> Result<(), StoreError> {
        let findings: Vec<String> = (|| {
            let mut stmt = self.conn.prepare("PRAGMA quick_check(5)")?;
            let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
            rows.collect::<Result<Vec<_>, _>>()
        })()
        .map_err(|e| self.err(e))?;
        if findings.len() == 1 && findings[0] == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.clone(),
                detail: findings.join("; "),
            })
        }
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let version = self.schema_version()?;
        let pending = &MIGRATIONS[usize::try_from(version).unwrap_or(0)..];
        if pending.is_empty() {
            return Ok(());
        }
        let tx = self.write().map_err(|e| self.err(e))?;
        tracing::info!(
            from = version,
            to = MIGRATIONS.len(),
            steps = ?pending.iter().map(|m| m.name).collect::<Vec<_>>(),
            "migrating cache"
        );
        for migration in pending {
            tx.execute_batch(migration.sql).map_err(|e| self.err(e))?;
        }
        tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// The cache file's path (`:memory:` for an in-memory cache).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read handle.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE`), so a writer never fails half-way on a
    /// lock upgrade.
    pub fn write(&self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
    }

    /// Runs `f` with room for a large write: a page cache of [`BULK_CACHE_KIB`] (so a
    /// transaction of a million records is not spilled to the WAL and read back while it is
    /// written) and statement journals in memory; both are put back afterwards and the memory
    /// returned, so an idle workstation does not keep it.
    pub fn bulk<T>(&self, f: impl FnOnce() -> T) -> T {
        self.with_pragmas(
            &format!("PRAGMA cache_size = -{BULK_CACHE_KIB}; PRAGMA temp_store = MEMORY;"),
            "PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT; PRAGMA shrink_memory;",
            f,
        )
    }

    /// [`Store::bulk`] without SQLite evaluating CHECK constraints, for a writer that checks
    /// every constrained value itself before writing it (an import: statuses, formats and
    /// identifier schemes come from its own constants and are checked in `save`). SQLite
    /// evaluates a CHECK of `x IN (…)` with more than two values through a temporary table
    /// per row: an eighth of an import's time.
    pub fn bulk_checked_by_caller<T>(&self, f: impl FnOnce() -> T) -> T {
        self.with_pragmas(
            "PRAGMA ignore_check_constraints = ON;",
            "PRAGMA ignore_check_constraints = OFF;",
            || self.bulk(f),
        )
    }

    fn with_pragmas<T>(&self, set: &str, reset: &str, f: impl FnOnce() -> T) -> T {
        let run = |sql: &str| {
            if let Err(e) = self.conn.execute_batch(sql) {
                tracing::warn!(error = %e, sql, "a cache pragma was refused");
            }
        };
        run(set);
        let out = f();
        run(reset);
        out
    }

    /// Wraps a SQLite error with this cache's path and the right kind.
    pub fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(&self.path, e)
    }
}

fn io_error(path: &Path, source: io::Error) -> StoreError {
    let path = path.to_path_buf();
    match source.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            StoreError::ReadOnly { path }
        }
        io::ErrorKind::StorageFull => StoreError::DiskFull { path },
        _ => StoreError::DataDir { path, source },
    }
}

/// Renames an unusable cache file (and its WAL and shared-memory files) out of the way and
/// returns the new path of the main file. Nothing is deleted.
pub fn set_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let aside = PathBuf::from(format!("{}.broken-{stamp}", path.display()));
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", path.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            std::fs::rename(&from, &to).map_err(|source| io_error(&from, source))?;
        }
    }
    Ok(aside)
}

/// Deletes caches set aside (`commons.db.broken-STAMP` and their WAL and shared-memory
/// files) more than `days` days before `now`: they hold patrons' data too, which ends after
/// the retention period. Returns how many were deleted; a file that cannot be deleted is
/// left and logged.
pub fn delete_set_aside(path: &Path, days: u32, now: jiff::Timestamp) -> usize {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return 0;
    };
    let prefix = format!("{name}.broken-");
    let cutoff = now - jiff::SignedDuration::from_hours(24 * i64::from(days));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut deleted = 0;
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let stamp = rest.trim_end_matches("-wal").trim_end_matches("-shm");
        let Ok(when) = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%SZ", stamp)
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC))
        else {
            continue;
        };
        if when.timestamp() < cutoff {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => deleted += 1,
                Err(e) => {
                    tracing::warn!(file = %entry.path().display(), error = %e, "a set-aside cache could not be deleted")
                }
            }
        }
    }
    deleted
}

#[cfg(test)]
mod tests;
