-- What a job decides about its AI interviews: when reminders go, how long
-- after a missed slot the interview counts as a no-show, how long an
-- invitation waits unused, how often the candidate may reschedule, and how
-- often the call engine tries again. NULL takes the default of
-- scheduling.job_settings_of, which every reader goes through.
CREATE TABLE scheduling.job_settings (
    tenant_id               uuid        NOT NULL,
    job_id                  uuid        NOT NULL,
    company_id              uuid        NOT NULL,
    reminder_minutes        int[]       CHECK (cardinality(reminder_minutes) <= 5
                                               AND 0 < ALL (reminder_minutes)
                                               AND 20160 >= ALL (reminder_minutes)),
    no_show_grace_minutes   int         CHECK (no_show_grace_minutes BETWEEN 0 AND 1440),
    invitation_expiry_hours int         CHECK (invitation_expiry_hours BETWEEN 1 AND 2160),
    reschedule_limit        int         CHECK (reschedule_limit BETWEEN 0 AND 20),
    call_attempts           int         CHECK (call_attempts BETWEEN 1 AND 10),
    retry_minutes           int         CHECK (retry_minutes BETWEEN 1 AND 1440),
    version                 bigint      NOT NULL DEFAULT 1,
    update_time             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, job_id)
);

-- The settings in force for a job: its own, else the defaults (reminders a
-- day and an hour before, a no-show 15 minutes after the slot's end, an
-- unused invitation expires after 7 days, two reschedules, three calls 30
-- minutes apart).
CREATE FUNCTION scheduling.job_settings_of(t uuid, j uuid)
    RETURNS TABLE (reminder_minutes int[], no_show_grace_minutes int,
                   invitation_expiry_hours int, reschedule_limit int,
                   call_attempts int, retry_minutes int)
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(s.reminder_minutes, '{1440,60}'), coalesce(s.no_show_grace_minutes, 15),
           coalesce(s.invitation_expiry_hours, 168), coalesce(s.reschedule_limit, 2),
           coalesce(s.call_attempts, 3), coalesce(s.retry_minutes, 30)
      FROM (SELECT) one
      LEFT JOIN scheduling.job_settings s ON s.tenant_id = t AND s.job_id = j
    $$;
