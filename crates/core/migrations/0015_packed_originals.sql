-- The original of each record moves into its row and is kept compressed: one zstd frame,
-- with a dictionary the cache trains on its own records of that format
-- (`catalogue::originals`). What can be derived is no longer stored: the checksum (an
-- unchanged original is found by comparing bytes) and the import time (`updated_at`).
-- Originals moved here from `record_originals` stay as sent (`original_packed = 0`) until
-- `commons compact` compresses them.
CREATE TABLE original_dictionaries (
    id         INTEGER PRIMARY KEY,
    format     TEXT NOT NULL CHECK (format IN ('marc21', 'marcxml', 'marc-in-json', 'oai_dc', 'hub')),
    dictionary BLOB NOT NULL,
    samples    INTEGER NOT NULL CHECK (samples > 0),
    trained_at TEXT NOT NULL
) STRICT;

ALTER TABLE records ADD COLUMN original_format TEXT
    CHECK (original_format IN ('marc21', 'marcxml', 'marc-in-json', 'oai_dc', 'hub'));
ALTER TABLE records ADD COLUMN original_packed INTEGER CHECK (original_packed IN (0, 1));
ALTER TABLE records ADD COLUMN original_dictionary INTEGER REFERENCES original_dictionaries(id);
ALTER TABLE records ADD COLUMN original BLOB;

UPDATE records SET (original_format, original_packed, original) =
    (SELECT o.format, 0, o.body FROM record_originals o WHERE o.record_id = records.id)
WHERE id IN (SELECT record_id FROM record_originals);
DROP TABLE record_originals;
