-- Interview reports belong to a tenant and a company, and keep the
-- candidate's words encrypted (docs/security.md).
--
-- company_id: the company of the application's job, as the pipeline named
-- it to the caller who scored it; NULL for an interview of no application
-- (only a key of the whole group sees it). application_id: the application
-- the interview is of, NULL for none; taken from the body for the reports
-- already stored. Reports stored before this version have no company: they
-- stay visible to keys of the whole group only, until scored again.
--
-- body_enc: the report's JSON, sealed with the service's keyring (AAD
-- "<tenant>:reports.body:<interview id>"); body_digest: a keyed digest of
-- that JSON (HMAC, the keyring's index key), which tells a retry of the same
-- scoring from a new one without reading the body. The plaintext `body` of
-- the reports already stored cannot be encrypted here (SQL has no keys):
-- the service seals them in the background (services/scoring/sealer.c) and
-- clears it; a row with `body` set is one still to seal.
ALTER TABLE scoring.reports
    ADD COLUMN company_id     uuid,
    ADD COLUMN application_id uuid,
    ADD COLUMN body_enc       text,
    ADD COLUMN body_digest    text,
    ALTER COLUMN body DROP NOT NULL;

UPDATE scoring.reports SET application_id = (body->>'applicationId')::uuid
    WHERE body->>'applicationId' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

-- what the sealer still has to do; empty once it is done
CREATE INDEX reports_unsealed ON scoring.reports (tenant_id, interview_id)
    WHERE body IS NOT NULL;
