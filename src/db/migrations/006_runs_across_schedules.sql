-- GET /runs lists runs across schedules, newest fire time first, filtered like the Temporal UI's search attributes.
CREATE INDEX runs_fire_time_idx ON herald.runs (fire_time DESC, id DESC);

-- A row either had a reportRun workflow (whose id is the run id) or records a tick that never ran (skipped or missed
-- by policy): only the first links to the Temporal UI. Ticks never went through "started", so in rows from before
-- this column their started_at equals their finished_at and they have no steps.
ALTER TABLE herald.runs ADD COLUMN has_workflow boolean NOT NULL DEFAULT true;
UPDATE herald.runs SET has_workflow = false
 WHERE status IN ('skipped', 'missed') AND started_at = finished_at AND steps = '[]'::jsonb;
