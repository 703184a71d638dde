-- payroll: what the pay inputs and the annual bonus flag need stored.
--
-- A component flagged annual_bonus is the annual one-time bonus, taxed on
-- its own unless the employee merges it (docs/payroll-runs.md); at most one
-- a version. Versions saved before the flag carry false everywhere: for
-- them (and any version flagging none) the earning named annual_bonus is
-- the bonus, as before. Adding the column rewrites no row, so the
-- immutability trigger of 0030 is not involved.
ALTER TABLE payroll.scheme_components
    ADD COLUMN annual_bonus boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX scheme_components_annual_bonus
    ON payroll.scheme_components (tenant_id, scheme_id, version) WHERE annual_bonus;

-- The month's sick leave (leave type sick, paid or not), the pay input
-- sick_leave_days. Months computed before were computed without it: their
-- marks are cleared so that the next run or read computes them again.
ALTER TABLE payroll.attendance_months
    ADD COLUMN sick_leave_minutes int NOT NULL DEFAULT 0;
UPDATE payroll.attendance_computed SET marks = '';
