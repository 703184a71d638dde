-- The placing's two probes of every new invitation (assign.c, store_interviews.c:
-- is this invitation taken, has this application an open interview) each go
-- down the one index that holds their key, whatever the statistics say.
--
-- They named the tenant and the key, `tenant_id = $1 AND invitation = x.e`,
-- and nine indexes of this table begin with tenant_id. With statistics from an
-- ANALYZE that did not see the tenant (a tenant new since, or a burst
-- autovacuum has not caught up with) the planner counted one row for the
-- tenant, costed every index beginning with it alike and took the newest,
-- interviews_by_slot: each probe then walked the tenant's every interview.
-- auto_explain during a mass import of 20 000: 400 rows read per probe, 249
-- probes, twice, 185 ms of a 217 ms placing, growing with the tenant; whether
-- it happened depended on when autovacuum had last run (the same build took
-- 1.4 or 4.2 CPU-seconds for the placing at 20 000).
--
-- Now the key comes first in its unique index, and the probes name the
-- tenant with IS NOT DISTINCT FROM, the same test for a tenant that is never
-- NULL, which no index answers: the key's index is the only one a probe can
-- use. Event ids (invitation) and application ids are unique across tenants,
-- so the tenant stays in each key for what it says, not for the lookup.
--
-- Building the indexes holds writes to the table for a pass over it each.
ALTER TABLE scheduling.interviews
    ADD CONSTRAINT interviews_invitation UNIQUE (invitation, tenant_id),
    DROP CONSTRAINT interviews_tenant_id_invitation_key;

-- One open interview per application, as before (0004).
CREATE UNIQUE INDEX interviews_open_by_application ON scheduling.interviews
    (application_id, tenant_id) WHERE state NOT IN ('completed', 'no_show', 'cancelled');
DROP INDEX scheduling.interviews_open;
ALTER INDEX scheduling.interviews_open_by_application RENAME TO interviews_open;
