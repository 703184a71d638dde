-- payroll: the service's own schema. Only the payroll service writes here; other
-- services learn about its data from its RPC replies and its events.
CREATE SCHEMA IF NOT EXISTS payroll;
COMMENT ON SCHEMA payroll IS 'hrflow payroll service: employees, contracts, attendance, payroll runs, tax';
