-- payroll: change marks of attendance, so that a run reuses a company's
-- stored month when nothing it is computed from changed.
--
-- attendance_marks holds a counter per tenant and scope: a company's id
-- (its punches, leave requests, shifts, shift assignments, attendance
-- settings and employees) or 'calendar:<name>' (the years and days of a
-- work calendar; the shipped ones under the nil tenant). Triggers bump the
-- counters in the very transaction that changes those rows. A computed month
-- records the counters it read before reading its inputs
-- (attendance_computed.marks, "company,calendar,shipped calendar"); a
-- computation whose counters are unchanged is reused, any other is redone.
CREATE TABLE payroll.attendance_marks (
    tenant_id uuid   NOT NULL,
    scope     text   NOT NULL,
    mark      bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, scope)
);

CREATE TABLE payroll.attendance_computed (
    tenant_id     uuid        NOT NULL,
    company_id    uuid        NOT NULL,
    month         date        NOT NULL CHECK (extract(day FROM month) = 1),
    marks         text        NOT NULL,
    employees     int         NOT NULL,
    days          int         NOT NULL,
    workdays      int         NOT NULL,
    computations  int         NOT NULL DEFAULT 1,
    computed_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, company_id, month)
);

-- Statement triggers: the changed rows come as the transition table
-- "changed"; one bump per scope and statement (ordered, so two writers of
-- several companies take the counters' locks in the same order).
CREATE FUNCTION payroll.attendance_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME IN ('calendar_years', 'calendar_days') THEN
        INSERT INTO payroll.attendance_marks AS m (tenant_id, scope)
            SELECT DISTINCT tenant_id, 'calendar:' || calendar FROM changed ORDER BY 1, 2
            ON CONFLICT (tenant_id, scope) DO UPDATE SET mark = m.mark + 1;
    ELSIF TG_TABLE_NAME = 'shift_assignments' THEN
        INSERT INTO payroll.attendance_marks AS m (tenant_id, scope)
            SELECT DISTINCT e.tenant_id, e.company_id::text FROM changed c
            JOIN payroll.employees e ON e.tenant_id = c.tenant_id AND e.id = c.employee_id
            ORDER BY 1, 2
            ON CONFLICT (tenant_id, scope) DO UPDATE SET mark = m.mark + 1;
    ELSE
        INSERT INTO payroll.attendance_marks AS m (tenant_id, scope)
            SELECT DISTINCT tenant_id, company_id::text FROM changed
            WHERE company_id IS NOT NULL ORDER BY 1, 2
            ON CONFLICT (tenant_id, scope) DO UPDATE SET mark = m.mark + 1;
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE
    t text;
    e text[];
BEGIN
    FOREACH t IN ARRAY ARRAY['punches', 'leave_requests', 'shifts', 'shift_assignments',
                             'attendance_settings', 'employees', 'calendar_years',
                             'calendar_days'] LOOP
        -- event, transition table, trigger name's end
        FOREACH e SLICE 1 IN ARRAY ARRAY[['INSERT', 'NEW', 'ins'], ['UPDATE', 'NEW', 'upd_new'],
                                         ['UPDATE', 'OLD', 'upd_old'], ['DELETE', 'OLD', 'del']]
        LOOP
            EXECUTE format('CREATE TRIGGER %I AFTER %s ON payroll.%I REFERENCING %s TABLE AS'
                           ' changed FOR EACH STATEMENT EXECUTE FUNCTION'
                           ' payroll.attendance_mark()', t || '_mark_' || e[3], e[1], t, e[2]);
        END LOOP;
    END LOOP;
END $$;
