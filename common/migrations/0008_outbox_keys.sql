-- The durable consumers' walk of the log, keys only. A consumer reads up to
-- 5 000 rows after its cursor and acts on the few whose type it wants (the
-- pipeline's scored interviews among an import's created candidates);
-- events.after handed it every row whole, so each row's data was fetched,
-- copied into the function's result and again into the consumer's scan:
-- about 8 µs a row and consumer (7 µs of it the copies), paid by every
-- consumer for every event. This walk returns what deciding needs, the
-- consumer fetches the rows it wants by primary key: 2 µs a row. The same
-- promise and the same index as events.after (0004).
CREATE FUNCTION events.after_keys(tx xid8, last bigint, n int)
    RETURNS TABLE (tx_id xid8, id bigint, tenant_id text, type text)
    LANGUAGE sql STABLE
    SET enable_seqscan = off SET enable_bitmapscan = off
    AS $$
    SELECT o.tx_id, o.id, o.tenant_id, o.type FROM events.outbox o
     WHERE (o.tx_id, o.id) > (tx, last)
       AND o.tx_id < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY o.tx_id, o.id LIMIT n
    $$;
