-- notify: what each tenant chose for the letters notify sends by itself
-- (reactions.c). One row per tenant that changed something; a tenant
-- without one has the defaults the service ships (reactions_settings.c).
-- channels maps a kind of letter to the channels it goes on, for the kinds
-- the tenant set ({"offer": ["email"], "reminder": []}); the others keep
-- their defaults. No personal data.
CREATE TABLE notify.reaction_settings (
    tenant_id uuid PRIMARY KEY,
    channels jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(channels) = 'object'),
    locale text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
    time_zone text NOT NULL DEFAULT '',
    thank_you_on_manual_reject boolean NOT NULL DEFAULT false,
    update_time timestamptz NOT NULL DEFAULT now()
);

-- The last slot notify saw of each interview (from scheduling's events), so
-- a reschedule letter can name the former time; ids and times only.
CREATE TABLE notify.reaction_interview (
    tenant_id uuid NOT NULL,
    interview_id uuid NOT NULL,
    start_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, interview_id)
);

-- Letters are for what happens from now on: the consumer starts at the
-- current end of the log (docs/architecture.md, "Durable consumers"), so an
-- installation that adds it does not mail candidates about its whole history.
INSERT INTO events.consumer_cursor (name, tx_id, last_id, updated_at)
SELECT 'notify.reactions', tx_id, id, now() FROM events.outbox
 ORDER BY tx_id DESC, id DESC LIMIT 1
ON CONFLICT (name) DO NOTHING;
