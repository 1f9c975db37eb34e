-- Librarians sign in on the hub to see and run their bookings from any workstation. Only an
-- Argon2id hash of each password is kept; a session is a random token kept as SHA-256 that
-- ends after 30 minutes unused.
CREATE TABLE librarian_accounts (
    username      TEXT PRIMARY KEY,
    librarian_id  TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    disabled_at   TIMESTAMPTZ
);

CREATE TABLE librarian_sessions (
    hash         TEXT PRIMARY KEY,
    username     TEXT NOT NULL REFERENCES librarian_accounts(username) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
