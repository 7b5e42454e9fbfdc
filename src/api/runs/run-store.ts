import type { Sql } from 'postgres'
import type { Attachment, RunStatus, RunStep } from '../../activities/types.js'
import type { RunCounts } from '../../workflows/messages.js'
import { cursorTimestamp, decodeCursor, page } from '../pagination.js'

/** Reads herald.runs and herald.deliveries; the workflow's activities write them. */

export interface RunRow {
  id: string
  schedule_id: string
  fire_time: Date
  trigger: string
  status: RunStatus
  reason: string | null
  row_count: number | null
  fingerprint: string | null
  condition_send: boolean | null
  steps: RunStep[]
  attachments: Attachment[]
  error: string | null
  started_at: Date
  finished_at: Date | null
  fire_key: string
}

export interface DeliveryRow {
  recipient: string
  status: string
  message_id: string | null
  smtp_reply: string | null
  attempts: number
  updated_at: Date
}

const COLUMNS =
  'id, schedule_id, fire_time, trigger, status, reason, row_count, fingerprint, condition_send, steps, attachments, error, started_at, finished_at, fire_time::text AS fire_key'

export async function listRuns(
  db: Sql,
  scheduleId: string,
  filter: { status?: RunStatus; limit: number; cursor?: string },
) {
  const after = decodeCursor(filter.cursor, 2)
  const rows = await db<RunRow[]>`
    SELECT ${db.unsafe(COLUMNS)} FROM herald.runs
    WHERE schedule_id = ${scheduleId}
      ${filter.status ? db`AND status = ${filter.status}` : db``}
      ${after ? db`AND (fire_time, id) < (${cursorTimestamp(db, after[0]!)}, ${after[1]!})` : db``}
    ORDER BY fire_time DESC, id DESC
    LIMIT ${filter.limit + 1}`
  return page(rows, filter.limit, (row) => [row.fire_key, row.id])
}

export async function findRun(db: Sql, runId: string): Promise<RunRow | undefined> {
  const [row] = await db<RunRow[]>`SELECT ${db.unsafe(COLUMNS)} FROM herald.runs WHERE id = ${runId}`
  return row
}

export async function deliveriesOf(db: Sql, runId: string): Promise<DeliveryRow[]> {
  return db<DeliveryRow[]>`
    SELECT recipient, status, message_id, smtp_reply, attempts, updated_at
    FROM herald.deliveries WHERE run_id = ${runId} ORDER BY recipient`
}

/** The same counters the schedule workflow keeps, computed from herald.runs over a window. */
export interface RunStats extends RunCounts {
  average_duration_ms: number | null
}

export async function runStats(db: Sql, scheduleId: string, windowDays: number): Promise<RunStats> {
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
