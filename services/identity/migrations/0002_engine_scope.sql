-- Keys for call engines (the programs that phone candidates for their AI
-- interviews): the scope engine, which the gateway lets call only the
-- call-engine routes and the interview score.
ALTER TABLE identity.api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE identity.api_keys ADD CONSTRAINT api_keys_scopes_check
    CHECK (cardinality(scopes) > 0 AND
           scopes <@ ARRAY['admin', 'recruiter', 'payroll', 'integrator', 'engine']);
