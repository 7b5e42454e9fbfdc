import type { RouteHandler } from '@hono/zod-openapi'
import * as auditLog from '../../db/audit-log.js'
import type { AppBindings } from '../deps.js'
import { ProblemError } from '../problems.js'
import type { SendTestRoute, VerifyRoute } from './smtp.routes.js'
import { sendSmtpTest, verifySmtp } from './smtp-check.js'

/** SMTP failures are the mail server's, not the client's: 502 with the server's own words. */
const smtpFailure = (message: string) =>
  new ProblemError('smtpUnavailable', `SMTP: ${message}`.slice(0, 1000))

export const verify: RouteHandler<VerifyRoute, AppBindings> = async (c) => {
  const result = await verifySmtp(c.var.deps.temporal)
  if (!result.ok) throw smtpFailure(result.error)
  return c.json({ ok: true as const, detail: result.detail }, 200)
}

export const sendTest: RouteHandler<SendTestRoute, AppBindings> = async (c) => {
  const { to } = c.req.valid('json')
  const sent = await sendSmtpTest(c.var.deps.temporal, to)
  if (!sent.ok) throw smtpFailure(sent.error)
  await auditLog.record(c.var.deps.db, {
    actor: c.get('actor'),
    action: 'smtp.test',
    detail: { to, messageId: sent.messageId ?? null },
  })
  return c.json({ to, messageId: sent.messageId ?? null, reply: sent.reply ?? null }, 200)
}
