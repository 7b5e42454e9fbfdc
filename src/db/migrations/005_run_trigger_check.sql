-- Like every status column, the run trigger is checked against its enum (runTriggerSchema in src/domain/run.ts);
-- test/db/enum-checks.test.ts compares each CHECK with the domain's enum.
ALTER TABLE herald.runs ADD CONSTRAINT runs_trigger_check CHECK (trigger IN ('schedule', 'catchup', 'manual'));
