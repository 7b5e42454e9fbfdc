import type { RouteHandler } from '@hono/zod-openapi'
import * as auditLog from '../../db/audit-log.js'
import type { AppBindings } from '../deps.js'
import { ProblemError } from '../problems.js'
import type { SendTestRoute, VerifyRoute } from './smtp.routes.js'

/** SMTP failures are the mail server's, not the client's: 502 with the server's own words. */
const smtpFailure = (err: unknown) =>
  new ProblemError('smtpUnavailable', `SMTP: ${(err as Error)?.message || String(err)}`.slice(0, 1000))

export const verify: RouteHandler<VerifyRoute, AppBindings> = async (c) => {
  let result: Awaited<ReturnType<AppBindings['Variables']['deps']['smtp']['verify']>>
  try {
    result = await c.var.deps.smtp.verify()
  } catch (err) {
    throw smtpFailure(err)
  }
  if (result === false) throw smtpFailure(new Error('the server did not accept the connection'))
  const detail = typeof result === 'object' && result?.detail ? { detail: result.detail } : {}
  return c.json({ ok: true as const, ...detail }, 200)
}

export const sendTest: RouteHandler<SendTestRoute, AppBindings> = async (c) => {
  const { to } = c.req.valid('json')
  let sent: { messageId?: string; reply?: string }
  try {
    sent = await c.var.deps.smtp.sendTest(to)
  } catch (err) {
    throw smtpFailure(err)
  }
  await auditLog.record(c.var.deps.db, {
    actor: c.get('actor'),
    action: 'smtp.test',
    detail: { to, messageId: sent.messageId ?? null },
  })
  return c.json({ to, messageId: sent.messageId ?? null, reply: sent.reply ?? null }, 200)
}
