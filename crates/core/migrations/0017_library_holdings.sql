-- Each library's number of holdings and of those available, kept as holdings are written
-- (triggers, so a cascade or any writer counts too): the home screen shows them on start,
-- and counting every holding took 2 s at a million records.
CREATE TABLE library_holdings (
    library_id TEXT PRIMARY KEY REFERENCES libraries(id) ON DELETE CASCADE,
    items      INTEGER NOT NULL CHECK (items >= 0),
    available  INTEGER NOT NULL CHECK (available >= 0 AND available <= items)
) STRICT, WITHOUT ROWID;

INSERT INTO library_holdings(library_id, items, available)
    SELECT library_id, count(*), count(*) FILTER (WHERE status = 'available')
    FROM holdings GROUP BY library_id;

CREATE TRIGGER holdings_counted AFTER INSERT ON holdings BEGIN
    INSERT INTO library_holdings(library_id, items, available)
        VALUES (NEW.library_id, 1, NEW.status = 'available')
        ON CONFLICT(library_id) DO UPDATE SET items = items + 1,
            available = available + excluded.available;
END;

CREATE TRIGGER holdings_uncounted AFTER DELETE ON holdings BEGIN
    UPDATE library_holdings SET items = items - 1, available = available - (OLD.status = 'available')
        WHERE library_id = OLD.library_id;
END;

CREATE TRIGGER holdings_recounted AFTER UPDATE OF library_id, status ON holdings BEGIN
    UPDATE library_holdings SET items = items - 1, available = available - (OLD.status = 'available')
        WHERE library_id = OLD.library_id;
    INSERT INTO library_holdings(library_id, items, available)
        VALUES (NEW.library_id, 1, NEW.status = 'available')
        ON CONFLICT(library_id) DO UPDATE SET items = items + 1,
            available = available + excluded.available;
END;
