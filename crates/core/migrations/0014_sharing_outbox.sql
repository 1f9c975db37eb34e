-- Requests for another member library's item placed while the hub was out of reach. Each
-- is sent exactly once (the hub answers a key it has seen with the request it made), and
-- its row is deleted as soon as the hub has it: the reader's details stay on this shared
-- PC only while they must. A request the hub refuses keeps its code, a digest of its email
-- and the reason (no body), so its reader can still learn why here.
CREATE TABLE sharing_outbox (
    idempotency_key TEXT PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    email_digest    TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT,
    refused         TEXT,
    created_at      TEXT NOT NULL,
    CHECK ((body IS NULL) = (refused IS NOT NULL))
) STRICT;

