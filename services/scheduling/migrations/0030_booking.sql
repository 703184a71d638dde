-- The candidate's own reschedules through the booking link, counted against
-- the job's reschedule_limit (scheduling.job_settings_of). A recruiter's
-- moves do not count.
ALTER TABLE scheduling.interviews ADD COLUMN candidate_reschedules int NOT NULL DEFAULT 0
    CHECK (candidate_reschedules >= 0);
