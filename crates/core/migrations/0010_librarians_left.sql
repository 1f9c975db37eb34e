-- A librarian who has left the hub's roster: her past bookings stay, she is offered no more.
ALTER TABLE librarians ADD COLUMN left_at TEXT;
