import type { Database } from '../../db/client.js'
import type { RunFinishRecord, RunStartRecord, TickRecord } from '../../domain/run-records.js'
import type { ScheduleSnapshot } from '../../domain/schedule-state.js'
import { recordRunFinished, recordRunStarted, recordTick } from './run-records.js'
import { publishScheduleState } from './schedule-snapshots.js'

export interface LedgerActivityDeps {
  db: Database
}

/**
 * Activities that keep the database in step with the workflows: herald.runs has one row per tick, whatever happens
 * to it; herald.schedules carries each schedule's last published live state.
 */
export function createLedgerActivities({ db }: LedgerActivityDeps) {
  return {
    recordRunStarted: (r: RunStartRecord) => recordRunStarted(db, r),
    recordRunFinished: (r: RunFinishRecord) => recordRunFinished(db, r),
    recordTick: (r: TickRecord) => recordTick(db, r),
    publishScheduleState: (s: ScheduleSnapshot) => publishScheduleState(db, s),
  }
}
