-- payroll: pay schemes of companies, their immutable versions and components.
--
-- A scheme belongs to one company and is named in it. Each save of its
-- components is a new version, effective from a month (the first day of
-- it); a run of month M uses the scheme's version with the latest
-- effective month at or before M (the highest version number among those
-- of the same month). Versions and their components are never changed or
-- deleted: a trigger refuses it, so a payslip's explanation always finds
-- the formulas it was computed with. Formulas are checked by the service
-- (services/payroll/formula.c) before they are stored; nothing here is
-- personal data.
CREATE TABLE payroll.schemes (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id      uuid        NOT NULL,
    name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description     text        NOT NULL DEFAULT '',
    last_version    int         NOT NULL DEFAULT 1 CHECK (last_version >= 1),
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX schemes_name ON payroll.schemes (tenant_id, company_id, name);
CREATE INDEX schemes_page ON payroll.schemes (tenant_id, create_time, id);

CREATE TABLE payroll.scheme_versions (
    tenant_id       uuid        NOT NULL,
    scheme_id       uuid        NOT NULL,
    version         int         NOT NULL CHECK (version >= 1),
    effective_month date        NOT NULL CHECK (extract(day FROM effective_month) = 1),
    note            text        NOT NULL DEFAULT '',
    actor           text        NOT NULL,
    create_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, scheme_id, version),
    FOREIGN KEY (tenant_id, scheme_id) REFERENCES payroll.schemes
);
CREATE INDEX scheme_versions_month
    ON payroll.scheme_versions (tenant_id, scheme_id, effective_month DESC, version DESC);

CREATE TABLE payroll.scheme_components (
    tenant_id       uuid        NOT NULL,
    scheme_id       uuid        NOT NULL,
    version         int         NOT NULL,
    position        int         NOT NULL CHECK (position >= 0),  -- display order
    name            text        NOT NULL,
    label           text        NOT NULL DEFAULT '',
    kind            text        NOT NULL CHECK (kind IN ('earning', 'deduction', 'info')),
    taxable         boolean     NOT NULL DEFAULT false,
    formula         text        NOT NULL,
    value_type      text        NOT NULL CHECK (value_type IN ('money', 'number', 'rate')),
    PRIMARY KEY (tenant_id, scheme_id, version, position),
    UNIQUE (tenant_id, scheme_id, version, name),
    FOREIGN KEY (tenant_id, scheme_id, version) REFERENCES payroll.scheme_versions
);

CREATE FUNCTION payroll.immutable_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable: add a version instead', TG_TABLE_NAME;
END $$;
CREATE TRIGGER scheme_versions_immutable BEFORE UPDATE OR DELETE ON payroll.scheme_versions
    FOR EACH ROW EXECUTE FUNCTION payroll.immutable_row();
CREATE TRIGGER scheme_components_immutable BEFORE UPDATE OR DELETE ON payroll.scheme_components
    FOR EACH ROW EXECUTE FUNCTION payroll.immutable_row();
