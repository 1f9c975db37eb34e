-- The discipline of a request's record, as the placing workstation classified it: the
-- statistics count lending per pair of libraries and per discipline.
ALTER TABLE sharing_requests ADD COLUMN discipline_id TEXT;
CREATE INDEX sharing_requests_placed ON sharing_requests (placed_at);
