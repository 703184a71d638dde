-- pipeline: self-reported attributes for the fairness audit (gender, age
-- band). Optional and never used to decide anything: only counted, per job
-- and stage, by GET /v1/jobs/{id}/audit. Kept apart from the candidate's
-- body so that access to them can be granted and revoked on its own.
ALTER TABLE pipeline.candidates ADD COLUMN gender text NOT NULL DEFAULT '';
ALTER TABLE pipeline.candidates ADD COLUMN age_band text NOT NULL DEFAULT '';
