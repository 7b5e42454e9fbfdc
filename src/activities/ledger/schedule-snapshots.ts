import type { Database } from '../../db/client.js'
import * as schedules from '../../db/schedules.js'
import type { ScheduleSnapshot } from '../../domain/schedule-state.js'

/** herald.schedules.live_state: the schedule workflow's own view of itself, published on every change. */
export async function publishScheduleState(db: Database, s: ScheduleSnapshot): Promise<void> {
  await schedules.publishState(db, s)
}
