-- notify: the service's own schema. Only the notify service writes here; other
-- services learn about its data from its RPC replies and its events.
CREATE SCHEMA IF NOT EXISTS notify;
COMMENT ON SCHEMA notify IS 'hrflow notify service: templates, email, SMS, webhooks';
