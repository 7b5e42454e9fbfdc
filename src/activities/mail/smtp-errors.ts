/**
 * What an SMTP failure means for one recipient. 4xx replies and lost connections are temporary: the recipient
 * stays `failed` and the activity is retried. 5xx replies are final: `permanently_failed`, and when the server
 * says the mailbox does not exist, the address is suppressed so no schedule keeps mailing it.
 */

export interface SmtpFailure {
  retryable: boolean
  /** The server's reply (`550 5.1.1 <x@y>: user unknown`) or the client-side error. */
  reply: string
  responseCode?: number
  hardBounce: boolean
}

const USER_UNKNOWN =
  /user unknown|unknown user|no such (user|mailbox|recipient)|mailbox (is )?(unavailable|not found|does not exist)|does not exist|invalid (recipient|mailbox|address)|recipient (address )?rejected|address rejected|unrouteable|bad destination mailbox/i

interface NodemailerError {
  code?: string
  responseCode?: number
  response?: string
  message?: string
  command?: string
}

export function classifySmtpError(error: unknown): SmtpFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as NodemailerError
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined
  const reply = (e.response || [e.code, e.message ?? String(error)].filter(Boolean).join(': ')).slice(0, 2000)
  // Bad credentials fail every recipient alike: an operator fixes the config and the retry delivers.
  if (code === undefined || code < 500 || e.code === 'EAUTH') {
    return { retryable: true, reply, responseCode: code, hardBounce: false }
  }
  return { retryable: false, reply, responseCode: code, hardBounce: isHardBounce(code, reply) }
}

/** Only "this mailbox does not exist" suppresses an address; a policy rejection (5.7.x) or a full mailbox does not. */
export function isHardBounce(code: number, reply: string): boolean {
  if (![550, 551, 553].includes(code)) return false
  const enhanced = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(reply)
  if (enhanced) {
    const [, , subject, detail] = enhanced
    return subject === '1' || (subject === '2' && detail === '1')
  }
  return code !== 550 || USER_UNKNOWN.test(reply)
}
