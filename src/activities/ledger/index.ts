import type { Database } from '../../db/client.js'
import type { RunFinishRecord, RunStartRecord, TickRecord } from '../types.js'
import { recordRunFinished, recordRunStarted, recordTick } from './run-records.js'

export interface LedgerActivityDeps {
  db: Database
}

/** Activities that keep herald.runs in step with the workflows: one row per tick, whatever happens to it. */
export function createLedgerActivities({ db }: LedgerActivityDeps) {
  return {
    recordRunStarted: (r: RunStartRecord) => recordRunStarted(db, r),
    recordRunFinished: (r: RunFinishRecord) => recordRunFinished(db, r),
    recordTick: (r: TickRecord) => recordTick(db, r),
  }
}
