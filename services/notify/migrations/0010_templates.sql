-- notify: templates of letters, their immutable versions, and opt-outs.
--
-- A template is a tenant's (company_id NULL) or one company's own for one
-- event, channel and locale; every save adds a version, one version is
-- active. The shipped defaults are compiled into the service, not rows here.
-- Templates hold no personal data. Opt-outs are keyed by the blind index of
-- the recipient's address (HMAC under the service's keyring), never the
-- address; recipients maps a candidate to the blind index of each address
-- notify learned, so a one-click link naming the candidate finds it.
CREATE TABLE notify.template (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    company_id uuid,
    event text NOT NULL CHECK (event IN ('invitation', 'reminder', 'reschedule', 'cancellation',
                                         'thank_you', 'offer')),
    channel text NOT NULL CHECK (channel IN ('email', 'sms')),
    locale text NOT NULL CHECK (locale IN ('zh-CN', 'en')),
    category text NOT NULL DEFAULT 'transactional'
        CHECK (category IN ('transactional', 'marketing')),
    active_version int NOT NULL,
    last_version int NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE NULLS NOT DISTINCT (tenant_id, company_id, event, channel, locale),
    CHECK (active_version BETWEEN 1 AND last_version)
);

CREATE TABLE notify.template_version (
    tenant_id uuid NOT NULL,
    template_id uuid NOT NULL,
    version int NOT NULL CHECK (version >= 1),
    subject text NOT NULL DEFAULT '',
    text_body text NOT NULL,
    html_body text NOT NULL DEFAULT '',
    actor text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, template_id, version),
    FOREIGN KEY (tenant_id, template_id) REFERENCES notify.template ON DELETE CASCADE
);

-- a version is never changed once written
CREATE FUNCTION notify.template_version_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'template versions are immutable';
END $$;
CREATE TRIGGER template_version_immutable BEFORE UPDATE ON notify.template_version
    FOR EACH ROW EXECUTE FUNCTION notify.template_version_immutable();

CREATE TABLE notify.opt_out (
    tenant_id uuid NOT NULL,
    channel text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient_index text NOT NULL,           -- hf_pii_index of the normalised address
    categories text[] NOT NULL DEFAULT '{marketing}',
    source text NOT NULL,                    -- api, unsubscribe_link
    actor text NOT NULL,
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, channel, recipient_index)
);

CREATE TABLE notify.recipient (
    tenant_id uuid NOT NULL,
    candidate_id uuid NOT NULL,
    channel text NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient_index text NOT NULL,
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, candidate_id, channel)
);
