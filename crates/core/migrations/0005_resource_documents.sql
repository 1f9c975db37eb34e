
CREATE TABLE resource_documents (
    resource_id TEXT NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
    sha256      TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
    PRIMARY KEY (resource_id, sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX resource_documents_document ON resource_documents(sha256);
