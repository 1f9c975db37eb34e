-- Which MARC a library's records are in, when detecting it from each record is not wanted:
-- NULL reads each record as its tags say (MARC 21, or UNIMARC/CNMARC).
ALTER TABLE libraries ADD COLUMN marc_family TEXT CHECK (marc_family IN ('marc21', 'unimarc'));
