-- A fresh token per claim of a footage job: renewals, completion, release and
-- renames into place are conditional on it, so an attempt whose lease was
-- taken over cannot write (issue 12).
ALTER TABLE footage_jobs ADD COLUMN lease_token TEXT;
