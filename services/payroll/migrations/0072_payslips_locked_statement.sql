-- payroll: the lock of an approved or paid run's payslips checked once per
-- statement instead of once per row. A recalculation deletes the run's
-- payslips before it writes the new ones; the row trigger looked the run up
-- for every payslip (about 5 µs each: half a second for 100 000). The same
-- refusal, the same message, now after the statement over the rows it
-- touched (the transition table), so a delete or update of any payslip of
-- an approved or paid run still fails and changes nothing.
DROP TRIGGER payslips_locked ON payroll.payslips;

CREATE FUNCTION payroll.locked_payslips() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    locked uuid;
BEGIN
    SELECT r.id INTO locked FROM (SELECT DISTINCT tenant_id, run_id FROM touched) t
        JOIN payroll.runs r ON r.tenant_id = t.tenant_id AND r.id = t.run_id
        WHERE r.state IN ('approved', 'paid') LIMIT 1;
    IF locked IS NOT NULL THEN
        RAISE EXCEPTION 'the payslips of run % are locked', locked USING ERRCODE = 'P0001';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER payslips_locked_update AFTER UPDATE ON payroll.payslips
    REFERENCING OLD TABLE AS touched
    FOR EACH STATEMENT EXECUTE FUNCTION payroll.locked_payslips();
CREATE TRIGGER payslips_locked_delete AFTER DELETE ON payroll.payslips
    REFERENCING OLD TABLE AS touched
    FOR EACH STATEMENT EXECUTE FUNCTION payroll.locked_payslips();
