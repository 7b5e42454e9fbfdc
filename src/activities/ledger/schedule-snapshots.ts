import type { Database } from '../../db/client.js'
import type { ScheduleSnapshot } from '../types.js'

/**
 * herald.schedules.live_state: the schedule workflow's own view of itself, published on every change. The status
 * column follows it too, so a pause signalled straight through Temporal, or a schedule ending at its endAt, shows
 * in status filters. A deleted schedule stays deleted, and a late retry never overwrites a newer snapshot.
 */
export async function publishScheduleState(db: Database, s: ScheduleSnapshot): Promise<void> {
  const asOf = new Date(s.asOf)
  await db`
    UPDATE herald.schedules
       SET live_state = ${db.json(s.state as never)}, live_state_at = ${asOf}, status = ${s.state.status}
     WHERE id = ${s.scheduleId} AND status <> 'deleted'
       AND (live_state_at IS NULL OR live_state_at <= ${asOf})`
}
