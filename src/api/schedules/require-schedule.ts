import type { Context } from 'hono'
import type { ScheduleRow } from '../../db/schedules.js'
import * as schedules from '../../db/schedules.js'
import type { AppBindings } from '../deps.js'
import { notFound } from '../problems.js'

/** The schedule row, or a 404 problem; deleted schedules count as missing unless `allowDeleted`. */
export async function requireSchedule(
  c: Context<AppBindings>,
  id: string,
  allowDeleted = false,
): Promise<ScheduleRow> {
  const row = await schedules.byId(c.var.deps.db, id)
  if (!row || (row.status === 'deleted' && !allowDeleted)) throw notFound(`schedule ${id}`)
  return row
}
