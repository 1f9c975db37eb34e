-- Librarians curating the consortium's resource list from their workstations: one line per
-- change (who, when, what), as the workstations keep for their own.
CREATE TABLE resource_audit (
    id          BIGSERIAL PRIMARY KEY,
    resource_id TEXT NOT NULL REFERENCES resources(id),
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    username    TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('save', 'retire', 'restore')),
    body        JSONB
);
CREATE INDEX resource_audit_by_resource ON resource_audit(resource_id, at);
