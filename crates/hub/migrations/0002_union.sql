-- The union catalogue. Each member library's records as harvested (mapped by Commons'
-- MARC and Dublin Core readers), the keys they are matched on, and the work each belongs
-- to. A work is not a row: it is the set of source records sharing its id, and its union
-- record is built from them whenever one of them changes (see merge.rs).
CREATE SEQUENCE work_ids;

CREATE TABLE source_records (
    library_id  TEXT NOT NULL REFERENCES libraries(id),
    oai_id      TEXT NOT NULL,
    format      TEXT NOT NULL,
    record      JSONB NOT NULL,
    keys        TEXT[] NOT NULL,
    work_id     BIGINT NOT NULL,
    harvested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (library_id, oai_id)
);
CREATE INDEX source_records_keys ON source_records USING GIN (keys);
CREATE INDEX source_records_work ON source_records (work_id);

-- Where each library's harvest stands. `next_from` is the `from` of the next incremental
-- harvest; while a harvest runs, `running_from` is its `from`, `running_since` the
-- provider's responseDate of its first page (the next `from` once it succeeds), and
-- `resumption_token` the token after the last page committed, so a harvest that dies
-- resumes there.
CREATE TABLE harvests (
    library_id       TEXT PRIMARY KEY REFERENCES libraries(id),
    next_from        TEXT,
    running_from     TEXT,
    running_since    TEXT,
    resumption_token TEXT,
    granularity      TEXT,
    last_success_at  TIMESTAMPTZ,
    last_attempt_at  TIMESTAMPTZ,
    last_error       TEXT,
    records          BIGINT NOT NULL DEFAULT 0,
    deleted          BIGINT NOT NULL DEFAULT 0,
    rejected         BIGINT NOT NULL DEFAULT 0
);
