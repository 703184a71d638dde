-- events.outbox_by_type (tenant_id, type, id) came with the first outbox,
-- for reading a tenant's events of one type. No reader does that: the relay
-- and the durable consumers walk (tx_id, id), the event log and its streams
-- walk (tenant_id, tx_id, id) and decide types per row (0006), and webhook
-- replays walk the primary key. It was the largest index in the database
-- (303 MB of 1.6 million events at a million candidates, `./hrflow bench
-- growth`, zero scans) and every event paid for it. Dropping it takes a
-- brief lock on events.outbox and frees the space at once.
DROP INDEX IF EXISTS events.outbox_by_type;
