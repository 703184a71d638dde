-- Call engines: the programs that phone candidates for their AI interviews
-- (a vendor's, or the group's own). An engine claims the interviews that
-- are due under a lease, one lease per call; a pool never has more live
-- leases than lines (scheduling.pools), which the claim checks under a lock
-- of the tenant's calls (an advisory transaction lock) with every lease it
-- counts committed. A lease ends with the engine's report (completed,
-- no_answer, failed) or, when the engine stops renewing it, by expiring:
-- the interview goes back to be called again.

-- A call that did not reach the candidate waits for its next try: the
-- state retrying, due again at call_due.
ALTER TABLE scheduling.interviews DROP CONSTRAINT interviews_state_check;
ALTER TABLE scheduling.interviews ADD CONSTRAINT interviews_state_check
    CHECK (state IN ('waiting', 'scheduled', 'reminded', 'in_progress', 'completed', 'no_show',
                     'cancelled', 'rescheduled', 'retrying'));
ALTER TABLE scheduling.interviews ADD COLUMN call_due timestamptz;
ALTER TABLE scheduling.interviews ADD CONSTRAINT interviews_call_due_check
    CHECK ((state = 'retrying') = (call_due IS NOT NULL));

-- What an engine may claim: booked interviews whose slot has begun, and
-- retries that came due.
CREATE INDEX interviews_due ON scheduling.interviews (tenant_id, pool_id, start_time, id)
    WHERE state IN ('scheduled', 'reminded', 'rescheduled');
CREATE INDEX interviews_retry_due ON scheduling.interviews (tenant_id, pool_id, call_due, id)
    WHERE state = 'retrying';

CREATE TABLE scheduling.call_leases (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    interview_id uuid        NOT NULL,
    company_id   uuid        NOT NULL,
    pool_id      uuid        NOT NULL,       -- whose lines the call takes
    engine_id    text        NOT NULL,       -- the engine's own name for itself
    attempt      int         NOT NULL CHECK (attempt >= 1),
    expire_time  timestamptz NOT NULL,
    started_time timestamptz,                -- the engine reported `started`
    outcome      text        CHECK (outcome IN ('completed', 'no_answer', 'failed', 'expired')),
    end_time     timestamptz,                -- when it got its outcome
    create_time  timestamptz NOT NULL DEFAULT scheduling.now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, interview_id) REFERENCES scheduling.interviews (tenant_id, id),
    CHECK ((outcome IS NULL) = (end_time IS NULL))
);
-- One live lease per interview; the live leases of a pool are its busy lines.
CREATE UNIQUE INDEX call_leases_live ON scheduling.call_leases (tenant_id, interview_id)
    WHERE outcome IS NULL;
CREATE INDEX call_leases_busy ON scheduling.call_leases (tenant_id, pool_id, expire_time)
    WHERE outcome IS NULL;
CREATE INDEX call_leases_of ON scheduling.call_leases (tenant_id, interview_id, create_time);
