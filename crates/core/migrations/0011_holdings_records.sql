-- MARC 21 holdings records (leader type u, v, x or y), kept as they arrived: their holdings
-- belong to the bibliographic record whose control number their 004 names. They are attached
-- whenever that record is in the cache (now, or when it arrives later), and again each time
-- it is imported anew; an orphan waits here, reported, never lost.
CREATE TABLE holdings_records (
    id          TEXT PRIMARY KEY,
    target      TEXT NOT NULL,
    holdings    TEXT NOT NULL,
    format      TEXT NOT NULL,
    body        BLOB NOT NULL,
    sha256      TEXT NOT NULL,
    imported_at TEXT NOT NULL
) STRICT;
CREATE INDEX holdings_records_target ON holdings_records(target);
