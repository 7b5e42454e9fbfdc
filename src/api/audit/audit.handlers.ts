import type { RouteHandler } from '@hono/zod-openapi'
import * as auditLog from '../../db/audit-log.js'
import type { AppBindings } from '../deps.js'
import { decodeCursor, page } from '../pagination.js'
import { validationFailed } from '../problems.js'
import type { ListRoute } from './audit.routes.js'

export const list: RouteHandler<ListRoute, AppBindings> = async (c) => {
  const { limit, cursor, from, to, ...filter } = c.req.valid('query')
  if (from && to && Date.parse(from) > Date.parse(to)) {
    throw validationFailed([{ path: 'from', message: 'must not be after `to`' }])
  }
  const after = decodeCursor(cursor, 2)
  if (after && !/^\d{1,19}$/.test(after[1]!)) {
    throw validationFailed([{ path: 'cursor', message: 'is not a cursor returned by this API' }])
  }
  const rows = await auditLog.list(c.var.deps.db, {
    ...filter,
    from,
    to,
    after: after && { atKey: after[0]!, id: after[1]! },
    limit: limit + 1,
  })
  const { items, nextCursor } = page(rows, limit, (row) => [row.at_key, String(row.id)])
  return c.json(
    {
      items: items.map((row) => ({
        id: String(row.id),
        at: row.at.toISOString(),
        actor: row.actor,
        action: row.action,
        scheduleId: row.schedule_id,
        detail: row.detail,
      })),
      nextCursor,
    },
    200,
  )
}
