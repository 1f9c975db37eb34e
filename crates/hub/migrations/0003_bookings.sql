-- Consultation bookings shared by every workstation. PostgreSQL itself makes two bookings of
-- one librarian overlap impossible, whatever any application does: the exclusion constraint
-- refuses a row whose busy time (the consultation with its buffers) overlaps another live
-- booking of the same librarian, unless both belong to the same group session (the same
-- consultation type at the same start), whose seats are counted under a lock.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE bookings (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    -- Chosen by the workstation when the student asked: a retried request (an outbox sent
    -- again after a timeout) finds the booking it already made.
    idempotency_key TEXT NOT NULL UNIQUE,
    librarian_id    TEXT NOT NULL,
    type_id         TEXT NOT NULL,
    discipline_id   TEXT,
    session         TEXT NOT NULL,
    seat            INTEGER NOT NULL CHECK (seat >= 1),
    capacity        INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 50),
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL,
    busy            TSTZRANGE NOT NULL,
    status          TEXT NOT NULL DEFAULT 'booked'
                    CHECK (status IN ('booked', 'checked_in', 'completed', 'no_show', 'cancelled')),
    topic           TEXT NOT NULL,
    student_name    TEXT,
    student_email   TEXT,
    description     TEXT,
    outcome         TEXT,
    read_level      INTEGER CHECK (read_level BETWEEN 1 AND 6),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at),
    CHECK (seat <= capacity),
    EXCLUDE USING gist (librarian_id WITH =, session WITH <>, busy WITH &&)
        WHERE (status <> 'cancelled')
);
CREATE UNIQUE INDEX bookings_seat ON bookings (librarian_id, session, seat) WHERE status <> 'cancelled';
CREATE INDEX bookings_librarian ON bookings (librarian_id, starts_at);
