-- payroll: attendance. Work calendars (a year's special days, the tenant's
-- own or the shipped ones under the nil tenant), a company's attendance
-- settings, shifts and who works which, punches from devices, leave types,
-- balances and requests, and the results: one row per employee and day, one
-- per employee and month (what a payroll run reads). Everything refers to
-- payroll.employees by (tenant_id, id). services/payroll/attendance_store.c
-- is the only writer.

-- A year of a calendar: its special days replace the shipped ones of that
-- year for the tenant (tenant_id '00000000-0000-0000-0000-000000000000' is
-- the shipped data, migrations/0041_work_calendar_cn.sql).
CREATE TABLE payroll.calendar_years (
    tenant_id   uuid        NOT NULL,
    calendar    text        NOT NULL CHECK (calendar ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
    year        int         NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    source      text        NOT NULL DEFAULT '',
    version     bigint      NOT NULL DEFAULT 1,
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, calendar, year)
);
CREATE TABLE payroll.calendar_days (
    tenant_id   uuid NOT NULL,
    calendar    text NOT NULL,
    year        int  NOT NULL,
    day         date NOT NULL CHECK (extract(year FROM day) = year),
    kind        text NOT NULL CHECK (kind IN ('holiday', 'rest', 'workday')),
    name        text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, calendar, day),
    FOREIGN KEY (tenant_id, calendar, year) REFERENCES payroll.calendar_years ON DELETE CASCADE
);

-- A company's choices: its calendar, its time zone (punches become local
-- days in it), the shift of employees who have none of their own.
CREATE TABLE payroll.attendance_settings (
    tenant_id        uuid        NOT NULL,
    company_id       uuid        NOT NULL,
    calendar         text        NOT NULL DEFAULT 'cn',
    time_zone        text        NOT NULL DEFAULT 'Asia/Shanghai',
    default_shift_id uuid,
    version          bigint      NOT NULL DEFAULT 1,
    update_time      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, company_id)
);

-- A named shift of a company; times are minutes after local midnight, an
-- end at or before the start is the next morning (crosses_midnight).
CREATE TABLE payroll.shifts (
    tenant_id           uuid        NOT NULL,
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    company_id          uuid        NOT NULL,
    name                text        NOT NULL,
    start_minute        int         NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute          int         NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
    crosses_midnight    boolean     NOT NULL DEFAULT false,
    late_grace_minutes  int         NOT NULL DEFAULT 0 CHECK (late_grace_minutes BETWEEN 0 AND 240),
    early_grace_minutes int         NOT NULL DEFAULT 0 CHECK (early_grace_minutes BETWEEN 0 AND 240),
    break_start_minute  int         NOT NULL DEFAULT 0 CHECK (break_start_minute BETWEEN 0 AND 1439),
    break_minutes       int         NOT NULL DEFAULT 0 CHECK (break_minutes BETWEEN 0 AND 240),
    version             bigint      NOT NULL DEFAULT 1,
    create_time         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK (crosses_midnight = (end_minute <= start_minute))
);
CREATE UNIQUE INDEX shifts_name ON payroll.shifts (tenant_id, company_id, name);
CREATE INDEX shifts_page ON payroll.shifts (tenant_id, create_time, id);
ALTER TABLE payroll.attendance_settings ADD FOREIGN KEY (tenant_id, default_shift_id)
    REFERENCES payroll.shifts (tenant_id, id);

-- Which shift an employee works from a day on (the latest valid_from at or
-- before a day applies; none: the company's default shift).
CREATE TABLE payroll.shift_assignments (
    tenant_id   uuid        NOT NULL,
    employee_id uuid        NOT NULL,
    valid_from  date        NOT NULL,
    shift_id    uuid        NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, employee_id, valid_from),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id),
    FOREIGN KEY (tenant_id, shift_id) REFERENCES payroll.shifts (tenant_id, id)
);

-- A punch: one per employee and instant (the same punch sent twice, from a
-- batch retried or two exports overlapping, is stored once).
CREATE TABLE payroll.punches (
    tenant_id   uuid        NOT NULL,
    employee_id uuid        NOT NULL,
    punch_time  timestamptz NOT NULL,
    company_id  uuid        NOT NULL,
    device      text        NOT NULL DEFAULT '',
    method      text        NOT NULL CHECK (method IN ('fingerprint', 'face', 'card', 'other')),
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, employee_id, punch_time),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id)
);
CREATE INDEX punches_company ON payroll.punches (tenant_id, company_id, punch_time);

-- Leave types: the tenant's own, and the shipped ones under the nil tenant
-- (a tenant's type of the same code replaces the shipped one).
CREATE TABLE payroll.leave_types (
    tenant_id      uuid        NOT NULL,
    code           text        NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$'),
    name           text        NOT NULL,
    paid           boolean     NOT NULL,
    unit           text        NOT NULL CHECK (unit IN ('day', 'half_day', 'hour')),
    tracks_balance boolean     NOT NULL,
    version        bigint      NOT NULL DEFAULT 1,
    update_time    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, code)
);
INSERT INTO payroll.leave_types (tenant_id, code, name, paid, unit, tracks_balance) VALUES
    ('00000000-0000-0000-0000-000000000000', 'annual', '年休假', true, 'half_day', true),
    ('00000000-0000-0000-0000-000000000000', 'sick', '病假', true, 'half_day', false),
    ('00000000-0000-0000-0000-000000000000', 'personal', '事假', false, 'hour', false),
    ('00000000-0000-0000-0000-000000000000', 'marriage', '婚假', true, 'day', true),
    ('00000000-0000-0000-0000-000000000000', 'maternity', '产假', true, 'day', true),
    ('00000000-0000-0000-0000-000000000000', 'paternity', '陪产假', true, 'day', true),
    ('00000000-0000-0000-0000-000000000000', 'bereavement', '丧假', true, 'day', false),
    ('00000000-0000-0000-0000-000000000000', 'compensatory', '调休假', true, 'hour', true);

-- Balances in day-minutes (a day is 480: 8 hours), per employee, type and year.
CREATE TABLE payroll.leave_balances (
    tenant_id       uuid        NOT NULL,
    employee_id     uuid        NOT NULL,
    leave_type      text        NOT NULL,
    year            int         NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    granted_minutes bigint      NOT NULL DEFAULT 0 CHECK (granted_minutes >= 0),
    used_minutes    bigint      NOT NULL DEFAULT 0 CHECK (used_minutes >= 0),
    version         bigint      NOT NULL DEFAULT 1,
    update_time     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, employee_id, leave_type, year),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id),
    CHECK (used_minutes <= granted_minutes)
);

CREATE TABLE payroll.leave_requests (
    tenant_id   uuid        NOT NULL,
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    employee_id uuid        NOT NULL,
    company_id  uuid        NOT NULL,
    leave_type  text        NOT NULL,
    paid        boolean     NOT NULL,
    start_date  date        NOT NULL,
    end_date    date        NOT NULL,
    part        text        NOT NULL CHECK (part IN ('whole', 'am', 'pm', 'hours')),
    minutes     bigint      NOT NULL CHECK (minutes > 0),  -- day-minutes the request takes
    reason      text        NOT NULL DEFAULT '',
    status      text        NOT NULL DEFAULT 'submitted'
                            CHECK (status IN ('submitted', 'approved', 'rejected', 'cancelled')),
    decided_by  text        NOT NULL DEFAULT '',
    note        text        NOT NULL DEFAULT '',
    version     bigint      NOT NULL DEFAULT 1,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, employee_id) REFERENCES payroll.employees (tenant_id, id),
    CHECK (end_date >= start_date AND extract(year FROM end_date) = extract(year FROM start_date)),
    CHECK (part = 'whole' OR start_date = end_date)
);
CREATE INDEX leave_requests_page ON payroll.leave_requests (tenant_id, create_time, id);
CREATE INDEX leave_requests_days ON payroll.leave_requests (tenant_id, company_id, start_date)
    WHERE status = 'approved';

-- Results: one row per employee and month (minutes; a day is 480), what a
-- payroll run reads, with the month's days inside it as arrays (index 1 is
-- the 1st): a company's month is as many rows as employees, replaced whole
-- when computed again. day_kinds has a letter a day: w workday, r rest day,
-- h statutory holiday, - not employed that day.
CREATE TABLE payroll.attendance_months (
    tenant_id                 uuid        NOT NULL,
    company_id                uuid        NOT NULL,
    month                     date        NOT NULL CHECK (extract(day FROM month) = 1),
    employee_id               uuid        NOT NULL,
    workdays                  int         NOT NULL,
    attended_minutes          int         NOT NULL,
    absent_minutes            int         NOT NULL,
    late_count                int         NOT NULL,
    late_minutes              int         NOT NULL,
    early_count               int         NOT NULL,
    early_minutes             int         NOT NULL,
    missing_punches           int         NOT NULL,
    worked_minutes            int         NOT NULL,
    overtime_workday_minutes  int         NOT NULL,
    overtime_restday_minutes  int         NOT NULL,
    overtime_holiday_minutes  int         NOT NULL,
    paid_leave_minutes        int         NOT NULL,
    unpaid_leave_minutes      int         NOT NULL,
    day_kinds                 text        NOT NULL,
    day_punches               smallint[]  NOT NULL,
    day_attended              smallint[]  NOT NULL,
    day_absent                smallint[]  NOT NULL,
    day_late                  smallint[]  NOT NULL,
    day_early                 smallint[]  NOT NULL,
    day_missing               smallint[]  NOT NULL,
    day_worked                smallint[]  NOT NULL,
    day_overtime              smallint[]  NOT NULL,
    day_paid_leave            smallint[]  NOT NULL,
    day_unpaid_leave          smallint[]  NOT NULL,
    compute_time              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, company_id, month, employee_id)
);
