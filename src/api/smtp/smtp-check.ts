import { randomUUID } from 'node:crypto'
import { type SmtpCheckResult, smtpSendTest, smtpVerify } from '../../workflows/index.js'
import type { TemporalDeps } from '../deps.js'

/** An SMTP check is a connection and at most one message; longer means no worker took it. */
const SMTP_CHECK_TIMEOUT_MS = 90_000

const timeoutOf = (temporal: TemporalDeps) =>
  Math.min(temporal.workTimeoutMs ?? SMTP_CHECK_TIMEOUT_MS, SMTP_CHECK_TIMEOUT_MS)

/**
 * The SMTP checks run on the worker, with the mailer reports use (the API process opens no SMTP connection).
 * A refusal comes back as `{ ok: false, error }` in the server's own words.
 */
export function verifySmtp(temporal: TemporalDeps): Promise<SmtpCheckResult<{ detail: string }>> {
  return temporal.client.workflow.execute(smtpVerify, {
    workflowId: `smtp-check/verify/${randomUUID()}`,
    taskQueue: temporal.taskQueue,
    workflowExecutionTimeout: timeoutOf(temporal),
  })
}

export function sendSmtpTest(
  temporal: TemporalDeps,
  to: string,
): Promise<SmtpCheckResult<{ messageId?: string; reply?: string }>> {
  return temporal.client.workflow.execute(smtpSendTest, {
    workflowId: `smtp-check/test/${randomUUID()}`,
    taskQueue: temporal.taskQueue,
    args: [{ to }],
    workflowExecutionTimeout: timeoutOf(temporal),
  })
}
