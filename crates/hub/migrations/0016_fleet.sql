-- The fleet view: what each workstation last said of itself after a sync (its version, the
-- feed cursor it has applied, its last health checks). Nothing about patrons.
ALTER TABLE tokens
    ADD COLUMN last_seen_at TIMESTAMPTZ,
    ADD COLUMN version      TEXT,
    ADD COLUMN cursor       BIGINT,
    ADD COLUMN checked_at   TIMESTAMPTZ,
    ADD COLUMN checks       JSONB;
