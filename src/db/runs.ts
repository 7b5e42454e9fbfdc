import type { Sql } from 'postgres'
import type { Attachment } from '../domain/report-data.js'
import type { RunCounts, RunStatus, RunStep, RunTrigger } from '../domain/run.js'
import type { RunFinishRecord, TickRecord } from '../domain/run-records.js'

/**
 * herald.runs: the durable history of every tick, written by the worker's ledger activities and read by the API.
 * Each write is an idempotent upsert keyed by the run id, so a retried activity (its completion lost) or a replayed
 * workflow never adds a second row for the same tick.
 */

export interface RunRow {
  id: string
  schedule_id: string
  fire_time: Date
  trigger: RunTrigger
  status: RunStatus
  reason: string | null
  row_count: number | null
  fingerprint: string | null
  condition_send: boolean | null
  steps: RunStep[]
  attachments: Attachment[]
  error: string | null
  /** False for a tick that never ran (skipped or missed by policy): no workflow to link to. */
  has_workflow: boolean
  started_at: Date
  finished_at: Date | null
  /** fire_time as text, exact to the microsecond, for cursors. */
  fire_key: string
}

const COLUMNS =
  'id, schedule_id, fire_time, trigger, status, reason, row_count, fingerprint, condition_send, steps, attachments, error, started_at, finished_at, has_workflow, fire_time::text AS fire_key'

/** A run restarted under the same id (workflow reset) goes back to running; a retry of this call changes nothing. */
export async function markStarted(
  db: Sql,
  run: { id: string; scheduleId: string; fireTime: Date; trigger: RunTrigger },
): Promise<void> {
  await db`
    INSERT INTO herald.runs (id, schedule_id, fire_time, trigger, status)
    VALUES (${run.id}, ${run.scheduleId}, ${run.fireTime}, ${run.trigger}, 'running')
    ON CONFLICT (id) DO UPDATE
       SET status = 'running', trigger = EXCLUDED.trigger, reason = NULL, error = NULL,
           started_at = now(), finished_at = NULL
     WHERE herald.runs.status <> 'running'`
}

/**
 * Records the outcome; finished_at is set only on the way out of `running`, so a retried call keeps the first.
 * Returns the status the run had before (undefined when the run was never recorded as started).
 */
export async function finish(
  db: Sql,
  r: RunFinishRecord,
): Promise<{ previous: RunStatus; schedule_id: string } | undefined> {
  const [row] = await db<{ previous: RunStatus; schedule_id: string }[]>`
    UPDATE herald.runs AS runs
       SET status = ${r.status},
           reason = ${r.reason ?? null},
           row_count = ${r.rowCount ?? null},
           fingerprint = ${r.fingerprint ?? null},
           condition_send = ${r.conditionSend ?? null},
           steps = ${db.json(toJson(r.steps))},
           attachments = ${db.json(toJson(r.attachments ?? []))},
           error = ${r.error ?? null},
           finished_at = CASE WHEN before.status = 'running' THEN now() ELSE runs.finished_at END
      FROM (SELECT id, status FROM herald.runs WHERE id = ${r.runId} FOR UPDATE) AS before
     WHERE runs.id = before.id
    RETURNING before.status AS previous, runs.schedule_id`
  return row
}

/** A tick that never ran (skipped, missed), finished at once; false when it was already recorded. */
export async function insertTick(db: Sql, r: TickRecord): Promise<boolean> {
  const inserted = await db`
    INSERT INTO herald.runs (id, schedule_id, fire_time, status, reason, finished_at, has_workflow)
    VALUES (${r.runId}, ${r.scheduleId}, ${new Date(r.fireTime)}, ${r.status}, ${r.reason}, now(), false)
    ON CONFLICT (id) DO NOTHING
    RETURNING id`
  return inserted.length > 0
}

export async function byId(db: Sql, runId: string): Promise<RunRow | undefined> {
  const [row] = await db<RunRow[]>`SELECT ${db.unsafe(COLUMNS)} FROM herald.runs WHERE id = ${runId}`
  return row
}

export interface RunListFilter {
  scheduleId?: string
  status?: RunStatus
  trigger?: RunTrigger
  /** Fire times in [from, to). */
  from?: Date
  to?: Date
  /** Resume below this run (its `fire_key` and `id`), newest first. */
  after?: { fireKey: string; id: string }
  limit: number
}

/**
 * Runs newest first by (fire_time, id), for keyset paging, of one schedule or all. The cursor's instant is cast in
 * PostgreSQL: a JS Date would drop the microseconds, and the next page would skip rows sharing the millisecond.
 */
export async function list(db: Sql, filter: RunListFilter): Promise<RunRow[]> {
  const { after } = filter
  const conditions = [
    filter.scheduleId ? db`schedule_id = ${filter.scheduleId}` : undefined,
    filter.status ? db`status = ${filter.status}` : undefined,
    filter.trigger ? db`trigger = ${filter.trigger}` : undefined,
    filter.from ? db`fire_time >= ${filter.from}` : undefined,
    filter.to ? db`fire_time < ${filter.to}` : undefined,
    after ? db`(fire_time, id) < (${after.fireKey}::text::timestamptz, ${after.id})` : undefined,
  ].filter((c) => c !== undefined)
  const where = conditions.reduce((all, c, i) => (i === 0 ? db`WHERE ${c}` : db`${all} AND ${c}`), db``)
  return db<RunRow[]>`
    SELECT ${db.unsafe(COLUMNS)} FROM herald.runs
    ${where}
    ORDER BY fire_time DESC, id DESC
    LIMIT ${filter.limit}`
}

/** The same counters the schedule workflow keeps, computed from herald.runs over a window. */
export interface RunStats extends RunCounts {
  average_duration_ms: number | null
}

export async function stats(db: Sql, scheduleId: string, windowDays: number): Promise<RunStats> {
  const [row] = await db<RunStats[]>`
    SELECT count(*)::int AS runs,
           count(*) FILTER (WHERE status = 'sent')::int AS sent,
           count(*) FILTER (WHERE status = 'partial')::int AS partial,
           count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
           count(*) FILTER (WHERE status = 'failed')::int AS failed,
           count(*) FILTER (WHERE status = 'missed')::int AS missed,
           (avg(extract(epoch FROM finished_at - started_at) * 1000)
              FILTER (WHERE finished_at IS NOT NULL AND status IN ('sent', 'partial', 'failed', 'skipped')))::float8
             AS average_duration_ms
    FROM herald.runs
    WHERE schedule_id = ${scheduleId} AND fire_time >= now() - make_interval(days => ${windowDays})`
  return row!
}

/** The fingerprint of the schedule's last result, so a preview of `resultsChanged` compares honestly. */
export async function lastResultFingerprint(db: Sql, scheduleId: string): Promise<string | undefined> {
  const [row] = await db<{ fingerprint: string }[]>`
    SELECT fingerprint FROM herald.runs WHERE schedule_id = ${scheduleId} AND fingerprint IS NOT NULL
    ORDER BY fire_time DESC LIMIT 1`
  return row?.fingerprint
}

/** Drops `undefined` fields the way JSON would, which postgres' json helper types demand. */
function toJson<T>(value: T): Parameters<Sql['json']>[0] {
  return JSON.parse(JSON.stringify(value))
}

/** Up to `limit` runs started before `cutoff`, oldest first: what the retention pass deletes next. */
export async function startedBefore(db: Sql, cutoff: Date, limit: number): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    SELECT id FROM herald.runs WHERE started_at < ${cutoff} ORDER BY started_at LIMIT ${limit}`
  return rows.map((r) => r.id)
}

export async function deleteByIds(db: Sql, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0
  const result = await db`DELETE FROM herald.runs WHERE id = ANY(${ids}::text[])`
  return result.count
}
