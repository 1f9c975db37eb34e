//! The cache's schema history: `crates/core/migrations/NNNN_*.sql`, in order.
//!
//! **Architecture invariant:** this list is append-only. A migration that has shipped is never
//! edited or removed; a change to the schema is a new entry at the end. The schema version of a
//! cache file is SQLite's `user_version`, which equals the number of migrations applied.

/// One step of the schema history.
#[derive(Debug)]
pub struct Migration {
    /// What the step does, for logs and `commons doctor`.
    pub name: &'static str,
    /// The SQL, run inside the same transaction that bumps `user_version`.
    pub sql: &'static str,
}

/// Every migration, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "consortium, catalogue, resources, documents, librarians, settings",
        sql: include_str!("../../migrations/0001_consortium.sql"),
    },
    Migration {
        name: "discipline browsing, resource curation with audit, local librarian accounts",
        sql: include_str!("../../migrations/0002_curation_accounts.sql"),
    },
    Migration {
        name: "consultation booking: types, exceptions to weekly hours, bookings",
        sql: include_str!("../../migrations/0003_bookings.sql"),
    },
    Migration {
        name: "document text extraction: status per document, text per page",
        sql: include_str!("../../migrations/0004_document_text.sql"),
    },
    Migration {
        name: "documents attached to resources",
        sql: include_str!("../../migrations/0005_resource_documents.sql"),
    },
    Migration {
        name: "records from the hub: their original is the hub's union record",
        sql: include_str!("../../migrations/0006_hub_records.sql"),
    },
    Migration {
        name: "bookings shared through the hub: the outbox, and the consortium's busy times",
        sql: include_str!("../../migrations/0007_hub_bookings.sql"),
    },
    Migration {
        name: "documents from the hub: downloaded on demand, evicted least recently used",
        sql: include_str!("../../migrations/0008_hub_documents.sql"),
    },
    Migration {
        name: "the hub's busy times under their own keys",
        sql: include_str!("../../migrations/0009_busy_keys.sql"),
    },
    Migration {
        name: "librarians who have left the roster",
        sql: include_str!("../../migrations/0010_librarians_left.sql"),
    },
    Migration {
        name: "MARC 21 holdings records",
        sql: include_str!("../../migrations/0011_holdings_records.sql"),
    },
    Migration {
        name: "romanized forms of records",
        sql: include_str!("../../migrations/0012_romanized.sql"),
    },
    Migration {
        name: "usage statistics",
        sql: include_str!("../../migrations/0013_usage.sql"),
    },
    Migration {
        name: "resource sharing: requests waiting to reach the hub",
        sql: include_str!("../../migrations/0014_sharing_outbox.sql"),
    },
    Migration {
        name: "originals of records compressed in their row, with trained dictionaries",
        sql: include_str!("../../migrations/0015_packed_originals.sql"),
    },
    Migration {
        name: "holdings kept in their record's order, without a rowid",
        sql: include_str!("../../migrations/0016_holdings_by_record.sql"),
    },
    Migration {
        name: "each library's holdings counted as they are written",
        sql: include_str!("../../migrations/0017_library_holdings.sql"),
    },
    Migration {
        name: "identifiers without an index by value",
        sql: include_str!("../../migrations/0018_identifiers_by_record.sql"),
    },
    Migration {
        name: "records described by their original: identifiers and fields no list shows read from it",
        sql: include_str!("../../migrations/0019_described_by_original.sql"),
    },
    Migration {
        name: "a holding keyed by its place in its record",
        sql: include_str!("../../migrations/0020_holdings_keyed_in_record.sql"),
    },
];
