import { ActivityFailure, proxyActivities } from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import { SMTP_CHECK_POLICY } from './activity-policies.js'

const { verifySmtpConnection, sendSmtpTestMail } = proxyActivities<HeraldActivities>(SMTP_CHECK_POLICY)

/** The check's answer; a refusal is an answer too, in the mail server's own words. */
export type SmtpCheckResult<T> = ({ ok: true } & T) | { ok: false; error: string }

/** Connects to the worker's SMTP server and logs in, without sending (POST /smtp/verify). */
export async function smtpVerify(): Promise<SmtpCheckResult<{ detail: string }>> {
  return answer(() => verifySmtpConnection())
}

/** Sends the short test message through the worker's mailer (POST /smtp/test). */
export async function smtpSendTest(input: {
  to: string
}): Promise<SmtpCheckResult<{ messageId?: string; reply?: string }>> {
  return answer(() => sendSmtpTestMail(input))
}

async function answer<T extends object>(check: () => Promise<T>): Promise<SmtpCheckResult<T>> {
  try {
    return { ok: true, ...(await check()) }
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err
    return { ok: false, error: err.cause?.message || err.message }
  }
}
