-- What librarians set at the desk of any workstation and every workstation needs the same:
-- each librarian's weekly hours and time off (a `schedule` change keyed by the librarian's
-- id) and the consultation types (a `consultation_type` change keyed by the type's id).
CREATE TABLE schedules (
    librarian_id TEXT PRIMARY KEY,
    body         JSONB NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE consultation_types (
    id         TEXT PRIMARY KEY,
    body       JSONB NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
