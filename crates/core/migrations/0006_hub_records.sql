
CREATE TABLE record_originals_new (
    record_id   TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
    format      TEXT NOT NULL CHECK (format IN ('marc21', 'marcxml', 'marc-in-json', 'oai_dc', 'hub')),
    body        BLOB NOT NULL,
    sha256      TEXT NOT NULL,
    imported_at TEXT NOT NULL
) STRICT;
INSERT INTO record_originals_new SELECT record_id, format, body, sha256, imported_at FROM record_originals;
DROP TABLE record_originals;
ALTER TABLE record_originals_new RENAME TO record_originals;
