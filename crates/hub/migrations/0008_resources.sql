-- The consortium's list of resources (databases, journals, guides, software), as the
-- workstations' discipline pages show them. Imported from a JSON file in the shape of the
-- demo data; a resource left out of a later import is retired on every workstation.
CREATE TABLE resources (
    id         TEXT PRIMARY KEY,
    body       JSONB NOT NULL,
    retired_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
