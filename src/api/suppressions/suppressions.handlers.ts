import type { RouteHandler } from '@hono/zod-openapi'
import * as auditLog from '../../db/audit-log.js'
import type { AppBindings } from '../deps.js'
import { cursorTimestamp, decodeCursor, page } from '../pagination.js'
import { notFound } from '../problems.js'
import type { ListRoute, RemoveRoute } from './suppressions.routes.js'

interface SuppressionRow {
  email: string
  schedule_id: string
  reason: 'unsubscribed' | 'hard_bounce' | 'manual'
  detail: string | null
  created_at: Date
  created_key: string
}

export const list: RouteHandler<ListRoute, AppBindings> = async (c) => {
  const { db } = c.var.deps
  const { limit, cursor, email, scheduleId } = c.req.valid('query')
  const after = decodeCursor(cursor, 3)
  const rows = await db<SuppressionRow[]>`
    SELECT email, schedule_id, reason, detail, created_at, created_at::text AS created_key
    FROM herald.suppressions
    WHERE true
      ${email ? db`AND email = ${email.toLowerCase()}` : db``}
      ${scheduleId !== undefined ? db`AND schedule_id = ${scheduleId}` : db``}
      ${after ? db`AND (created_at, email, schedule_id) < (${cursorTimestamp(db, after[0]!)}, ${after[1]!}, ${after[2]!})` : db``}
    ORDER BY created_at DESC, email DESC, schedule_id DESC
    LIMIT ${limit + 1}`
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
  const rows = await db`
    DELETE FROM herald.suppressions
    WHERE email = ${email} ${scheduleId !== undefined ? db`AND schedule_id = ${scheduleId}` : db``}
    RETURNING schedule_id`
  if (rows.length === 0) throw notFound(`suppression of ${email}`)
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'suppression.delete',
    detail: { email, scheduleId: scheduleId ?? null },
  })
  return c.body(null, 204)
}
