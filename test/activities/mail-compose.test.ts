import { describe, expect, it } from 'vitest'
import { encodedSize, planAttachments } from '../../src/activities/mail/attachment-plan.js'
import {
  composeReportMessage,
  formatInstant,
  prepareReport,
  renderTemplate,
  reportMessageId,
} from '../../src/activities/mail/compose.js'
import { MAX_RECIPIENTS_PER_MESSAGE, parseMailbox } from '../../src/activities/mail/message-validation.js'
import { classifySmtpError, isHardBounce } from '../../src/activities/mail/smtp-errors.js'
import type { Attachment } from '../../src/domain/report-data.js'
import type { RunContext } from '../../src/domain/run.js'
import { mailSchema } from '../../src/domain/schedule.js'

const run: RunContext = {
  scheduleId: 'sch-1',
  scheduleName: 'Weekly',
  runId: 'run-1',
  fireTime: '2024-03-31T06:00:00.000Z',
  periodStart: '2024-03-24T00:00:00.000Z',
  periodEnd: '2024-03-31T00:00:00.000Z',
  timezone: 'Europe/Berlin',
}

const file = (size: number, name = `f${size}.pdf`): Attachment => ({
  artifactId: `a-${name}`,
  format: 'pdf',
  filename: name,
  contentType: 'application/pdf',
  size,
})

describe('templates', () => {
  it('formats instants in the schedule timezone, across DST', () => {
    expect(formatInstant('2024-03-31T00:30:00Z', 'Europe/Berlin')).toBe('2024-03-31 01:30 GMT+1')
    expect(formatInstant('2024-03-31T01:30:00Z', 'Europe/Berlin')).toBe('2024-03-31 03:30 GMT+2')
    expect(formatInstant('2024-07-01T06:00:00Z', 'UTC')).toBe('2024-07-01 06:00 UTC')
    expect(formatInstant('2024-07-01T06:00:00Z', 'America/New_York')).toBe('2024-07-01 02:00 EDT')
  })

  it('replaces known variables, keeps unknown ones and encodes values only', () => {
    const vars = { schedule: 'A&B', row_count: '3' }
    expect(renderTemplate('{{schedule}} / {{ row_count }} / {{nope}}', vars)).toBe('A&B / 3 / {{nope}}')
    expect(renderTemplate('<i>{{schedule}}</i>', vars, (v) => v.replace('&', '&amp;'))).toBe('<i>A&amp;B</i>')
  })

  it('keeps header values on one line even when a variable has line breaks', () => {
    const report = prepareReport({
      run,
      mail: mailSchema.parse({ subject: 'Sent: {{condition}}' }),
      rowCount: 1,
      conditionReason: 'rows > 0\r\nBcc: x@example.com',
      attachments: [],
      headerTo: ['a@example.com'],
      headerCc: [],
      from: 'Herald <r@herald.test>',
      publicUrl: 'https://h.test',
      secret: 'secret-secret-secret',
      limits: { maxAttachmentBytes: 1000, maxMessageBytes: 10_000 },
      now: new Date(),
    })
    expect(report.subject).toBe('Sent: rows > 0 Bcc: x@example.com')
  })
})

describe('message identity', () => {
  it('derives the Message-ID from run and recipient, case-insensitively', () => {
    const id = reportMessageId('run-1', 'a@example.com', 'Herald <r@herald.test>')
    expect(id).toMatch(/^<[0-9a-f]{64}@herald\.test>$/)
    expect(reportMessageId('run-1', 'A@Example.com', 'r@herald.test')).toBe(id)
    expect(reportMessageId('run-1', 'b@example.com', 'r@herald.test')).not.toBe(id)
    expect(reportMessageId('run-2', 'a@example.com', 'r@herald.test')).not.toBe(id)
  })

  it('parses MAIL_FROM with and without a display name', () => {
    expect(parseMailbox('Herald Reports <reports@herald.test>')).toEqual({
      name: 'Herald Reports',
      address: 'reports@herald.test',
    })
    expect(parseMailbox('"Herald, Inc" <r@h.test>')).toEqual({ name: 'Herald, Inc', address: 'r@h.test' })
    expect(parseMailbox('r@h.test')).toEqual({ address: 'r@h.test' })
  })

  it('addresses one recipient per SMTP message', () => {
    const report = prepareReport({
      run,
      mail: mailSchema.parse({ subject: 'S' }),
      rowCount: 1,
      conditionReason: 'always',
      attachments: [],
      headerTo: Array.from({ length: MAX_RECIPIENTS_PER_MESSAGE + 50 }, (_, i) => `u${i}@example.com`),
      headerCc: [],
      from: 'r@herald.test',
      publicUrl: 'https://h.test',
      secret: 'secret-secret-secret',
      limits: { maxAttachmentBytes: 1000, maxMessageBytes: 10_000 },
      now: new Date(),
    })
    const message = composeReportMessage(report, {
      recipient: 'u7@example.com',
      messageId: '<x@h>',
      sources: [],
    })
    expect(message.envelope).toEqual({ from: 'r@herald.test', to: ['u7@example.com'] })
  })
})

describe('attachment size limits', () => {
  const options = (maxAttachmentBytes: number, maxMessageBytes: number) => ({
    limits: { maxAttachmentBytes, maxMessageBytes },
    bodyBytes: 1000,
    publicUrl: 'https://h.test/',
    secret: 'secret-secret-secret',
    now: new Date('2024-07-01T00:00:00Z'),
  })

  it('counts base64 overhead', () => {
    expect(encodedSize(3)).toBe(4)
    expect(encodedSize(4)).toBe(8)
    expect(encodedSize(30_000)).toBe(40_000)
  })

  it('links a file whose encoded size is over the attachment limit', () => {
    // 7,600 bytes fit in 10,000 raw but not once base64-encoded (10,136).
    const plan = planAttachments([file(7600), file(100)], options(10_000, 1_000_000))
    expect(plan.attached.map((a) => a.size)).toEqual([100])
    expect(plan.linked.map((l) => l.attachment.size)).toEqual([7600])
    expect(plan.linked[0]!.url).toMatch(/^https:\/\/h\.test\/api\/v1\/artifacts\/a-f7600\.pdf\?sig=/)
    expect(plan.linked[0]!.expiresAt.toISOString()).toBe('2024-07-08T00:00:00.000Z')
  })

  it('links the largest files until the message fits', () => {
    // Encoded: 4,000 + 8,000 + 6,000 bytes, plus 1,000 of body.
    const files = [file(3000), file(6000), file(4500)]
    const fits = planAttachments(files, options(100_000, 1000 + 4000 + 6000))
    expect(fits.attached.map((a) => a.size)).toEqual([3000, 4500])
    expect(fits.linked.map((l) => l.attachment.size)).toEqual([6000])
    const tight = planAttachments(files, options(100_000, 1000 + 4000 + 6000 - 1))
    expect(tight.attached.map((a) => a.size)).toEqual([3000])
    expect(tight.linked.map((l) => l.attachment.size)).toEqual([6000, 4500])
  })
})

describe('SMTP failures', () => {
  it.each([
    [{ responseCode: 421, response: '421 4.3.2 Service shutting down' }, true, false],
    [{ responseCode: 451, response: '451 4.7.1 Greylisted' }, true, false],
    [{ responseCode: 452, response: '452 4.2.2 Mailbox full' }, true, false],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, true, false],
    [{ code: 'ETIMEDOUT', message: 'Timeout' }, true, false],
    [{ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication failed' }, true, false],
    [
      { responseCode: 550, response: '550 5.1.1 <a@b.c>: Recipient address rejected: User unknown' },
      false,
      true,
    ],
    [{ responseCode: 550, response: '550 Requested action not taken: mailbox unavailable' }, false, true],
    [{ responseCode: 550, response: '550 5.7.1 Message rejected as spam' }, false, false],
    [
      { responseCode: 553, response: '553 sorry, that domain is not in my list of allowed rcpthosts' },
      false,
      true,
    ],
    [{ responseCode: 552, response: '552 5.3.4 Message size exceeds fixed limit' }, false, false],
  ])('%o → retryable %s, hard bounce %s', (error, retryable, hardBounce) => {
    const failure = classifySmtpError(Object.assign(new Error('smtp'), error))
    expect(failure.retryable).toBe(retryable)
    expect(failure.hardBounce).toBe(hardBounce)
    expect(failure.reply).not.toBe('')
  })

  it('treats a 5.2.1 disabled mailbox as a hard bounce', () => {
    expect(isHardBounce(550, '550 5.2.1 The email account that you tried to reach is disabled')).toBe(true)
  })
})
