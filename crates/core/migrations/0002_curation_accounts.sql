
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
