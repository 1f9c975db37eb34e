-- The consortium's roster: who takes consultations, at which member library, and the time
-- zone in which that library keeps its hours. The hub checks every booking against it (the
-- librarian, her type, hours, time off, notice and window), whatever a workstation sends.
ALTER TABLE libraries
    ADD COLUMN name_zh   TEXT,
    ADD COLUMN city      TEXT,
    ADD COLUMN city_zh   TEXT,
    ADD COLUMN time_zone TEXT;

CREATE TABLE librarians (
    id         TEXT PRIMARY KEY,
    library_id TEXT NOT NULL REFERENCES libraries(id),
    -- The `SharedLibrarian` the feed carries: no email, no account.
    body       JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Set when she has left: her bookings stay, no new one is taken.
    left_at    TIMESTAMPTZ
);
