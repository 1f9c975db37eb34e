-- A librarian's calendar feed: a secret address calendar programs subscribe to (they cannot
-- send tokens); rotating it ends every old subscription.
ALTER TABLE librarian_accounts ADD COLUMN calendar_secret TEXT UNIQUE;
