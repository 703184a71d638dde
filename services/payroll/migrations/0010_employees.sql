-- payroll: the employee archive's core row. Personal data is sealed by the
-- service with its keyring (AES-256-GCM tokens, hf_pii_seal_field, AAD
-- "<tenant>:employees.<column>"), with a keyed blind index where a value must
-- be found or kept unique (the ID number); a raw dump shows tokens, never
-- people. Everything else an employee record holds grows in later migrations
-- beside this table, which attendance, performance and payroll runs refer to.
CREATE TABLE payroll.employees (
    tenant_id       uuid        NOT NULL,
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id      uuid        NOT NULL,
    employee_no     text        NOT NULL,   -- the number on badges and attendance devices
    status          text        NOT NULL DEFAULT 'draft'
                                CHECK (status IN ('draft', 'active', 'left')),
    name_enc        text        NOT NULL,
    id_number_enc   text,
    id_number_idx   text,                   -- blind index: one archive per person per tenant
    bank_account_enc text,
    phone_enc       text,
    department      text,
    position        text,
    grade           text,
    city            text,                   -- the city whose social-insurance policy applies
    hire_date       date,
    leave_date      date,
    application_id  uuid,                   -- the hire it came from (onboarding), if any
    candidate_id    uuid,
    version         bigint      NOT NULL DEFAULT 1,
    create_time     timestamptz NOT NULL DEFAULT now(),
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK (length(employee_no) BETWEEN 1 AND 64)
);
CREATE UNIQUE INDEX employees_no ON payroll.employees (tenant_id, company_id, employee_no);
CREATE UNIQUE INDEX employees_id_number ON payroll.employees (tenant_id, id_number_idx)
    WHERE id_number_idx IS NOT NULL;
CREATE UNIQUE INDEX employees_application ON payroll.employees (tenant_id, application_id)
    WHERE application_id IS NOT NULL;
CREATE INDEX employees_page ON payroll.employees (tenant_id, create_time, id);
CREATE INDEX employees_company ON payroll.employees (tenant_id, company_id, create_time, id);
