-- payroll: what an employee's archive holds beyond its core row. Amounts and
-- special deductions are sealed like the personal fields (AAD
-- "<tenant>:<table>.<column>"); effective-dated rows are kept, never
-- overwritten by a later month, so the history is the table.
ALTER TABLE payroll.employees
    ADD COLUMN id_type text NOT NULL DEFAULT 'resident_id'
        CHECK (id_type IN ('resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit',
                           'foreigner_permit', 'other')),
    ADD COLUMN leave_reason text;
CREATE INDEX employees_status ON payroll.employees (tenant_id, status, create_time, id);

-- "Today" for effective dates: the group's calendar day (Asia/Shanghai) on
-- the one clock tests move (timers.now(), hf/timer.h).
CREATE FUNCTION payroll.today() RETURNS date LANGUAGE sql STABLE
    AS $$ SELECT (timers.now() AT TIME ZONE 'Asia/Shanghai')::date $$;

-- Every look at an unmasked ID number or bank account: who, when, which
-- fields and why; never the values.
CREATE TABLE payroll.employee_reveals (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    employee_id uuid        NOT NULL,
    company_id  uuid        NOT NULL,
    actor       text        NOT NULL,
    fields      text[]      NOT NULL,
    reason      text        NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id)
);
CREATE INDEX employee_reveals_page ON payroll.employee_reveals (tenant_id, create_time, id);
CREATE INDEX employee_reveals_employee
    ON payroll.employee_reveals (tenant_id, employee_id, create_time, id);

-- Pay from a month on: {"base": fen, "allowances": [{"name", "amount": fen}]}
-- sealed as one token.
CREATE TABLE payroll.compensations (
    tenant_id       uuid        NOT NULL,
    employee_id     uuid        NOT NULL,
    effective_month date        NOT NULL CHECK (extract(day FROM effective_month) = 1),
    amounts_enc     text        NOT NULL,
    actor           text        NOT NULL,
    create_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, employee_id, effective_month),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id)
);

-- Income tax facts from a month on; the special deductions
-- ([{"kind", "amount": fen}]) sealed.
CREATE TABLE payroll.tax_profiles (
    tenant_id       uuid        NOT NULL,
    employee_id     uuid        NOT NULL,
    effective_month date        NOT NULL CHECK (extract(day FROM effective_month) = 1),
    residency       text        NOT NULL CHECK (residency IN ('resident', 'non_resident')),
    deductions_enc  text        NOT NULL,
    bonus_tax       text        NOT NULL CHECK (bonus_tax IN ('separate', 'merged')),
    actor           text        NOT NULL,
    create_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, employee_id, effective_month),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id)
);

CREATE TABLE payroll.contracts (
    tenant_id            uuid        NOT NULL,
    id                   uuid        NOT NULL DEFAULT gen_random_uuid(),
    employee_id          uuid        NOT NULL,
    type                 text        NOT NULL CHECK (type IN ('fixed_term', 'open_ended',
                                                               'internship', 'labour_service')),
    start_date           date        NOT NULL,
    end_date             date,
    probation_end        date,
    previous_contract_id uuid,
    actor                text        NOT NULL,
    create_time          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id),
    FOREIGN KEY (tenant_id, previous_contract_id) REFERENCES payroll.contracts (tenant_id, id),
    CHECK (end_date IS NULL OR end_date > start_date),
    CHECK (probation_end IS NULL OR (probation_end >= start_date
                                     AND (end_date IS NULL OR probation_end <= end_date)))
);
CREATE INDEX contracts_employee ON payroll.contracts (tenant_id, employee_id, start_date);
-- a contract is renewed once
CREATE UNIQUE INDEX contracts_renewal ON payroll.contracts (tenant_id, previous_contract_id)
    WHERE previous_contract_id IS NOT NULL;

-- Department, position, grade, company, city from a day on; applied to the
-- employee's row on that day (at once when it is today or earlier).
CREATE TABLE payroll.position_changes (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL DEFAULT gen_random_uuid(),
    employee_id    uuid        NOT NULL,
    effective_date date        NOT NULL,
    department     text,
    position       text,
    grade          text,
    company_id     uuid,
    city           text,
    reason         text        NOT NULL DEFAULT '',
    applied        boolean     NOT NULL DEFAULT false,
    actor          text        NOT NULL,
    create_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id)
);
CREATE INDEX position_changes_employee
    ON payroll.position_changes (tenant_id, employee_id, effective_date, create_time);

CREATE TABLE payroll.employee_settings (
    tenant_id           uuid        PRIMARY KEY,
    contract_alert_days int         NOT NULL DEFAULT 30 CHECK (contract_alert_days BETWEEN 1 AND 365),
    update_time         timestamptz NOT NULL DEFAULT now()
);

-- Onboarding is for hires from now on: the consumer starts at the current end
-- of the log (docs/architecture.md, "Durable consumers").
INSERT INTO events.consumer_cursor (name, tx_id, last_id, updated_at)
SELECT 'payroll.onboarding', tx_id, id, now() FROM events.outbox
 ORDER BY tx_id DESC, id DESC LIMIT 1
ON CONFLICT (name) DO NOTHING;
