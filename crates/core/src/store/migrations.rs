//! The cache's schema history.
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
        sql: r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE libraries (
    id        TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES libraries(id),
    kind      TEXT NOT NULL CHECK (kind IN ('central', 'branch')),
    name      TEXT NOT NULL,
    name_zh   TEXT NOT NULL,
    city      TEXT NOT NULL,
    city_zh   TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    position  INTEGER NOT NULL
) STRICT;

CREATE TABLE disciplines (
    id        TEXT PRIMARY KEY,
    parent_id TEXT REFERENCES disciplines(id),
    name      TEXT NOT NULL,
    name_zh   TEXT NOT NULL,
    position  INTEGER NOT NULL
) STRICT;

CREATE TABLE records (
    id             TEXT PRIMARY KEY,
    source         TEXT NOT NULL,
    title          TEXT NOT NULL,
    subtitle       TEXT,
    responsibility TEXT,
    authors        TEXT NOT NULL DEFAULT '[]',
    edition        TEXT,
    publisher      TEXT,
    place          TEXT,
    year           INTEGER,
    language       TEXT NOT NULL,
    format         TEXT NOT NULL,
    lcc            TEXT,
    ddc            TEXT,
    clc            TEXT,
    subjects       TEXT NOT NULL DEFAULT '[]',
    series         TEXT NOT NULL DEFAULT '[]',
    notes          TEXT NOT NULL DEFAULT '[]',
    summary        TEXT,
    contents       TEXT,
    physical       TEXT,
    updated_at     TEXT NOT NULL
) STRICT;

CREATE TABLE record_identifiers (
    record_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    scheme    TEXT NOT NULL CHECK (scheme IN ('isbn', 'issn', 'lccn', 'oclc')),
    value     TEXT NOT NULL,
    PRIMARY KEY (record_id, scheme, value)
) STRICT, WITHOUT ROWID;
CREATE INDEX record_identifiers_value ON record_identifiers(scheme, value);

-- The record exactly as it arrived, so nothing a source sent is ever lost.
CREATE TABLE record_originals (
    record_id   TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
    format      TEXT NOT NULL CHECK (format IN ('marc21', 'marcxml', 'marc-in-json', 'oai_dc')),
    body        BLOB NOT NULL,
    sha256      TEXT NOT NULL,
    imported_at TEXT NOT NULL
) STRICT;

CREATE TABLE record_disciplines (
    record_id     TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    discipline_id TEXT NOT NULL REFERENCES disciplines(id),
    PRIMARY KEY (record_id, discipline_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE holdings (
    id          TEXT PRIMARY KEY,
    record_id   TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    library_id  TEXT NOT NULL REFERENCES libraries(id),
    call_number TEXT NOT NULL,
    location    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('available', 'on_loan', 'reference', 'in_transit', 'missing', 'unknown')),
    due_date    TEXT
) STRICT;
CREATE INDEX holdings_record ON holdings(record_id);
CREATE INDEX holdings_library ON holdings(library_id);

CREATE TABLE resources (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('database', 'journal', 'ebooks', 'guide', 'software', 'open_access')),
    name        TEXT NOT NULL,
    alt_names   TEXT NOT NULL DEFAULT '[]',
    description TEXT NOT NULL,
    vendor      TEXT,
    url         TEXT,
    access      TEXT NOT NULL CHECK (access IN ('open', 'campus', 'on_site')),
    note        TEXT
) STRICT;

CREATE TABLE resource_disciplines (
    resource_id   TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    discipline_id TEXT NOT NULL REFERENCES disciplines(id),
    best_bet      INTEGER NOT NULL DEFAULT 0 CHECK (best_bet IN (0, 1)),
    PRIMARY KEY (resource_id, discipline_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE documents (
    sha256        TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    pages         INTEGER NOT NULL,
    record_id     TEXT REFERENCES records(id) ON DELETE SET NULL,
    discipline_id TEXT REFERENCES disciplines(id),
    added_at      TEXT NOT NULL
) STRICT;

CREATE TABLE librarians (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    library_id TEXT NOT NULL REFERENCES libraries(id),
    subjects   TEXT NOT NULL DEFAULT '[]',
    languages  TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE librarian_disciplines (
    librarian_id  TEXT NOT NULL REFERENCES librarians(id) ON DELETE CASCADE,
    discipline_id TEXT NOT NULL REFERENCES disciplines(id),
    PRIMARY KEY (librarian_id, discipline_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE librarian_hours (
    librarian_id TEXT NOT NULL REFERENCES librarians(id) ON DELETE CASCADE,
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts       TEXT NOT NULL,
    ends         TEXT NOT NULL,
    CHECK (starts < ends),
    PRIMARY KEY (librarian_id, weekday, starts)
) STRICT, WITHOUT ROWID;
"#,
    },
    Migration {
        name: "discipline browsing, resource curation with audit, local librarian accounts",
        sql: r#"
CREATE INDEX record_disciplines_discipline ON record_disciplines(discipline_id, record_id);
CREATE INDEX resource_disciplines_discipline ON resource_disciplines(discipline_id);
CREATE INDEX documents_discipline ON documents(discipline_id);
CREATE INDEX librarian_disciplines_discipline ON librarian_disciplines(discipline_id);

-- A retired resource is hidden from students but kept, with its history.
ALTER TABLE resources ADD COLUMN retired_at TEXT;

-- One line per change a librarian makes to a resource: who, when, what.
CREATE TABLE resource_audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    account     TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('add', 'edit', 'retire', 'restore')),
    detail      TEXT NOT NULL
) STRICT;
CREATE INDEX resource_audit_resource ON resource_audit(resource_id, at);

-- Librarian accounts of a standalone workstation (with a hub, the hub signs librarians in).
CREATE TABLE accounts (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    librarian_id  TEXT REFERENCES librarians(id) ON DELETE SET NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    disabled_at   TEXT
) STRICT;
"#,
    },
    Migration {
        name: "consultation booking: types, exceptions to weekly hours, bookings",
        sql: r#"
CREATE TABLE consultation_types (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    name_zh               TEXT NOT NULL,
    minutes               INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 480),
    buffer_before         INTEGER NOT NULL DEFAULT 0 CHECK (buffer_before BETWEEN 0 AND 120),
    buffer_after          INTEGER NOT NULL DEFAULT 0 CHECK (buffer_after BETWEEN 0 AND 120),
    min_notice_minutes    INTEGER NOT NULL DEFAULT 60 CHECK (min_notice_minutes >= 0),
    window_days           INTEGER NOT NULL DEFAULT 14 CHECK (window_days BETWEEN 1 AND 366),
    cancel_cutoff_minutes INTEGER NOT NULL DEFAULT 60 CHECK (cancel_cutoff_minutes >= 0),
    capacity              INTEGER NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 50),
    position              INTEGER NOT NULL DEFAULT 0
) STRICT;

-- A day (or part of one, local time of the librarian's library) off the weekly hours.
CREATE TABLE librarian_exceptions (
    id           INTEGER PRIMARY KEY,
    librarian_id TEXT NOT NULL REFERENCES librarians(id) ON DELETE CASCADE,
    date         TEXT NOT NULL,
    starts       TEXT,
    ends         TEXT,
    reason       TEXT NOT NULL DEFAULT '',
    CHECK ((starts IS NULL AND ends IS NULL) OR (starts IS NOT NULL AND ends IS NOT NULL AND starts < ends))
) STRICT;
CREATE INDEX librarian_exceptions_date ON librarian_exceptions(librarian_id, date);

-- Personal data (name, email, description, outcome) is set to NULL when purged; the rest
-- stays for statistics.
CREATE TABLE bookings (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    librarian_id  TEXT NOT NULL REFERENCES librarians(id),
    type_id       TEXT NOT NULL REFERENCES consultation_types(id),
    discipline_id TEXT REFERENCES disciplines(id),
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'booked'
                  CHECK (status IN ('booked', 'checked_in', 'completed', 'no_show', 'cancelled')),
    topic         TEXT NOT NULL,
    student_name  TEXT,
    student_email TEXT,
    description   TEXT,
    outcome       TEXT,
    read_level    INTEGER CHECK (read_level BETWEEN 1 AND 6),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    purged_at     TEXT,
    CHECK (starts_at < ends_at)
) STRICT;
CREATE INDEX bookings_librarian ON bookings(librarian_id, starts_at);
"#,
    },
    Migration {
        name: "document text extraction: status per document, text per page",
        sql: r#"
-- pending: not yet extracted; indexed: text stored and searchable; rejected: with a reason.
ALTER TABLE documents ADD COLUMN extraction TEXT NOT NULL DEFAULT 'pending'
    CHECK (extraction IN ('pending', 'indexed', 'rejected'));
ALTER TABLE documents ADD COLUMN extraction_reason TEXT;
ALTER TABLE documents ADD COLUMN extraction_detail TEXT;

CREATE TABLE document_pages (
    sha256 TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
    page   INTEGER NOT NULL CHECK (page >= 1),
    text   TEXT NOT NULL,
    PRIMARY KEY (sha256, page)
) STRICT, WITHOUT ROWID;
"#,
    },
    Migration {
        name: "documents attached to resources",
        sql: r#"
CREATE TABLE resource_documents (
    resource_id TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    sha256      TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
    PRIMARY KEY (resource_id, sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX resource_documents_document ON resource_documents(sha256);
"#,
    },
    Migration {
        name: "records from the hub: their original is the hub's union record",
        sql: r#"
CREATE TABLE record_originals_new (
    record_id   TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
    format      TEXT NOT NULL CHECK (format IN ('marc21', 'marcxml', 'marc-in-json', 'oai_dc', 'hub')),
    body        BLOB NOT NULL,
    sha256      TEXT NOT NULL,
    imported_at TEXT NOT NULL
) STRICT;
INSERT INTO record_originals_new SELECT record_id, format, body, sha256, imported_at FROM record_originals;
DROP TABLE record_originals;
ALTER TABLE record_originals_new RENAME TO record_originals;
"#,
    },
    Migration {
        name: "bookings shared through the hub: the outbox, and the consortium's busy times",
        sql: r#"
-- NULL: a standalone booking. pending: made here, not yet accepted by the hub (the outbox,
-- sent with the code as idempotency key); confirmed: the hub holds it; refused: the hub
-- found the time taken (the booking is then cancelled here).
ALTER TABLE bookings ADD COLUMN hub_state TEXT CHECK (hub_state IN ('pending', 'confirmed', 'refused'));
ALTER TABLE bookings ADD COLUMN hub_error TEXT;

-- Live bookings anywhere in the consortium, from the hub's feed: who is busy when, never
-- who booked.
CREATE TABLE hub_bookings (
    code         TEXT PRIMARY KEY,
    librarian_id TEXT NOT NULL,
    type_id      TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    busy_from    TEXT NOT NULL,
    busy_to      TEXT NOT NULL
) STRICT;
CREATE INDEX hub_bookings_librarian ON hub_bookings(librarian_id);
"#,
    },
    Migration {
        name: "documents from the hub: downloaded on demand, evicted least recently used",
        sql: r#"
-- local: added on this workstation (kept for good); hub: shared by the hub, its file
-- downloaded, and evicted under the store's size cap when least recently opened (its text
-- stays searchable; opening it downloads it again).
ALTER TABLE documents ADD COLUMN origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'hub'));
ALTER TABLE documents ADD COLUMN stored INTEGER NOT NULL DEFAULT 1 CHECK (stored IN (0, 1));
ALTER TABLE documents ADD COLUMN opened_at TEXT;
ALTER TABLE documents ADD COLUMN download_error TEXT;
"#,
    },
];
