-- Resource sharing between member libraries (ISO 18626): a reader's request for a loan or
-- a copy, placed at a workstation of the pickup library and supplied by another member.
-- `status` is the supplier's ISO 18626 status, `pickup_stage` where the item stands at the
-- pickup library; `sharing_events` is the history. The reader's details live apart in
-- `sharing_patrons`, visible only to the libraries involved and deleted after the
-- retention period; the request and its events stay as anonymous counts.
CREATE TABLE sharing_requests (
    id                 BIGSERIAL PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    -- The workstation that placed it (its token's SHA-256) and its key: sent again, the
    -- same request answers with the first one.
    token_hash         TEXT NOT NULL,
    idempotency_key    TEXT NOT NULL,
    body_hash          TEXT NOT NULL,
    work_id            BIGINT NOT NULL,
    title              TEXT NOT NULL,
    service            TEXT NOT NULL,
    requesting_library TEXT NOT NULL REFERENCES libraries(id),
    pickup_library     TEXT NOT NULL REFERENCES libraries(id),
    supplier           TEXT REFERENCES libraries(id),
    status             TEXT NOT NULL,
    pickup_stage       TEXT NOT NULL,
    due                DATE,
    -- Suppliers that answered Unfilled, in order: never asked again.
    tried              TEXT[] NOT NULL DEFAULT '{}',
    unfilled_reason    TEXT,
    placed_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    received_at        TIMESTAMPTZ,
    closed_at          TIMESTAMPTZ,
    UNIQUE (token_hash, idempotency_key)
);
CREATE INDEX sharing_requests_supplier ON sharing_requests (supplier) WHERE closed_at IS NULL;
CREATE INDEX sharing_requests_pickup ON sharing_requests (pickup_library) WHERE closed_at IS NULL;

CREATE TABLE sharing_patrons (
    request_id  BIGINT PRIMARY KEY REFERENCES sharing_requests(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    card_number TEXT NOT NULL,
    email       TEXT NOT NULL,
    note        TEXT,
    part        TEXT,
    citation    TEXT
);

CREATE TABLE sharing_events (
    id           BIGSERIAL PRIMARY KEY,
    request_id   BIGINT NOT NULL REFERENCES sharing_requests(id) ON DELETE CASCADE,
    at           TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    supplier     TEXT,
    status       TEXT NOT NULL,
    pickup_stage TEXT NOT NULL,
    what         TEXT NOT NULL,
    note         TEXT,
    -- The librarian who took the step (a user name), none for the hub's own steps.
    by_username  TEXT
);
CREATE INDEX sharing_events_request ON sharing_events (request_id, id);
