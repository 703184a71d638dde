-- payroll: runs of a company's month, their payslips, the queue of their
-- calculations, and adjustments of locked months.
--
-- A run moves draft → calculated → approved → paid; a paid run is locked:
-- a trigger refuses any change of it or of its payslips. Its totals per
-- company are plain columns (sums over many employees); each payslip is
-- salary data: one sealed token (hf_pii_encrypt, AAD
-- "<tenant>:payslips.body") of the packed hrflow.v1.Payslip with its lines
-- and year-to-date figures. A calculation is a row of run_jobs, claimed by
-- any replica with FOR UPDATE SKIP LOCKED under a lease (lease_until) and
-- done in one transaction that replaces the payslips and deletes the row.
CREATE TABLE payroll.runs (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id      uuid        NOT NULL,
    month           date        NOT NULL CHECK (extract(day FROM month) = 1),
    state           text        NOT NULL DEFAULT 'draft'
                    CHECK (state IN ('draft', 'calculated', 'approved', 'paid')),
    version         bigint      NOT NULL DEFAULT 1,
    scheme_id       uuid,                   -- chosen at creation ("" = the company's first)
    scheme_version  int,                    -- the version the last calculation used
    inputs_digest   text        NOT NULL DEFAULT '',
    error           text        NOT NULL DEFAULT '',  -- why the last calculation failed
    employees       int         NOT NULL DEFAULT 0,
    gross           bigint      NOT NULL DEFAULT 0,   -- fen, every total of the run
    deductions      bigint      NOT NULL DEFAULT 0,
    social_employee bigint      NOT NULL DEFAULT 0,
    social_employer bigint      NOT NULL DEFAULT 0,
    income_tax      bigint      NOT NULL DEFAULT 0,
    net             bigint      NOT NULL DEFAULT 0,
    employer_cost   bigint      NOT NULL DEFAULT 0,
    calculations    int         NOT NULL DEFAULT 0,
    calculate_time  timestamptz,
    approved_by     text,
    approve_time    timestamptz,
    paid_by         text,
    paid_time       timestamptz,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, company_id, month)
);
CREATE INDEX runs_page ON payroll.runs (tenant_id, create_time, id);

CREATE TABLE payroll.run_jobs (
    tenant_id    uuid        NOT NULL,
    run_id       uuid        NOT NULL,
    request_time timestamptz NOT NULL DEFAULT now(),
    lease_until  timestamptz NOT NULL DEFAULT '-infinity',
    claim        bigint      NOT NULL DEFAULT 0,  -- bumped on every claim
    owner        text        NOT NULL DEFAULT '', -- "<host>:<pid>" of the claimer
    attempts     int         NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, run_id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES payroll.runs
);
CREATE INDEX run_jobs_due ON payroll.run_jobs (lease_until);

CREATE TABLE payroll.payslips (
    tenant_id    uuid        NOT NULL,
    run_id       uuid        NOT NULL,
    employee_id  uuid        NOT NULL,
    employee_no  text        NOT NULL,
    tax_year     int         NOT NULL,
    month        int         NOT NULL,
    body_enc     text        NOT NULL,
    create_time  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, run_id, employee_id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES payroll.runs
);
CREATE INDEX payslips_page ON payroll.payslips (tenant_id, run_id, create_time, employee_id);
CREATE INDEX payslips_ytd ON payroll.payslips (tenant_id, employee_id, tax_year, month);

-- A correction of a locked month: an amount (sealed, AAD
-- "<tenant>:adjustments.amount", fen as text, negative to take back) for an
-- employee, applied as a line of the company's next run after that month
-- that is not approved; applied_run_id says which run carries it.
CREATE TABLE payroll.adjustments (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id     uuid        NOT NULL,
    employee_id    uuid        NOT NULL,
    month          date        NOT NULL CHECK (extract(day FROM month) = 1),
    amount_enc     text        NOT NULL,
    taxable        boolean     NOT NULL,
    reason         text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    actor          text        NOT NULL,
    applied_run_id uuid,
    create_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id)
);
CREATE INDEX adjustments_pending ON payroll.adjustments (tenant_id, company_id, month);
CREATE INDEX adjustments_page ON payroll.adjustments (tenant_id, create_time, id);

CREATE FUNCTION payroll.locked_run() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'runs' THEN
        IF OLD.state = 'paid' THEN
            RAISE EXCEPTION 'run % is paid and locked', OLD.id USING ERRCODE = 'P0001';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF EXISTS (SELECT 1 FROM payroll.runs r WHERE r.tenant_id = OLD.tenant_id
               AND r.id = OLD.run_id AND r.state IN ('approved', 'paid')) THEN
        RAISE EXCEPTION 'the payslips of run % are locked', OLD.run_id USING ERRCODE = 'P0001';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER runs_locked BEFORE UPDATE OR DELETE ON payroll.runs
    FOR EACH ROW EXECUTE FUNCTION payroll.locked_run();
CREATE TRIGGER payslips_locked BEFORE UPDATE OR DELETE ON payroll.payslips
    FOR EACH ROW EXECUTE FUNCTION payroll.locked_run();
