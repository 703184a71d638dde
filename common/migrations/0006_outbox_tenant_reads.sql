-- Reading one tenant's events after a cursor, in commit order: the event log
-- integrators read (GET /v1/events, the Server-Sent Events stream, notify's
-- ListEvents). The same promise as events.after (0004): rows in (tx_id, id)
-- order, only below the oldest running transaction, so a slow transaction
-- that commits late is never passed. The walk goes down the tenant's own
-- range of the (tenant_id, tx_id, id) index and nothing else, so a reader
-- never scans other tenants' rows, and, as for events.after, the SET clauses
-- keep the planner from fetching and sorting every row after the cursor
-- when the statistics lag behind a burst.
--
-- Building the index holds writes to events.outbox for one pass over the
-- table. Where the log is already large, build it first without holding
-- them (CREATE INDEX CONCURRENTLY outbox_tenant_commit_order ON
-- events.outbox (tenant_id, tx_id, id)); this migration then keeps it.
CREATE INDEX IF NOT EXISTS outbox_tenant_commit_order ON events.outbox (tenant_id, tx_id, id);

CREATE FUNCTION events.after_tenant(tenant text, tx xid8, last bigint, n int)
    RETURNS SETOF events.outbox
    LANGUAGE sql STABLE
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
    AS $$
    SELECT * FROM events.outbox
     WHERE tenant_id = tenant
       AND (tx_id, id) > (tx, last)
       AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
     ORDER BY tx_id, id LIMIT n
    $$;

-- The id of the tenant's event just before (tx, last) in commit order, or
-- NULL for its first: the relay stamps every event it publishes with it
-- (Event.previous_id), so a subscriber on the event plane that holds the
-- tenant's last event sees a gap as a previous_id it never received, and
-- fills it from the log (ListEvents after_id). The same walk, backwards.
CREATE FUNCTION events.previous_id(tenant text, tx xid8, last bigint) RETURNS bigint
    LANGUAGE sql STABLE
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
    AS $$
    SELECT id FROM events.outbox
     WHERE tenant_id = tenant AND (tx_id, id) < (tx, last)
     ORDER BY tx_id DESC, id DESC LIMIT 1
    $$;
