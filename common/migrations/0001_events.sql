-- events: the outbox. Every service appends here in the same transaction as
-- the change an event describes, so an event exists exactly when its change
-- committed. It is also the event log integrators read, so it is append-only.
CREATE SCHEMA IF NOT EXISTS events;

CREATE TABLE events.outbox (
    tenant_id   text        NOT NULL,
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    -- the writing transaction: the relay publishes in (tx_id, id) order and
    -- only rows below the oldest running transaction, so none is skipped
    tx_id       xid8        NOT NULL DEFAULT pg_current_xact_id(),
    source      text        NOT NULL CHECK (source <> ''),
    type        text        NOT NULL CHECK (type <> ''),
    subject     text        NOT NULL DEFAULT '',
    time        timestamptz NOT NULL DEFAULT now(),
    data        jsonb       NOT NULL DEFAULT '{}',
    traceparent text,
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX outbox_commit_order ON events.outbox (tx_id, id);
CREATE INDEX outbox_by_type ON events.outbox (tenant_id, type, id);

CREATE FUNCTION events.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events.outbox is append-only'
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER outbox_append_only BEFORE UPDATE OR DELETE ON events.outbox
    FOR EACH ROW EXECUTE FUNCTION events.refuse_change();
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON events.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION events.refuse_change();

-- wake the relay at commit (NOTIFY is delivered only if the transaction commits)
CREATE FUNCTION events.notify_relay() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hf_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON events.outbox
    FOR EACH STATEMENT EXECUTE FUNCTION events.notify_relay();

-- how far the relay has published, by name (one relay per destination)
CREATE TABLE events.relay_cursor (
    name       text        PRIMARY KEY,
    tx_id      xid8        NOT NULL DEFAULT '0',
    last_id    bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO events.relay_cursor (name) VALUES ('bus');
