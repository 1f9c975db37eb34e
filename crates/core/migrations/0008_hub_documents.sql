
-- local: added on this workstation (kept for good); hub: shared by the hub, its file
-- downloaded, and evicted under the store's size cap when least recently opened (its text
-- stays searchable; opening it downloads it again).
ALTER TABLE documents ADD COLUMN origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'hub'));
ALTER TABLE documents ADD COLUMN stored INTEGER NOT NULL DEFAULT 1 CHECK (stored IN (0, 1));
ALTER TABLE documents ADD COLUMN opened_at TEXT;
ALTER TABLE documents ADD COLUMN download_error TEXT;
