-- GET /schedules lists newest first, without deleted schedules: this index serves that order and filter directly
-- instead of scanning and sorting the whole table (docs/BENCHMARKS.md, API latency).
CREATE INDEX schedules_live_created_idx ON herald.schedules (created_at DESC, id DESC) WHERE status <> 'deleted';
