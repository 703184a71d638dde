-- Reading the outbox after a cursor, in commit order: the relay and every
-- durable consumer go through events.after. It walks the (tx_id, id) index
-- and nothing else: right after a burst (100 000 events in one transaction)
-- the table's statistics still say it is small, and the planner would
-- rather fetch every row after the cursor and sort them, for each batch (a
-- second a batch where the walk takes milliseconds). The SET clauses hold
-- for the function's statement only.
CREATE FUNCTION events.after(tx xid8, last bigint, n int) RETURNS SETOF events.outbox
    LANGUAGE sql STABLE
    SET enable_seqscan = off SET enable_bitmapscan = off
    AS $$
    SELECT * FROM events.outbox
     WHERE (tx_id, id) > (tx, last)
       AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY tx_id, id LIMIT n
    $$;
