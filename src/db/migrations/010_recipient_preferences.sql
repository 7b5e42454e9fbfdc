-- Recipient preferences (docs/DELIVERY.md, "Recipient preferences, quiet hours and the daily cap"): per recipient
-- (a lower-cased email address for now) the channels allowed, a quiet-hours window in their own timezone and a
-- daily cap on report mails. Numbered 010 to leave 009 to work on escalation developed beside it.
CREATE TABLE herald.recipient_preferences (
  recipient        text PRIMARY KEY CHECK (recipient = lower(recipient)),
  email_enabled    boolean NOT NULL DEFAULT true,
  quiet_start      text CHECK (quiet_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  quiet_end        text CHECK (quiet_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  quiet_timezone   text,
  daily_cap        integer CHECK (daily_cap > 0),
  updated_by       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((quiet_start IS NULL) = (quiet_end IS NULL) AND (quiet_start IS NULL) = (quiet_timezone IS NULL))
);

-- The daily cap counts a recipient's report mails sent in their local day.
CREATE INDEX deliveries_sent_by_recipient_idx ON herald.deliveries (recipient, updated_at)
  WHERE status = 'sent' AND channel = 'email';
