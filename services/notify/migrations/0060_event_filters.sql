-- notify: who wants an event, written once for the event log (eventlog_store.c)
-- and the webhook fan-out (webhook_fanout.c). Plain SQL functions, inlined by
-- the planner where they are called.

-- An event type a list of wanted types takes: none listed takes every type; an
-- item ending in '.' takes the types it begins ("hrflow.pipeline."), any other
-- item exactly its own.
CREATE FUNCTION notify.type_wanted(type text, wanted text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT cardinality(wanted) = 0
        OR EXISTS (SELECT 1 FROM unnest(wanted) p
                    WHERE type = p OR (right(p, 1) = '.' AND starts_with(type, p)))
$$;

-- The company wall on an event: no companies (a key of the whole group, an
-- endpoint of the group) sees every event of the tenant; else only the events
-- whose data.companyId is one of them (an event of no company is the group's).
CREATE FUNCTION notify.company_sees(data jsonb, companies text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT cardinality(companies) = 0
        OR coalesce(data->>'companyId' = ANY (companies), false)
$$;
