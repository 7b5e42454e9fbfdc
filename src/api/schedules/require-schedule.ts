import type { Context } from 'hono'
import type { AppBindings } from '../deps.js'
import { notFound } from '../problems.js'
import { findSchedule, type ScheduleRow } from './schedule-store.js'

/** The schedule row, or a 404 problem; deleted schedules count as missing unless `allowDeleted`. */
export async function requireSchedule(
  c: Context<AppBindings>,
  id: string,
  allowDeleted = false,
): Promise<ScheduleRow> {
  const row = await findSchedule(c.var.deps.db, id)
  if (!row || (row.status === 'deleted' && !allowDeleted)) throw notFound(`schedule ${id}`)
  return row
}
