import type { RouteHandler } from '@hono/zod-openapi'
import type { Context } from 'hono'
import * as auditLog from '../../db/audit-log.js'
import * as schedules from '../../db/schedules.js'
import * as suppressions from '../../db/suppressions.js'
import { type UnsubscribeClaim, verifyUnsubscribeToken } from '../../security/signed-tokens.js'
import type { AppBindings } from '../deps.js'
import { ProblemError } from '../problems.js'
import { tokenSecret } from '../token-secret.js'
import type { ConfirmPageRoute, OneClickRoute } from './unsubscribe.routes.js'
import { confirmPageHtml, unsubscribedHtml } from './unsubscribe-page.js'

function claimOf(c: Context<AppBindings>, token: string): UnsubscribeClaim {
  const secret = tokenSecret(c.var.deps.config)
  const claim = secret ? verifyUnsubscribeToken(secret, token) : undefined
  if (!claim) throw new ProblemError('malformedRequest', 'the unsubscribe link is not valid')
  return claim
}

async function reportName(c: Context<AppBindings>, scheduleId: string): Promise<string | undefined> {
  if (!scheduleId) return undefined
  return (await schedules.byId(c.var.deps.db, scheduleId))?.name
}

export const confirmPage: RouteHandler<ConfirmPageRoute, AppBindings> = async (c) => {
  const { token } = c.req.valid('query')
  const claim = claimOf(c, token)
  const action = `${new URL(c.req.url).pathname}?token=${encodeURIComponent(token)}`
  return c.html(
    confirmPageHtml({ email: claim.email, reportName: await reportName(c, claim.scheduleId), action }),
    200,
  )
}

export const oneClick: RouteHandler<OneClickRoute, AppBindings> = async (c) => {
  const { token } = c.req.valid('query')
  const { email, scheduleId } = claimOf(c, token)
  const { db } = c.var.deps
  // Repeating the click is harmless: the first suppression stands.
  await suppressions.add(db, { email, scheduleId, reason: 'unsubscribed', detail: 'one-click unsubscribe' })
  await auditLog.record(db, {
    actor: `recipient:${email}`,
    action: 'suppression.unsubscribe',
    scheduleId: scheduleId || undefined,
  })
  return c.html(unsubscribedHtml({ email, reportName: await reportName(c, scheduleId) }), 200)
}
