-- GET /audit pages the whole log newest first, filtered by actor or action as often as by schedule.
CREATE INDEX audit_log_at_idx ON herald.audit_log (at DESC, id DESC);
