-- notify: webhook endpoints (docs/notify.md, "Webhooks"). An endpoint of the tenant,
-- group-wide (company_id NULL: every company's events) or of one company, with the
-- event types it wants (empty: every type; an entry ending in '.' is a prefix).
-- The signing secret is stored as a token of hf_pii_encrypt with the AAD
-- "<tenant>:webhook_endpoints/<id>.secret" (docs/security.md): a token copied to
-- another endpoint or tenant does not open. After a rotation the previous token
-- moves to previous_secret_enc and still signs until previous_secret_until
-- (both signatures are sent during that overlap). tenant_id leads every key.
CREATE TABLE notify.webhook_endpoints (
    tenant_id             uuid        NOT NULL,
    id                    uuid        NOT NULL,
    company_id            uuid,
    url                   text        NOT NULL CHECK (url <> ''),
    description           text        NOT NULL DEFAULT '',
    event_types           text[]      NOT NULL DEFAULT '{}',
    enabled               boolean     NOT NULL DEFAULT true,
    disabled_reason       text        NOT NULL DEFAULT '',
    secret_enc            text        NOT NULL,
    previous_secret_enc   text,
    previous_secret_until timestamptz,
    version               bigint      NOT NULL DEFAULT 1,
    create_time           timestamptz NOT NULL DEFAULT now(),
    update_time           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK ((previous_secret_enc IS NULL) = (previous_secret_until IS NULL))
);
CREATE INDEX webhook_endpoints_created ON notify.webhook_endpoints (tenant_id, create_time, id);
