-- payroll: city policies of social insurance and housing fund, with their
-- effective periods. A row without a tenant is shipped with hrflow (the
-- figures of 0021_city_policies_shipped.sql, read-only, every tenant's
-- default); a tenant's own rows (the API) take precedence over them for the
-- days they cover. Within one owner and one city, periods never overlap
-- (the exclusion constraint is the check, so two concurrent writers cannot
-- both pass it). Amounts are fen, rates millionths (services/payroll/money.h).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE payroll.city_policies (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id   uuid,                       -- NULL: shipped with hrflow
    city        text        NOT NULL CHECK (length(city) BETWEEN 1 AND 64),
    valid_from  date        NOT NULL,
    valid_until date,                       -- last day (inclusive); NULL: open
    source      text        NOT NULL DEFAULT '' CHECK (length(source) <= 500),
    create_time timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_until IS NULL OR valid_until >= valid_from),
    EXCLUDE USING gist (
        (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid)) WITH =,
        city WITH =,
        daterange(valid_from, valid_until, '[]') WITH &&)
);
CREATE INDEX city_policies_page ON payroll.city_policies (tenant_id, create_time, id);

CREATE TABLE payroll.city_policy_items (
    policy_id      uuid   NOT NULL REFERENCES payroll.city_policies (id) ON DELETE CASCADE,
    kind           text   NOT NULL CHECK (kind IN ('pension', 'medical', 'unemployment',
                                                   'work_injury', 'maternity', 'housing_fund')),
    employee_rate  bigint NOT NULL CHECK (employee_rate BETWEEN 0 AND 1000000),
    employer_rate  bigint NOT NULL CHECK (employer_rate BETWEEN 0 AND 1000000),
    base_floor     bigint NOT NULL CHECK (base_floor >= 0),
    base_cap       bigint NOT NULL,
    employee_fixed bigint NOT NULL DEFAULT 0 CHECK (employee_fixed >= 0),
    rounding       text   NOT NULL DEFAULT 'fen' CHECK (rounding IN ('fen', 'jiao', 'yuan', 'yuan_up')),
    PRIMARY KEY (policy_id, kind),
    CHECK (base_cap >= base_floor)
);
