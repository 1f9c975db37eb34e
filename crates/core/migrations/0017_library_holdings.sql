-- Each library's number of holdings and of those available, kept as holdings are written
-- (triggers, so a cascade or any writer counts too): the home screen shows them on start,
-- and counting every holding took 2 s at a million records. Every library has its row from
-- the start, so a holding written costs one UPDATE of a six-row table (about 0.7 µs; an
-- upsert cost twice that).
CREATE TABLE library_holdings (
    library_id TEXT PRIMARY KEY REFERENCES libraries(id) ON DELETE CASCADE,
    items      INTEGER NOT NULL DEFAULT 0 CHECK (items >= 0),
    available  INTEGER NOT NULL DEFAULT 0 CHECK (available >= 0 AND available <= items)
) STRICT, WITHOUT ROWID;

INSERT INTO library_holdings(library_id, items, available)
    SELECT l.id,
           (SELECT count(*) FROM holdings h WHERE h.library_id = l.id),
           (SELECT count(*) FROM holdings h WHERE h.library_id = l.id AND h.status = 'available')
    FROM libraries l;

CREATE TRIGGER library_counted AFTER INSERT ON libraries BEGIN
    INSERT OR IGNORE INTO library_holdings(library_id) VALUES (NEW.id);
END;

CREATE TRIGGER holdings_counted AFTER INSERT ON holdings BEGIN
    UPDATE library_holdings SET items = items + 1, available = available + (NEW.status = 'available')
        WHERE library_id = NEW.library_id;
END;

CREATE TRIGGER holdings_uncounted AFTER DELETE ON holdings BEGIN
    UPDATE library_holdings SET items = items - 1, available = available - (OLD.status = 'available')
        WHERE library_id = OLD.library_id;
END;

CREATE TRIGGER holdings_recounted AFTER UPDATE OF library_id, status ON holdings BEGIN
    UPDATE library_holdings SET items = items - 1, available = available - (OLD.status = 'available')
        WHERE library_id = OLD.library_id;
    UPDATE library_holdings SET items = items + 1, available = available + (NEW.status = 'available')
        WHERE library_id = NEW.library_id;
END;
