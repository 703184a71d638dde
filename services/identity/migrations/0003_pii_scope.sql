-- The scope pii: beside payroll, a key may see employees' ID numbers and bank
-- accounts unmasked (each look audited by payroll). It widens a payroll key
-- and means nothing alone, so it comes with payroll (or admin, which holds it).
ALTER TABLE identity.api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE identity.api_keys ADD CONSTRAINT api_keys_scopes_check
    CHECK (cardinality(scopes) > 0 AND
           scopes <@ ARRAY['admin', 'recruiter', 'payroll', 'integrator', 'engine', 'pii'] AND
           (NOT 'pii' = ANY (scopes) OR scopes && ARRAY['payroll', 'admin']));
