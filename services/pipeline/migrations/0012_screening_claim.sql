-- The screeners' claim: the oldest waiting applications, locked (SKIP
-- LOCKED: replicas share the queue), walked in the order of the queue's
-- partial index (0006) and nothing else. As a plain statement the planner
-- chose by the statistics of the moment, and an EXPLAIN during a mass import
-- found it reading all 15 000 waiting rows by a bitmap scan and sorting them
-- to keep 64 (310 ms, where the walk takes about a millisecond): a cost that
-- grows with the queue. The SET clauses hold for this statement only, as for
-- events.after (common 0004).
CREATE FUNCTION pipeline.screening_claim(n int) RETURNS SETOF pipeline.applications
    LANGUAGE sql VOLATILE
    SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
    AS $$
    SELECT * FROM pipeline.applications WHERE screening = 'pending'
     ORDER BY create_time LIMIT n FOR UPDATE SKIP LOCKED
    $$;
