-- pipeline: candidates are one record per person across the group, but a
-- caller bound to some of its companies sees one only through an
-- application to a job of those companies (docs/security.md, "Who sees
-- whom"). Reading a candidate asks whether such an application exists: by
-- candidate, which no index served.
CREATE INDEX applications_candidate ON pipeline.applications (tenant_id, candidate_id);
