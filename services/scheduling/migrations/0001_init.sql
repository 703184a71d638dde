-- scheduling: the service's own schema. Only the scheduling service writes here; other
-- services learn about its data from its RPC replies and its events.
CREATE SCHEMA IF NOT EXISTS scheduling;
COMMENT ON SCHEMA scheduling IS 'hrflow scheduling service: interview capacity, slots, bookings, reminders';
