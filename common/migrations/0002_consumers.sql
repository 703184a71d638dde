-- events: durable consumers. A consumer reads events.outbox itself, in commit
-- order, and keeps how far it got here, updated in the same transaction as
-- the effects of the events it applied (common/src/consumer.c): effects and
-- cursor commit together, so nothing is lost or applied twice. Replicas
-- consuming under one name take turns by locking the row.
-- A name without a row starts from the beginning of the log.
CREATE TABLE events.consumer_cursor (
    name       text        PRIMARY KEY CHECK (name <> ''),
    tx_id      xid8        NOT NULL DEFAULT '0',
    last_id    bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
