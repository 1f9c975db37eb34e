-- The feed carries busy times only: who is busy when, under an opaque key, never a booking's
-- code (which lets anyone holding it cancel). Changes written before lose their code and are
-- keyed as new ones are.
UPDATE changes c
   SET key = 'busy:' || b.id, body = c.body - 'code'
  FROM bookings b
 WHERE c.kind = 'booking' AND c.key = b.code;
