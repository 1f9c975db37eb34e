-- What a record's original describes is read from it (`catalogue::originals::describe`),
-- not stored beside it: its identifiers, classification numbers, subjects, notes and every
-- field only its page and the search index read. Kept are the fields lists show and sort by
-- (title, subtitle, authors, year, language, format). At a million records this is about
-- 110 MiB less, and an import writes one b-tree fewer per identifier.
--
-- Every record has an original from now on. The demo's records seeded by an earlier
-- Commons had none: each gets the one the demo now writes, its union record as the hub
-- would send it, built from what the row and its identifiers hold (a list read by a
-- subquery is text to `json_object` until `json()` makes it JSON again).
UPDATE records SET
    original_format = 'hub',
    original_packed = 0,
    original_dictionary = NULL,
    original = CAST(json_object(
        'id', id,
        'format', format,
        'description', json_object(
            'title', title,
            'subtitle', subtitle,
            'responsibility', responsibility,
            'authors', json(authors),
            'edition', edition,
            'publisher', publisher,
            'place', place,
            'year', year,
            'language', language,
            'isbns', json((SELECT json_group_array(value) FROM (SELECT value FROM record_identifiers i
                          WHERE i.record_id = records.id AND i.scheme = 'isbn' ORDER BY value))),
            'issns', json((SELECT json_group_array(value) FROM (SELECT value FROM record_identifiers i
                          WHERE i.record_id = records.id AND i.scheme = 'issn' ORDER BY value))),
            'lccn', (SELECT min(value) FROM record_identifiers i
                         WHERE i.record_id = records.id AND i.scheme = 'lccn'),
            'oclc', json((SELECT json_group_array(value) FROM (SELECT value FROM record_identifiers i
                         WHERE i.record_id = records.id AND i.scheme = 'oclc' ORDER BY value))),
            'lcc', lcc,
            'ddc', ddc,
            'clc', clc,
            'subjects', json(subjects),
            'series', json(series),
            'notes', json(notes),
            'summary', summary,
            'contents', contents,
            'physical', physical,
            'romanized', json(romanized)),
        'holdings', json((SELECT json_group_array(json_object('library', library_id,
                              'call_number', call_number, 'location', location,
                              'status', status, 'due_date', due_date))
                          FROM (SELECT * FROM holdings h WHERE h.record_id = records.id
                                ORDER BY id)))) AS BLOB)
WHERE original IS NULL;

DROP TABLE record_identifiers;
ALTER TABLE records DROP COLUMN responsibility;
ALTER TABLE records DROP COLUMN edition;
ALTER TABLE records DROP COLUMN publisher;
ALTER TABLE records DROP COLUMN place;
ALTER TABLE records DROP COLUMN lcc;
ALTER TABLE records DROP COLUMN ddc;
ALTER TABLE records DROP COLUMN clc;
ALTER TABLE records DROP COLUMN subjects;
ALTER TABLE records DROP COLUMN series;
ALTER TABLE records DROP COLUMN notes;
ALTER TABLE records DROP COLUMN summary;
ALTER TABLE records DROP COLUMN contents;
ALTER TABLE records DROP COLUMN physical;
ALTER TABLE records DROP COLUMN romanized;
