-- Workstation tokens: only a SHA-256 of each token is kept.
CREATE TABLE tokens (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);

-- Member libraries, each an OAI-PMH source.
CREATE TABLE libraries (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    base_url        TEXT,
    metadata_prefix TEXT NOT NULL DEFAULT 'marcxml',
    set_spec        TEXT,
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The change feed. Every write to shared data adds a row here in the same transaction. A
-- change's id comes from a one-row counter that the writing transaction keeps locked until
-- it ends, so ids are handed out in commit order: a transaction cannot take an id before
-- every transaction with a smaller one has committed or rolled back. A reader that sees
-- change N therefore sees every change below N, and `id > cursor` never skips one.
CREATE TABLE change_counter (
    only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    last_id  BIGINT NOT NULL
);
INSERT INTO change_counter(last_id) VALUES (0);

CREATE FUNCTION next_change_id() RETURNS BIGINT
LANGUAGE sql VOLATILE
AS $$ UPDATE change_counter SET last_id = last_id + 1 RETURNING last_id $$;

CREATE TABLE changes (
    id   BIGINT PRIMARY KEY DEFAULT next_change_id(),
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    op   TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    body JSONB
);
