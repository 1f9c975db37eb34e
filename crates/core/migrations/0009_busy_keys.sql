
-- The hub's feed carries busy times under an opaque key (busy:N), never a booking's code;
-- a booking made here remembers its key so its time is not counted twice.
ALTER TABLE bookings ADD COLUMN hub_busy_key TEXT;
