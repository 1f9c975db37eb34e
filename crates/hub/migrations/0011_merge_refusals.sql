-- Merges the hub refused because one record would have joined too many works (a record
-- carrying the identifiers of many unrelated works): counted per library, the last named.
ALTER TABLE harvests
    ADD COLUMN merge_refusals BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN last_merge_refusal TEXT;
