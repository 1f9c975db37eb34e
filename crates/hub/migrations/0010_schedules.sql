-- Librarians' weekly hours and time off, set at the desk of any workstation and sent to every
-- workstation through the feed (a `schedule` change keyed by the librarian's id).
CREATE TABLE schedules (
    librarian_id TEXT PRIMARY KEY,
    body         JSONB NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
