import { ApplicationFailure } from '@temporalio/common'
import * as auditLog from '../../db/audit-log.js'
import type { Database } from '../../db/client.js'
import * as runs from '../../db/runs.js'
import type { RunFinishRecord, RunStartRecord, TickRecord } from '../../domain/run-records.js'

/**
 * herald.runs: the durable history of every tick. Each write is an idempotent upsert keyed by the run id, so a
 * retried activity (its completion lost) or a replayed workflow never adds a second row for the same tick.
 */

/** Run statuses worth an audit entry: an operator looks for these without opening every run. */
const AUDITED_RUN_STATUSES = new Set(['failed', 'partial'])

export async function recordRunStarted(db: Database, r: RunStartRecord): Promise<void> {
  const { run } = r
  await runs.markStarted(db, {
    id: run.runId,
    scheduleId: run.scheduleId,
    fireTime: new Date(run.fireTime),
    trigger: r.trigger,
  })
}

/** True when this call moved the run out of `running` (a retried call that finds it finished returns false). */
export async function recordRunFinished(db: Database, r: RunFinishRecord): Promise<boolean> {
  const row = await runs.finish(db, r)
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
  return row.previous === 'running'
}

/** True when this call recorded the tick (a retried call finds the row and returns false). */
export async function recordTick(db: Database, r: TickRecord): Promise<boolean> {
  const inserted = await runs.insertTick(db, r)
  if (inserted) {
    await auditLog.record(db, {
      actor: 'worker',
      action: `tick.${r.status}`,
      scheduleId: r.scheduleId,
      detail: { runId: r.runId, fireTime: r.fireTime, reason: r.reason },
    })
  }
  return inserted
}
