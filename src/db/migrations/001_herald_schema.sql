-- Herald's own tables. The schedule workflow is the source of truth for timing and live state;
-- these tables hold definitions for listing and search, and the durable record of every run and delivery.
CREATE SCHEMA IF NOT EXISTS herald;

CREATE TABLE herald.schedules (
  id              text PRIMARY KEY,
  name            text NOT NULL,
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'completed', 'deleted')),
  spec            jsonb NOT NULL,
  idempotency_key text UNIQUE,
  created_by      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedules_status_idx ON herald.schedules (status, created_at, id);
CREATE INDEX schedules_name_idx ON herald.schedules (lower(name));

CREATE TABLE herald.distribution_lists (
  id          text PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  description text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE herald.distribution_list_members (
  list_id    text NOT NULL REFERENCES herald.distribution_lists (id) ON DELETE CASCADE,
  email      text NOT NULL,
  name       text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (list_id, email)
);

CREATE TABLE herald.runs (
  id           text PRIMARY KEY,
  schedule_id  text NOT NULL,
  fire_time    timestamptz NOT NULL,
  trigger      text NOT NULL DEFAULT 'schedule',
  status       text NOT NULL CHECK (status IN ('running', 'sent', 'partial', 'skipped', 'failed', 'missed')),
  reason       text,
  row_count    integer,
  fingerprint  text,
  condition_send boolean,
  steps        jsonb NOT NULL DEFAULT '[]',
  attachments  jsonb NOT NULL DEFAULT '[]',
  error        text,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX runs_schedule_idx ON herald.runs (schedule_id, fire_time DESC);

-- The delivery ledger: one row per (schedule, fire time, recipient), claimed before sending.
CREATE TABLE herald.deliveries (
  schedule_id text NOT NULL,
  fire_time   timestamptz NOT NULL,
  recipient   text NOT NULL,
  run_id      text NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'permanently_failed', 'skipped', 'suppressed')),
  message_id  text,
  smtp_reply  text,
  attempts    integer NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, fire_time, recipient)
);
CREATE INDEX deliveries_run_idx ON herald.deliveries (run_id);

-- schedule_id '' means the suppression is global.
CREATE TABLE herald.suppressions (
  email       text NOT NULL,
  schedule_id text NOT NULL DEFAULT '',
  reason      text NOT NULL CHECK (reason IN ('unsubscribed', 'hard_bounce', 'manual')),
  detail      text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (email, schedule_id)
);

CREATE TABLE herald.artifacts (
  id           text PRIMARY KEY,
  run_id       text,
  filename     text NOT NULL,
  content_type text NOT NULL,
  size         bigint NOT NULL,
  storage_key  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz
);
CREATE INDEX artifacts_run_idx ON herald.artifacts (run_id);

CREATE TABLE herald.audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text,
  action      text NOT NULL,
  schedule_id text,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_schedule_idx ON herald.audit_log (schedule_id, at DESC);
