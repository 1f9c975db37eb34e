
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
