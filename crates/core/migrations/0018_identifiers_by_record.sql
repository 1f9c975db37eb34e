-- A record's identifiers are read by record (its page, its replacement); nothing looks a
-- record up by an identifier in the cache (the search index's `ident` field answers an ISBN
-- typed in the box). The index by value cost 46 bytes a record and a b-tree write per
-- identifier at import.
DROP INDEX record_identifiers_value;
