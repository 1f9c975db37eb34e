-- Document delivery: the scanned copy that completes a copy request, stored on the hub
-- apart from the shared documents (never in the feed, never served by its SHA-256 alone)
-- and deleted, row and file, when it expires.
CREATE TABLE sharing_deliveries (
    request_id   BIGINT PRIMARY KEY REFERENCES sharing_requests(id) ON DELETE CASCADE,
    sha256       TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    delivered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sharing_deliveries_expiry ON sharing_deliveries (expires_at);
