import { Context } from '@temporalio/activity'
import type { Database } from '../../db/client.js'
import {
  type RunFinishRecord,
  type RunStartRecord,
  type TickRecord,
  tickPolicyOf,
} from '../../domain/run-records.js'
import type { ScheduleSnapshot } from '../../domain/schedule-state.js'
import type { WorkerMetrics } from '../../telemetry/worker-metrics.js'
import { recordRunFinished, recordRunStarted, recordTick } from './run-records.js'
import { publishScheduleState } from './schedule-snapshots.js'

export interface LedgerActivityDeps {
  db: Database
  metrics?: WorkerMetrics
}

/**
 * Activities that keep the database in step with the workflows: herald.runs has one row per tick, whatever happens
 * to it; herald.schedules carries each schedule's last published live state. Each run and tick is counted once in
 * the metrics: by the call that changed its row, and the lateness by a run's first attempt to start.
 */
export function createLedgerActivities({ db, metrics }: LedgerActivityDeps) {
  return {
    async recordRunStarted(r: RunStartRecord): Promise<void> {
      // The first activity of a run: its start, less the fire time, is how late the tick ran.
      if (metrics && firstAttempt()) metrics.runStarted(r.trigger, r.run.fireTime, Date.now())
      await recordRunStarted(db, r)
    },
    async recordRunFinished(r: RunFinishRecord): Promise<void> {
      if (await recordRunFinished(db, r)) metrics?.runRecorded(r.status)
    },
    async recordTick(r: TickRecord): Promise<void> {
      if (!(await recordTick(db, r))) return
      metrics?.runRecorded(r.status)
      metrics?.tickNotRun(tickPolicyOf(r), r.coveredBy !== undefined)
    },
    publishScheduleState: (s: ScheduleSnapshot) => publishScheduleState(db, s),
  }
}

/** True outside a worker (direct calls in tests and scripts) and on an activity's first attempt. */
function firstAttempt(): boolean {
  try {
    return Context.current().info.attempt === 1
  } catch {
    return true
  }
}
