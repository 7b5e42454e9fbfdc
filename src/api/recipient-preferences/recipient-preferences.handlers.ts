import type { RouteConfig, RouteHandler } from '@hono/zod-openapi'
import * as auditLog from '../../db/audit-log.js'
import * as recipientPreferences from '../../db/recipient-preferences.js'
import type { AppBindings } from '../deps.js'
import { notFound } from '../problems.js'
import type * as routes from './recipient-preferences.routes.js'

type Handler<R extends RouteConfig> = RouteHandler<R, AppBindings>

const keyOf = (email: string) => email.trim().toLowerCase()

function toView(stored: recipientPreferences.StoredPreferences) {
  return {
    recipient: stored.recipient,
    channels: stored.channels,
    quietHours: stored.quietHours,
    dailyCap: stored.dailyCap,
    updatedAt: stored.updatedAt.toISOString(),
  }
}

export const getOne: Handler<typeof routes.getOne> = async (c) => {
  const recipient = keyOf(c.req.valid('param').email)
  const stored = await recipientPreferences.byRecipient(c.var.deps.db, recipient)
  if (!stored) throw notFound(`preferences of ${recipient}`)
  return c.json(toView(stored), 200)
}

export const put: Handler<typeof routes.put> = async (c) => {
  const { db } = c.var.deps
  const recipient = keyOf(c.req.valid('param').email)
  const body = c.req.valid('json')
  const actor = c.get('actor') ?? 'unknown'
  const { preferences, created } = await recipientPreferences.put(db, recipient, body, actor)
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'recipient.preferences',
    detail: { recipient, ...body },
  })
  return created ? c.json(toView(preferences), 201) : c.json(toView(preferences), 200)
}

export const remove: Handler<typeof routes.remove> = async (c) => {
  const { db } = c.var.deps
  const recipient = keyOf(c.req.valid('param').email)
  if (!(await recipientPreferences.remove(db, recipient))) throw notFound(`preferences of ${recipient}`)
  await auditLog.record(db, {
    actor: c.get('actor'),
    action: 'recipient.preferences.delete',
    detail: { recipient },
  })
  return c.body(null, 204)
}
