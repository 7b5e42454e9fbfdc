import type { RouteHandler } from '@hono/zod-openapi'
import * as auditLog from '../../db/audit-log.js'
import * as suppressions from '../../db/suppressions.js'
import type { AppBindings } from '../deps.js'
import { decodeCursor, page } from '../pagination.js'
import { notFound } from '../problems.js'
import type { ListRoute, RemoveRoute } from './suppressions.routes.js'

export const list: RouteHandler<ListRoute, AppBindings> = async (c) => {
  const { db } = c.var.deps
  const { limit, cursor, email, scheduleId } = c.req.valid('query')
  const after = decodeCursor(cursor, 3)
  const rows = await suppressions.list(db, {
    email: email?.toLowerCase(),
    scheduleId,
    after: after && { createdKey: after[0]!, email: after[1]!, scheduleId: after[2]! },
    limit: limit + 1,
  })
  const { items, nextCursor } = page(rows, limit, (r) => [r.created_key, r.email, r.schedule_id])
  return c.json(
    {
      items: items.map((r) => ({
        email: r.email,
        scheduleId: r.schedule_id === '' ? null : r.schedule_id,
        reason: r.reason,
        detail: r.detail,
        createdAt: r.created_at.toISOString(),
      })),
      nextCursor,
    },
    200,
  )
}

export const remove: RouteHandler<RemoveRoute, AppBindings> = async (c) => {
  const { db } = c.var.deps
  const email = c.req.valid('param').email.toLowerCase()
  const { scheduleId } = c.req.valid('query')
  if ((await suppressions.remove(db, email, scheduleId)) === 0) throw notFound(`suppression of ${email}`)
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'suppression.delete',
    detail: { email, scheduleId: scheduleId ?? null },
  })
  return c.body(null, 204)
}
