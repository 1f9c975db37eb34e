
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
