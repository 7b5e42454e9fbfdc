import type { RouteHandler } from '@hono/zod-openapi'
import * as auditLog from '../../db/audit-log.js'
import { acknowledgeEscalationUpdate } from '../../workflows/index.js'
import type { AppBindings } from '../deps.js'
import { requireSchedule } from '../schedules/require-schedule.js'
import { scheduleHandle, withTemporalDeadline } from '../temporal-calls.js'
import type * as routes from './escalation.routes.js'

/** The schedule workflow owns the episode: the API asks it (an update), then records who acknowledged. */
export const acknowledge: RouteHandler<typeof routes.acknowledge, AppBindings> = async (c) => {
  const { db, temporal } = c.var.deps
  const { id } = c.req.valid('param')
  const { note } = c.req.valid('json') ?? {}
  await requireSchedule(c, id)
  const by = c.get('actor')
  const state = await withTemporalDeadline(temporal, () =>
    scheduleHandle(temporal, id).executeUpdate(acknowledgeEscalationUpdate, { args: [{ note, by }] }),
  )
  const escalation = state.escalation ?? { consecutive: 0 }
  await auditLog.record(db, {
    actor: by,
    action: 'schedule.escalation_acknowledge',
    scheduleId: id,
    detail: {
      episodeId: escalation.episode?.id,
      consecutive: escalation.consecutive,
      ...(note ? { note } : {}),
    },
  })
  return c.json({ id, escalation }, 200)
}
