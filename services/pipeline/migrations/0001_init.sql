-- pipeline: the service's own schema. Only the pipeline service writes here; other
-- services learn about its data from its RPC replies and its events.
CREATE SCHEMA IF NOT EXISTS pipeline;
COMMENT ON SCHEMA pipeline IS 'hrflow pipeline service: jobs, candidates, applications, stages, automation rules';
