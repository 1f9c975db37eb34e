-- How often the hub harvests each library while it serves; NULL: the hub's default
-- (`[harvest] every_minutes` in its configuration).
ALTER TABLE libraries ADD COLUMN harvest_every_minutes INTEGER
    CHECK (harvest_every_minutes IS NULL OR harvest_every_minutes >= 5);
