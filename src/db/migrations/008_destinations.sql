-- Destinations beside email (docs/DELIVERY.md, "Slack, Teams and webhooks"). Everything that grants access to the
-- destination (webhook URLs, bot tokens, signing secrets) is in `secrets`, sealed with AES-256-GCM
-- (src/security/secret-box.ts); `target` is the masked form the API shows.
CREATE TABLE herald.destinations (
  id          text PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  kind        text NOT NULL CHECK (kind IN ('slack', 'teams', 'webhook')),
  channel     text,
  target      text NOT NULL,
  secrets     text NOT NULL,
  created_by  text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The delivery ledger holds destinations too: their recipient is the destination id, their message_id the
-- idempotency key sent with every attempt.
ALTER TABLE herald.deliveries
  ADD COLUMN channel text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'slack', 'teams', 'webhook'));
