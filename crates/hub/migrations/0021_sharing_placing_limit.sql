-- A workstation places at most `[sharing] requests_per_hour` requests in any hour: the
-- requests it placed in the last hour are counted by its token, newest first.
CREATE INDEX sharing_requests_token_placed ON sharing_requests (token_hash, placed_at);
