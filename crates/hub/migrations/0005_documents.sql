-- Documents the consortium shares with every workstation (theses, readings, guides): the
-- file lives in the hub's document directory under its SHA-256, workstations download it
-- (resuming interrupted downloads) and check it against that hash.
CREATE TABLE documents (
    sha256        TEXT PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    title         TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    bytes         BIGINT NOT NULL CHECK (bytes > 0),
    discipline_id TEXT,
    record_id     TEXT,
    added_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
