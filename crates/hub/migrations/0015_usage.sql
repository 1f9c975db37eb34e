-- Usage statistics: each workstation's daily counts (never who), replaced whole when a
-- workstation sends a day again, so a day is never counted twice. A token names the member
-- library whose Information Commons the workstation stands in; a librarian reads her
-- library's counts, an account with the `office` role the consortium's.
ALTER TABLE tokens ADD COLUMN library_id TEXT REFERENCES libraries(id);

ALTER TABLE librarian_accounts
    ADD COLUMN role TEXT NOT NULL DEFAULT 'librarian' CHECK (role IN ('librarian', 'office'));

CREATE TABLE usage_counts (
    token_id   BIGINT NOT NULL REFERENCES tokens(id),
    day        DATE NOT NULL,
    metric     TEXT NOT NULL,
    discipline TEXT NOT NULL,
    subject    TEXT NOT NULL,
    count      BIGINT NOT NULL CHECK (count > 0),
    PRIMARY KEY (token_id, day, metric, discipline, subject)
);
CREATE INDEX usage_counts_day ON usage_counts(day);

-- Searches that found nothing, typed in at least five patron sessions of a month on one
-- workstation (anything less is dropped before it is written).
CREATE TABLE usage_empty_searches (
    token_id BIGINT NOT NULL REFERENCES tokens(id),
    month    TEXT NOT NULL,
    text     TEXT NOT NULL,
    sessions INTEGER NOT NULL CHECK (sessions >= 5),
    PRIMARY KEY (token_id, month, text)
);
