-- Romanized forms a record carries (the pinyin of a CNMARC title or name in $9): searched,
-- and shown on the record's page, so typing the pinyin of a title finds it.
ALTER TABLE records ADD COLUMN romanized TEXT NOT NULL DEFAULT '[]';
