-- Usage statistics: counts per day, metric, discipline and subject (a resource, a document,
-- the hour a session began), never who. `usage_days` remembers how often each day changed
-- and how far the hub has been told, so a day is sent again only when it changed and the
-- hub, which replaces a workstation's day whole, never counts one twice.
CREATE TABLE usage_counts (
    day        TEXT NOT NULL,
    metric     TEXT NOT NULL,
    discipline TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    count      INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (day, metric, discipline, subject)
) STRICT, WITHOUT ROWID;

CREATE TABLE usage_days (
    day     TEXT PRIMARY KEY,
    changes INTEGER NOT NULL DEFAULT 0,
    sent    INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

-- A search that found nothing, with how many patron sessions typed it this month. Until
-- it reaches the threshold only a keyed digest of its text is kept (the key is this
-- cache's, in `meta`), so whoever reads the file cannot read what other patrons typed; the
-- text itself is kept from the session that reaches the threshold. Rows under the threshold
-- are deleted when their month closes; none is sent.
CREATE TABLE usage_empty_searches (
    month    TEXT NOT NULL,
    digest   TEXT NOT NULL,
    text     TEXT,
    sessions INTEGER NOT NULL CHECK (sessions > 0),
    PRIMARY KEY (month, digest)
) STRICT, WITHOUT ROWID;

-- A licensed resource's yearly cost, from the consortium's resource list (whole units of
-- its currency), so statistics can show its cost per use. A librarian's edit keeps it.
ALTER TABLE resources ADD COLUMN yearly_cost INTEGER CHECK (yearly_cost >= 0);
