
-- NULL: a standalone booking. pending: made here, not yet accepted by the hub (the outbox,
-- sent with the code as idempotency key); confirmed: the hub holds it; refused: the hub
-- found the time taken (the booking is then cancelled here).
ALTER TABLE bookings ADD COLUMN hub_state TEXT CHECK (hub_state IN ('pending', 'confirmed', 'refused'));
ALTER TABLE bookings ADD COLUMN hub_error TEXT;

-- Live bookings anywhere in the consortium, from the hub's feed: who is busy when, never
-- who booked.
CREATE TABLE hub_bookings (
    code         TEXT PRIMARY KEY,
    librarian_id TEXT NOT NULL,
    type_id      TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    busy_from    TEXT NOT NULL,
    busy_to      TEXT NOT NULL
) STRICT;
CREATE INDEX hub_bookings_librarian ON hub_bookings(librarian_id);
