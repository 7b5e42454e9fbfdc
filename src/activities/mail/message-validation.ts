import { ApplicationFailure } from '@temporalio/common'
import { BusinessError } from '../../domain/errors.js'
import { emailAddress } from '../../domain/schedule.js'

/**
 * Checks that run before anything is sent. Schedules are validated by the API already; these run again at the
 * edge of the SMTP server because a message is built from several sources (config, lists, templates) and a
 * header injection must never reach the wire. A failure is non-retryable: the schedule has to change.
 */

/** RFC 5322 line limit, excluding CRLF. */
export const MAX_SUBJECT_LENGTH = 998
/** RFC 5321 path limit. */
export const MAX_ADDRESS_LENGTH = 254
/** RFC 5321 §4.5.3.1.8: servers need only accept 100 RCPT TO per message. */
export const MAX_RECIPIENTS_PER_MESSAGE = 100

const LINE_BREAK = /[\r\n]/
const CUSTOM_HEADER_NAME = /^X-[A-Za-z0-9-]{1,60}$/

export function invalidMessage(reason: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: BusinessError.InvalidMessage,
    message: `invalid message: ${reason}`,
    nonRetryable: true,
  })
}

/** The reason `address` cannot be used as a recipient, or undefined when it can. */
export function addressProblem(address: string): string | undefined {
  if (LINE_BREAK.test(address)) return `address ${JSON.stringify(address)} contains a line break`
  if (address.length > MAX_ADDRESS_LENGTH) return `address is longer than ${MAX_ADDRESS_LENGTH} characters`
  if (!emailAddress.safeParse(address).success)
    return `${JSON.stringify(address)} is not a valid email address`
  return undefined
}

export function assertAddress(address: string, role: string): void {
  const problem = addressProblem(address)
  if (problem) throw invalidMessage(`${role}: ${problem}`)
}

export function assertHeaderValue(value: string, what: string): void {
  if (LINE_BREAK.test(value)) throw invalidMessage(`${what} must not contain line breaks`)
  if (value.length > MAX_SUBJECT_LENGTH)
    throw invalidMessage(`${what} is longer than ${MAX_SUBJECT_LENGTH} characters`)
}

/** `Display Name <addr@example.com>` or a bare address, as MAIL_FROM allows. */
export function parseMailbox(mailbox: string): { name?: string; address: string } {
  const match = /^\s*(?:"?([^"<]*?)"?\s*)?<([^<>]+)>\s*$/.exec(mailbox)
  return match ? { name: match[1] || undefined, address: match[2]!.trim() } : { address: mailbox.trim() }
}

export function assertMailbox(mailbox: string, role: string): { name?: string; address: string } {
  if (LINE_BREAK.test(mailbox)) throw invalidMessage(`${role} must not contain line breaks`)
  const parsed = parseMailbox(mailbox)
  assertAddress(parsed.address, role)
  return parsed
}

export interface MessageHeadersToCheck {
  from: string
  replyTo?: string
  subjectTemplate: string
  subject: string
  headers: Record<string, string>
  headerTo: string[]
  headerCc: string[]
  attachmentFilenames: string[]
}

/** Everything that becomes a header, checked once per report before the first recipient is mailed. */
export function assertValidHeaders(m: MessageHeadersToCheck): void {
  assertMailbox(m.from, 'From (MAIL_FROM)')
  if (m.replyTo !== undefined) assertAddress(m.replyTo, 'Reply-To')
  assertHeaderValue(m.subjectTemplate, 'subject')
  if (m.subject.trim() === '') throw invalidMessage('subject is empty')
  assertHeaderValue(m.subject, 'subject')
  for (const [name, value] of Object.entries(m.headers)) {
    if (!CUSTOM_HEADER_NAME.test(name))
      throw invalidMessage(`custom header ${JSON.stringify(name)} must be named X-…`)
    assertHeaderValue(value, `header ${name}`)
  }
  for (const address of m.headerTo) assertAddress(address, 'To')
  for (const address of m.headerCc) assertAddress(address, 'Cc')
  for (const filename of m.attachmentFilenames) assertHeaderValue(filename, `attachment filename ${filename}`)
}

export function assertRecipientCount(count: number): void {
  if (count > MAX_RECIPIENTS_PER_MESSAGE) {
    throw invalidMessage(
      `${count} recipients in one SMTP message; the limit is ${MAX_RECIPIENTS_PER_MESSAGE}`,
    )
  }
}
