//! The connection pool and the migrations.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};

/// Why a hub operation failed.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("the database is unreachable or refused the request: {0}")]
    Database(String),
    #[error("{0}")]
    Invalid(String),
    #[error("harvest failed: {0}")]
    Harvest(String),
    /// The hub itself failed (a task that did not finish, no system randomness, a stored
    /// value it cannot read); the cause is logged, the caller told only that it failed.
    #[error("the hub failed: {0}")]
    Internal(String),
}

impl From<tokio_postgres::Error> for HubError {
    fn from(e: tokio_postgres::Error) -> Self {
        // tokio-postgres says only "db error"; the server's own message says what.
        HubError::Database(match e.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => e.to_string(),
        })
    }
}

impl From<deadpool_postgres::PoolError> for HubError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        HubError::Database(e.to_string())
    }
}

/// The migrations, in order. Append only: a migration that has run is never edited.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_feed", include_str!("../migrations/0001_feed.sql")),
    ("0002_union", include_str!("../migrations/0002_union.sql")),
    (
        "0003_bookings",
        include_str!("../migrations/0003_bookings.sql"),
    ),
    (
        "0004_schedule",
        include_str!("../migrations/0004_schedule.sql"),
    ),
    (
        "0005_documents",
        include_str!("../migrations/0005_documents.sql"),
    ),
    (
        "0006_librarians",
        include_str!("../migrations/0006_librarians.sql"),
    ),
    (
        "0007_calendar",
        include_str!("../migrations/0007_calendar.sql"),
    ),
    (
        "0008_resources",
        include_str!("../migrations/0008_resources.sql"),
    ),
    (
        "0009_resource_audit",
        include_str!("../migrations/0009_resource_audit.sql"),
    ),
    ("0010_desk", include_str!("../migrations/0010_desk.sql")),
    (
        "0011_merge_refusals",
        include_str!("../migrations/0011_merge_refusals.sql"),
    ),
    (
        "0012_busy_times",
        include_str!("../migrations/0012_busy_times.sql"),
    ),
    ("0013_roster", include_str!("../migrations/0013_roster.sql")),
    (
        "0014_marc_family",
        include_str!("../migrations/0014_marc_family.sql"),
    ),
    ("0015_usage", include_str!("../migrations/0015_usage.sql")),
    ("0016_fleet", include_str!("../migrations/0016_fleet.sql")),
    (
        "0017_sharing",
        include_str!("../migrations/0017_sharing.sql"),
    ),
    (
        "0018_deliveries",
        include_str!("../migrations/0018_deliveries.sql"),
    ),
    (
        "0019_sharing_disciplines",
        include_str!("../migrations/0019_sharing_disciplines.sql"),
    ),
    (
        "0020_sharing_order",
        include_str!("../migrations/0020_sharing_order.sql"),
    ),
    (
        "0021_sharing_placing_limit",
        include_str!("../migrations/0021_sharing_placing_limit.sql"),
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_migration_file_is_listed_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".sql"))
                    .map(str::to_owned)
            })
            .collect();
        files.sort();
        let listed: Vec<&str> = super::MIGRATIONS.iter().map(|(n, _)| *n).collect();
        assert_eq!(files, listed);
    }
}

/// The hub's database.
#[derive(Clone)]
pub struct Db {
    pub pool: Pool,
    /// Workstation tokens found live, by hash, and when: a token is looked up again after
    /// `tokens::RECHECK`, so a revocation takes effect within that time.
    pub(crate) live_tokens:
        std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>>,
    /// Sign-in throttles and the bound on password checks running at once.
    pub(crate) sign_in: std::sync::Arc<crate::librarians::SignInGuard>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").finish_non_exhaustive()
    }
}

impl Db {
    /// Connects with a libpq-style connection string (`host=/run/postgresql dbname=hub`).
    pub fn connect(config: &str, size: usize) -> Result<Db, HubError> {
        let pg: tokio_postgres::Config = config.parse().map_err(|e: tokio_postgres::Error| {
            HubError::Invalid(format!("database setting: {e}"))
        })?;
        let manager = Manager::from_config(
            pg,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(size.max(1))
            .build()
            .map_err(|e| HubError::Invalid(e.to_string()))?;
        Ok(Db {
            pool,
            live_tokens: Default::default(),
            sign_in: Default::default(),
        })
    }

    /// Applies the migrations not yet applied, each in its own transaction; returns how many.
    pub async fn migrate(&self) -> Result<usize, HubError> {
        let mut client = self.pool.get().await?;
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     name TEXT PRIMARY KEY,
                     applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            )
            .await?;
        let mut applied = 0;
        for (name, sql) in MIGRATIONS {
            let tx = client.transaction().await?;
            // One migrator at a time.
            tx.batch_execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
                .await?;
            let done = tx
                .query_opt("SELECT 1 FROM schema_migrations WHERE name = $1", &[name])
                .await?
                .is_some();
            if !done {
                tx.batch_execute(sql).await?;
                tx.execute("INSERT INTO schema_migrations(name) VALUES ($1)", &[name])
                    .await?;
                applied += 1;
            }
            tx.commit().await?;
        }
        Ok(applied)
    }
}
