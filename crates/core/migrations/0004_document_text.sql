
-- pending: not yet extracted; indexed: text stored and searchable; rejected: with a reason.
ALTER TABLE documents ADD COLUMN extraction TEXT NOT NULL DEFAULT 'pending'
    CHECK (extraction IN ('pending', 'indexed', 'rejected'));
ALTER TABLE documents ADD COLUMN extraction_reason TEXT;
ALTER TABLE documents ADD COLUMN extraction_detail TEXT;

CREATE TABLE document_pages (
    sha256 TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
    page   INTEGER NOT NULL CHECK (page >= 1),
    text   TEXT NOT NULL,
    PRIMARY KEY (sha256, page)
) STRICT, WITHOUT ROWID;
