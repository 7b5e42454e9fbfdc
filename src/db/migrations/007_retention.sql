-- Retention (docs/DELIVERY.md, "Retention"): every file expires. Files stored before expiry existed get the default
-- of ARTIFACT_RETENTION_DAYS (30 days) from when they were stored.
UPDATE herald.artifacts SET expires_at = created_at + interval '30 days' WHERE expires_at IS NULL;
ALTER TABLE herald.artifacts ALTER COLUMN expires_at SET NOT NULL;
-- The cleanup pass reads the oldest expired files first, and runs and audit entries by age, in bounded batches.
CREATE INDEX artifacts_expires_idx ON herald.artifacts (expires_at);
CREATE INDEX runs_started_idx ON herald.runs (started_at);
