import { ApplicationFailure } from '@temporalio/common'
import * as auditLog from '../../db/audit-log.js'
import type { Database } from '../../db/client.js'
import type { RunFinishRecord, RunStartRecord, TickRecord } from '../types.js'

/**
 * herald.runs: the durable history of every tick. Each write is an idempotent upsert keyed by the run id, so a
 * retried activity (its completion lost) or a replayed workflow never adds a second row for the same tick.
 */

/** Run statuses worth an audit entry: an operator looks for these without opening every run. */
const AUDITED_RUN_STATUSES = new Set(['failed', 'partial'])

export async function recordRunStarted(db: Database, r: RunStartRecord): Promise<void> {
  const { run } = r
  // A run restarted under the same id (workflow reset) goes back to running; a retry of this call changes nothing.
  await db`
    INSERT INTO herald.runs (id, schedule_id, fire_time, trigger, status)
    VALUES (${run.runId}, ${run.scheduleId}, ${new Date(run.fireTime)}, ${r.trigger}, 'running')
    ON CONFLICT (id) DO UPDATE
       SET status = 'running', trigger = EXCLUDED.trigger, reason = NULL, error = NULL,
           started_at = now(), finished_at = NULL
     WHERE herald.runs.status <> 'running'`
}

export async function recordRunFinished(db: Database, r: RunFinishRecord): Promise<void> {
  const [row] = await db<{ previous: string; schedule_id: string }[]>`
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
  if (!row) {
    throw ApplicationFailure.create({
      type: 'RunNotStarted',
      message: `run ${r.runId} was never recorded as started`,
      nonRetryable: true,
    })
  }
  // Only the transition out of `running` is audited, so a retried call does not log twice.
  if (row.previous === 'running' && AUDITED_RUN_STATUSES.has(r.status)) {
    await auditLog.record(db, {
      actor: 'worker',
      action: `run.${r.status}`,
      scheduleId: row.schedule_id,
      detail: { runId: r.runId, reason: r.reason ?? null, error: r.error ?? null },
    })
  }
}

export async function recordTick(db: Database, r: TickRecord): Promise<void> {
  const inserted = await db`
    INSERT INTO herald.runs (id, schedule_id, fire_time, status, reason, finished_at)
    VALUES (${r.runId}, ${r.scheduleId}, ${new Date(r.fireTime)}, ${r.status}, ${r.reason}, now())
    ON CONFLICT (id) DO NOTHING
    RETURNING id`
  if (inserted.length > 0) {
    await auditLog.record(db, {
      actor: 'worker',
      action: `tick.${r.status}`,
      scheduleId: r.scheduleId,
      detail: { runId: r.runId, fireTime: r.fireTime, reason: r.reason },
    })
  }
}

/** Drops `undefined` fields the way JSON would, which postgres' json helper types demand. */
function toJson<T>(value: T): Parameters<Database['json']>[0] {
  return JSON.parse(JSON.stringify(value))
}
