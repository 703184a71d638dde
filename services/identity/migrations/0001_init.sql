-- identity: tenants (a group of companies, 集团), their companies and the API keys
-- that act for them. Only the identity service writes here; the gateway learns who
-- a token belongs to through identity.Authenticate, never by reading these tables.
--
-- Every table but tenants leads its primary key with tenant_id (Citus distribution,
-- row-level security and partition pruning all key on it; see docs/architecture.md).
CREATE SCHEMA IF NOT EXISTS identity;
COMMENT ON SCHEMA identity IS 'hrflow identity service: tenants, companies, API keys';

CREATE TABLE identity.tenants (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{2,40}$'),
    name        text        NOT NULL CHECK (name <> ''),
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE identity.companies (
    tenant_id   uuid        NOT NULL REFERENCES identity.tenants (id),
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    code        text        NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{1,32}$'),
    name        text        NOT NULL CHECK (name <> ''),
    city        text        NOT NULL DEFAULT '',
    credit_code text        NOT NULL DEFAULT ''
                            CHECK (credit_code = '' OR credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT companies_code_key UNIQUE (tenant_id, code)
);

-- pages are read in (create_time, id) order
CREATE INDEX companies_page ON identity.companies (tenant_id, create_time, id);

-- A key's secret is never stored: token_sha256 is the SHA-256 of the whole token
-- ("hf_<id>_<secret>"), so a leaked table does not leak working tokens.
CREATE TABLE identity.api_keys (
    tenant_id      uuid        NOT NULL REFERENCES identity.tenants (id),
    id             text        NOT NULL CHECK (id ~ '^key_[0-9a-f]{16}$'),
    name           text        NOT NULL DEFAULT '',
    scopes         text[]      NOT NULL CHECK (cardinality(scopes) > 0 AND
                                   scopes <@ ARRAY['admin', 'recruiter', 'payroll', 'integrator']),
    company_ids    uuid[]      NOT NULL DEFAULT '{}',   -- empty = every company of the tenant
    token_sha256   bytea       NOT NULL CHECK (length(token_sha256) = 32),
    create_time    timestamptz NOT NULL DEFAULT now(),
    revoke_time    timestamptz,
    last_used_time timestamptz,
    PRIMARY KEY (tenant_id, id),
    -- Authenticate looks a key up by id alone: it runs before the tenant is known
    CONSTRAINT api_keys_id_key UNIQUE (id)
);

CREATE INDEX api_keys_page ON identity.api_keys (tenant_id, create_time, id);
