-- scoring: the service's own schema. Only the scoring service writes here; other
-- services learn about its data from its RPC replies and its events.
CREATE SCHEMA IF NOT EXISTS scoring;
COMMENT ON SCHEMA scoring IS 'hrflow scoring service: competency models, transcript and resume scoring, reports';
