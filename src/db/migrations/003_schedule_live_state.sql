-- The schedule workflow publishes its live state here whenever it changes (a projection of its `state` query), so
-- GET /schedules/{id} and status filters read one row instead of asking Temporal per request. live_state_at is the
-- workflow time of the snapshot; an older snapshot never overwrites a newer one.
ALTER TABLE herald.schedules
  ADD COLUMN live_state jsonb,
  ADD COLUMN live_state_at timestamptz;
