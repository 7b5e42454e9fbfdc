import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ApplicationFailure } from '@temporalio/common'
import { MockActivityEnvironment } from '@temporalio/testing'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import type { z } from 'zod'
import { reportMessageId } from '../../src/activities/mail/compose.js'
import { createMailActivities, type MailLimits } from '../../src/activities/mail/deliver.js'
import { createMailer, type Mailer } from '../../src/activities/mail/smtp-transport.js'
import type { ArtifactStore } from '../../src/artifacts/artifact-store.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import type { DeliveryInput, DeliveryReport } from '../../src/domain/delivery.js'
import type { Attachment } from '../../src/domain/report-data.js'
import type { RunContext } from '../../src/domain/run.js'
import { mailSchema, recipientsSchema, type ScheduleSpec } from '../../src/domain/schedule.js'
import { verifyArtifactSignature, verifyUnsubscribeToken } from '../../src/security/signed-tokens.js'
import { type ReceivedMail, TestSmtpServer } from '../support/smtp.js'

const FROM = 'Herald Reports <reports@herald.test>'
const PUBLIC_URL = 'https://herald.example.com'
const SECRET = 'mail-test-secret-0123456789'

let db: Database
let deliveryLocks: Database
let smtp: TestSmtpServer
let mailer: Mailer
let artifacts: LocalArtifactStore
let artifactDir: string

beforeAll(async () => {
  db = connectDatabase(inject('databaseUrl'), { max: 4 })
  deliveryLocks = connectDatabase(inject('databaseUrl'), { max: 2 })
  smtp = new TestSmtpServer()
  await smtp.start()
  mailer = createMailer({ smtpUrl: smtp.url, from: FROM, timeouts: { socketMs: 10_000 } })
  artifactDir = await mkdtemp(join(tmpdir(), 'herald-mail-test-'))
  artifacts = new LocalArtifactStore({ dir: artifactDir, db })
})

afterAll(async () => {
  mailer.close()
  await smtp.stop()
  await deliveryLocks.end()
  await db.end()
  await rm(artifactDir, { recursive: true, force: true })
})

beforeEach(() => {
  smtp.faults = {}
  smtp.received.length = 0
})

function activities(
  options: { limits?: MailLimits; store?: ArtifactStore; mailer?: Mailer; db?: Database } = {},
) {
  return createMailActivities({
    db: options.db ?? db,
    deliveryLocks,
    artifacts: options.store ?? artifacts,
    mailer: options.mailer ?? mailer,
    publicUrl: PUBLIC_URL,
    secret: SECRET,
    limits: options.limits,
  })
}

function runContext(overrides: Partial<RunContext> = {}): RunContext {
  return {
    scheduleId: `sch-${randomUUID()}`,
    scheduleName: 'Weekly revenue',
    runId: `run-${randomUUID()}`,
    fireTime: '2024-07-01T06:00:00.000Z',
    periodStart: '2024-06-23T22:00:00.000Z',
    periodEnd: '2024-06-30T22:00:00.000Z',
    timezone: 'Europe/Berlin',
    ...overrides,
  }
}

function deliveryInput(
  options: {
    run?: RunContext
    mail?: Partial<z.input<typeof mailSchema>>
    recipients?: Partial<ScheduleSpec['recipients']>
    attachments?: Attachment[]
  } = {},
): DeliveryInput {
  return {
    run: options.run ?? runContext(),
    mail: mailSchema.parse({ subject: 'Report {{schedule}}', ...options.mail }),
    recipients: recipientsSchema.parse({ to: ['alice@example.com'], ...options.recipients }),
    attachments: options.attachments ?? [],
    rowCount: 8,
    conditionReason: 'always',
  }
}

async function attachment(
  filename: string,
  content: string | Buffer,
  contentType = 'text/csv',
): Promise<Attachment> {
  const meta = await artifacts.write(
    { runId: null, filename, contentType },
    Readable.from([Buffer.from(content)]),
  )
  return { artifactId: meta.id, format: 'csv', filename, contentType, size: meta.size }
}

async function ledger(scheduleId: string) {
  return db<
    {
      recipient: string
      status: string
      message_id: string | null
      smtp_reply: string | null
      attempts: number
    }[]
  >`
    SELECT recipient, status, message_id, smtp_reply, attempts FROM herald.deliveries
     WHERE schedule_id = ${scheduleId} ORDER BY recipient`
}

/** A header as it was on the wire (unfolded), not mailparser's interpretation of it. */
function header(mail: ReceivedMail, name: string): string {
  const line = mail.parsed.headerLines.find((h) => h.key === name)?.line ?? ''
  return line
    .slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim()
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ApplicationFailure)
  return error as ApplicationFailure
}

describe('deliverReport', () => {
  it('mails every recipient its own message with deterministic Message-ID, unsubscribe link and no Bcc header', async () => {
    const input = deliveryInput({
      recipients: {
        to: ['alice@example.com', 'bob@example.com'],
        cc: ['carol@example.com'],
        bcc: ['dave@example.com'],
      },
      mail: { priority: 'high', headers: { 'X-Report-Kind': 'weekly' }, replyTo: 'finance@example.com' },
    })
    const report = await activities().deliverReport(input)

    expect(report).toMatchObject({ sent: 4, alreadySent: 0, suppressed: 0, permanentlyFailed: 0 })
    expect(smtp.received).toHaveLength(4)
    for (const address of ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com']) {
      const mails = smtp.mailsTo(address)
      expect(mails).toHaveLength(1)
      const mail = mails[0]!
      expect(mail.envelopeTo).toEqual([address])
      expect(mail.envelopeFrom).toBe('reports@herald.test')
      expect(mail.parsed.messageId).toBe(reportMessageId(input.run.runId, address, FROM))
      expect(mail.parsed.to && 'text' in mail.parsed.to ? mail.parsed.to.text : '').toBe(
        'alice@example.com, bob@example.com',
      )
      expect(header(mail, 'cc')).toBe('carol@example.com')
      expect(mail.raw.toString()).not.toMatch(/^bcc:/im)
      expect(mail.raw.toString()).not.toContain('dave@example.com')
      expect(header(mail, 'reply-to')).toBe('finance@example.com')
      expect(mail.raw.toString()).toMatch(/^X-Priority: 1 \(Highest\)\r$/m)
      expect(mail.raw.toString()).toMatch(/^Importance: High\r$/m)
      expect(header(mail, 'x-report-kind')).toBe('weekly')
      expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click')
      const unsubscribe = /<(https:\/\/herald\.example\.com\/api\/v1\/unsubscribe\?token=[^>]+)>/.exec(
        header(mail, 'list-unsubscribe'),
      )
      expect(unsubscribe).not.toBeNull()
      const token = new URL(unsubscribe![1]!).searchParams.get('token')!
      expect(verifyUnsubscribeToken(SECRET, token)).toEqual({
        email: address,
        scheduleId: input.run.scheduleId,
      })
    }
    const rows = await ledger(input.run.scheduleId)
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent'])
    for (const row of rows) {
      expect(row.message_id).toBe(reportMessageId(input.run.runId, row.recipient, FROM))
      expect(row.smtp_reply).toMatch(/^250/)
      expect(row.attempts).toBe(1)
    }
  })

  it('fills template variables in the schedule timezone and escapes them in HTML', async () => {
    const input = deliveryInput({
      run: runContext({ scheduleName: '<b>Q&A</b> "sales"' }),
      mail: {
        subject: '{{schedule}} from {{period_start}}',
        body: 'Report {{schedule}} fired {{fire_time}} with {{row_count}} rows: {{condition}} {{unknown}}',
      },
    })
    input.conditionReason = '<script>alert(1)</script>'
    await activities().deliverReport(input)

    const [mail] = smtp.received
    expect(mail!.parsed.subject).toBe('<b>Q&A</b> "sales" from 2024-06-24 00:00 GMT+2')
    expect(mail!.parsed.text).toContain(
      'Report <b>Q&A</b> "sales" fired 2024-07-01 08:00 GMT+2 with 8 rows: <script>alert(1)</script> {{unknown}}',
    )
    const html = String(mail!.parsed.html)
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('<b>Q')
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;')
    expect(html).toContain('&#60;b&#62;Q&#38;A&#60;/b&#62; &#34;sales&#34;')
  })

  it('attaches report files from the artifact store, by path and by stream', async () => {
    const csv = 'region,revenue\nNord,100.50\nSüd,99.00\n'
    const files = [await attachment('revenue.csv', csv), await attachment('more.csv', 'a,b\n1,2\n')]
    const streamingStore: ArtifactStore = {
      write: (meta, source) => artifacts.write(meta, source),
      stat: (id) => artifacts.stat(id),
      open: (id) => artifacts.open(id),
      keepUntil: (ids, until) => artifacts.keepUntil(ids, until),
      deleteExpired: (options) => artifacts.deleteExpired(options),
    }
    for (const store of [artifacts, streamingStore]) {
      smtp.received.length = 0
      await activities({ store }).deliverReport(
        deliveryInput({ recipients: { to: ['alice@example.com', 'bob@example.com'] }, attachments: files }),
      )
      expect(smtp.received).toHaveLength(2)
      for (const mail of smtp.received) {
        expect(mail.parsed.attachments.map((a) => a.filename)).toEqual(['revenue.csv', 'more.csv'])
        expect(mail.parsed.attachments[0]!.content.toString('utf8')).toBe(csv)
        expect(mail.parsed.attachments[0]!.contentType).toBe('text/csv')
        expect(mail.parsed.text).toContain('Attached: revenue.csv')
      }
    }
  })

  it('shows the first rows as an inline HTML table when asked', async () => {
    const lines = [
      ['Nord', 100.5],
      ['Süd <b>', 99],
      ['West', 42],
    ].map((r) => `${JSON.stringify(r)}\n`)
    const result = await artifacts.write(
      { runId: null, filename: 'result.ndjson', contentType: 'application/x-ndjson' },
      Readable.from(lines),
    )
    const input = deliveryInput({ mail: { inlineRows: 2 } })
    input.resultRef = result.id
    input.columns = [
      { name: 'region', type: 'text' },
      { name: 'revenue', type: 'number' },
    ]
    await activities().deliverReport(input)
    const html = String(smtp.received[0]!.parsed.html)
    expect(html).toContain('<table')
    expect(html).toContain('Nord')
    expect(html).toContain('Süd &lt;b&gt;')
    expect(html).not.toContain('West')
  })

  it('sends a signed download link instead of an attachment over the size limit', async () => {
    const small = await attachment('summary.csv', 'x\n1\n')
    const big = await attachment('detail.csv', 'y'.repeat(4000))
    const input = deliveryInput({ attachments: [small, big] })
    await activities({ limits: { maxAttachmentBytes: 3000 } }).deliverReport(input)

    const [mail] = smtp.received
    expect(mail!.parsed.attachments.map((a) => a.filename)).toEqual(['summary.csv'])
    const link = new RegExp(`${PUBLIC_URL}/api/v1/artifacts/${big.artifactId}\\?sig=([^\\s"<]+)`).exec(
      mail!.parsed.text ?? '',
    )
    expect(link).not.toBeNull()
    expect(mail!.parsed.text).toContain('detail.csv (3.9 KB) is too large to attach')
    const verdict = verifyArtifactSignature(SECRET, big.artifactId, decodeURIComponent(link![1]!))
    expect(verdict.ok).toBe(true)
    const days = verdict.ok ? (verdict.expiresAt.getTime() - Date.now()) / 86_400_000 : 0
    expect(days).toBeGreaterThan(6.9)
    expect(days).toBeLessThanOrEqual(7)
    expect(String(mail!.parsed.html)).toContain(`/api/v1/artifacts/${big.artifactId}?sig=`)
  })

  it('moves the largest files to links when the whole message would be too big', async () => {
    const files = [
      await attachment('a.csv', 'a'.repeat(3000)),
      await attachment('b.csv', 'b'.repeat(6000)),
      await attachment('c.csv', 'c'.repeat(3000)),
    ]
    await activities({ limits: { maxAttachmentBytes: 10_000, maxMessageBytes: 14_000 } }).deliverReport(
      deliveryInput({ attachments: files }),
    )
    expect(smtp.received[0]!.parsed.attachments.map((a) => a.filename)).toEqual(['a.csv', 'c.csv'])
    expect(smtp.received[0]!.parsed.text).toContain(`/api/v1/artifacts/${files[1]!.artifactId}?sig=`)
  })

  it('expands distribution lists, dedupes addresses case-insensitively and skips suppressed ones', async () => {
    const run = runContext()
    const listId = `list-${randomUUID()}`
    const listName = `Finance ${randomUUID()}`
    await db`INSERT INTO herald.distribution_lists (id, name) VALUES (${listId}, ${listName})`
    await db`
      INSERT INTO herald.distribution_list_members (list_id, email) VALUES
        (${listId}, 'Erin@Example.com'), (${listId}, 'frank@example.com'), (${listId}, 'ALICE@example.com'),
        (${listId}, 'not an address'), (${listId}, 'gone@example.com'), (${listId}, 'opted-out@example.com')`
    await db`
      INSERT INTO herald.suppressions (email, schedule_id, reason) VALUES
        ('gone@example.com', '', 'hard_bounce'), ('opted-out@example.com', ${run.scheduleId}, 'unsubscribed')`

    const report = await activities().deliverReport(
      deliveryInput({
        run,
        recipients: { to: ['alice@example.com'], bcc: ['erin@example.com'], lists: [listName] },
      }),
    )

    // smtp-server lower-cases the domain part of the envelope address.
    expect(smtp.received.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'Erin@example.com',
      'alice@example.com',
      'frank@example.com',
    ])
    expect(report).toMatchObject({ sent: 3, suppressed: 2, permanentlyFailed: 1 })
    expect(report.recipients.find((r) => r.email === 'not an address')).toMatchObject({
      status: 'permanently_failed',
      reply: expect.stringContaining('not a valid email address'),
    })
    const rows = await ledger(run.scheduleId)
    expect(Object.fromEntries(rows.map((r) => [r.recipient, r.status]))).toEqual({
      'alice@example.com': 'sent',
      'erin@example.com': 'sent',
      'frank@example.com': 'sent',
      'gone@example.com': 'suppressed',
      'opted-out@example.com': 'suppressed',
      'not an address': 'permanently_failed',
    })
    // The list member is not disclosed: the To header is the schedule's own To.
    const erin = smtp.mailsTo('Erin@example.com')[0]!
    expect(erin.raw.toString()).not.toMatch(/^to:.*erin/im)
  })

  it('heartbeats progress when running as an activity', async () => {
    const env = new MockActivityEnvironment()
    const beats: unknown[] = []
    env.on('heartbeat', (details: unknown) => beats.push(details))
    const report: DeliveryReport = await env.run(
      activities().deliverReport,
      deliveryInput({ recipients: { to: ['alice@example.com', 'bob@example.com'] } }),
    )
    expect(report.sent).toBe(2)
    expect(beats).toEqual([
      { done: 0, total: 2 },
      { done: 1, total: 2 },
      { done: 2, total: 2 },
    ])
  })

  it('uses an empty group as To when nobody is visible (bcc only)', async () => {
    await activities().deliverReport(deliveryInput({ recipients: { to: [], bcc: ['secret@example.com'] } }))
    const mail = smtp.mailsTo('secret@example.com')[0]!
    expect(mail.raw.toString()).toMatch(/^To: "?undisclosed-recipients"?:;/im)
    expect(mail.raw.toString()).not.toContain('secret@example.com')
  })

  it('sends nothing when the same run is delivered a second time', async () => {
    const input = deliveryInput({ recipients: { to: ['alice@example.com', 'bob@example.com'] } })
    const first = await activities().deliverReport(input)
    const second = await activities().deliverReport(input)
    expect(first).toMatchObject({ sent: 2, alreadySent: 0 })
    expect(second).toMatchObject({ sent: 0, alreadySent: 2 })
    expect(second.recipients.map((r) => r.status)).toEqual(['sent', 'sent'])
    expect(smtp.received).toHaveLength(2)
    // A new run id for the same tick (a manual re-run of the child) is still the same tick in the ledger.
    const rerun = await activities().deliverReport({
      ...input,
      run: { ...input.run, runId: `run-${randomUUID()}` },
    })
    expect(rerun).toMatchObject({ sent: 0, alreadySent: 2 })
    expect(smtp.received).toHaveLength(2)
  })

  it.each<[string, { mail?: Record<string, unknown>; recipients?: Record<string, unknown> }]>([
    ['a subject with a line break', { mail: { subject: 'Report\r\nBcc: victim@example.com' } }],
    [
      'a custom header value with a line break',
      { mail: { headers: { 'X-Team': 'ops\nBcc: victim@example.com' } } },
    ],
    ['a custom header not named X-…', { mail: { headers: { Bcc: 'victim@example.com' } } }],
    ['a Reply-To with a line break', { mail: { replyTo: 'a@example.com\r\nBcc: victim@example.com' } }],
    ['a recipient with a line break', { recipients: { to: ['a@example.com\r\nBcc: victim@example.com'] } }],
    [
      'a Bcc recipient with a line break',
      { recipients: { bcc: ['a@example.com\nRCPT TO:<victim@example.com>'] } },
    ],
    ['an over-long address', { recipients: { to: [`${'a'.repeat(250)}@example.com`] } }],
    ['an over-long subject', { mail: { subject: 's'.repeat(999) } }],
  ])('rejects %s before anything is sent', async (_what, broken) => {
    const input = deliveryInput({ recipients: { to: ['alice@example.com', 'bob@example.com'] } })
    // Bypass the schema on purpose: the activity must not trust that its input was validated upstream.
    Object.assign(input.mail, broken.mail ?? {})
    Object.assign(input.recipients, broken.recipients ?? {})
    const failure = await failureOf(activities().deliverReport(input))
    expect(failure.type).toBe('InvalidMessage')
    expect(failure.nonRetryable).toBe(true)
    expect(smtp.received).toHaveLength(0)
    expect(await ledger(input.run.scheduleId)).toHaveLength(0)
  })

  it('rejects a From display name with a line break', async () => {
    const evil = createMailer({
      smtpUrl: smtp.url,
      from: 'Herald\r\nBcc: victim@example.com <r@herald.test>',
    })
    try {
      const failure = await failureOf(activities({ mailer: evil }).deliverReport(deliveryInput()))
      expect(failure.type).toBe('InvalidMessage')
      expect(failure.message).toContain('From')
      expect(smtp.received).toHaveLength(0)
    } finally {
      evil.close()
    }
  })

  it('fails without retry when only unknown distribution lists are left', async () => {
    const failure = await failureOf(
      activities().deliverReport(
        deliveryInput({ recipients: { to: [], lists: [`missing-${randomUUID()}`] } }),
      ),
    )
    expect(failure.type).toBe('InvalidMessage')
    expect(failure.message).toContain('distribution lists not found')
  })

  it('tells each owner about a failed run once', async () => {
    const run = runContext({ scheduleName: 'Daily <orders>' })
    const notice = {
      run,
      owners: ['owner@example.com', 'OWNER@example.com', 'second@example.com'],
      error: 'boom <x>',
    }
    await activities().notifyOwners(notice)
    await activities().notifyOwners(notice)
    expect(smtp.received.map((m) => m.envelopeTo[0])).toEqual(['owner@example.com', 'second@example.com'])
    const [mail] = smtp.received
    expect(mail!.parsed.subject).toBe('Herald: report "Daily <orders>" failed (2024-07-01 08:00 GMT+2)')
    expect(mail!.parsed.text).toContain('boom <x>')
    expect(String(mail!.parsed.html)).toContain('boom &#60;x&#62;')
  })
})

describe('deliverReport against a misbehaving SMTP server', () => {
  const everyone = ['alice@example.com', 'bob@example.com', 'carol@example.com']
  // A pool per test: connections opened before a fault is set would otherwise skip the connect-time faults.
  let pool: Mailer
  beforeEach(() => {
    pool = createMailer({ smtpUrl: smtp.url, from: FROM, shared: false, timeouts: { socketMs: 10_000 } })
  })
  afterEach(() => pool.close())
  const deliver = (input: DeliveryInput) => activities({ mailer: pool }).deliverReport(input)

  function exactlyOneEach(addresses = everyone) {
    for (const address of addresses) expect(smtp.mailsTo(address), address).toHaveLength(1)
  }

  it('retries after 421 on connect and then mails each recipient exactly once', async () => {
    const input = deliveryInput({ recipients: { to: everyone } })
    smtp.faults.onConnect = () => ({ code: 421, message: 'Too busy, try later' })
    const failure = await failureOf(deliver(input))
    expect(failure.type).toBe('DeliveryIncomplete')
    expect(failure.nonRetryable).toBe(false)
    expect(failure.message).toContain('3 of 3 recipients')
    expect((await ledger(input.run.scheduleId)).map((r) => r.status)).toEqual(['failed', 'failed', 'failed'])
    expect(smtp.received).toHaveLength(0)

    smtp.faults = {}
    const report = await deliver(input)
    expect(report).toMatchObject({ sent: 3, alreadySent: 0 })
    exactlyOneEach()
  })

  it('retries only the recipient that got 451 on RCPT TO', async () => {
    const input = deliveryInput({ recipients: { to: everyone } })
    let refusals = 0
    smtp.faults.onRcptTo = (address) =>
      address === 'bob@example.com' && refusals++ === 0
        ? { code: 451, message: '4.7.1 Greylisted, try again later' }
        : undefined
    const failure = await failureOf(deliver(input))
    expect(failure.type).toBe('DeliveryIncomplete')
    expect(failure.message).toContain('bob@example.com')
    expect(failure.message).toContain('451')
    expect(failure.message).not.toContain('alice@example.com')

    const report = await deliver(input)
    expect(report).toMatchObject({ sent: 1, alreadySent: 2 })
    exactlyOneEach()
  })

  it('marks a 550 recipient permanently failed, suppresses it and still mails the others', async () => {
    const nobody = `nobody-${randomUUID()}@example.com`
    const input = deliveryInput({ recipients: { to: ['alice@example.com', nobody, 'bob@example.com'] } })
    smtp.faults.onRcptTo = (address) =>
      address === nobody ? { code: 550, message: `5.1.1 <${nobody}>: user unknown` } : undefined
    const report = await deliver(input)

    expect(report).toMatchObject({ sent: 2, permanentlyFailed: 1 })
    const failed = report.recipients.find((r) => r.email === nobody)
    expect(failed).toMatchObject({
      status: 'permanently_failed',
      reply: expect.stringContaining('550 5.1.1'),
    })
    exactlyOneEach(['alice@example.com', 'bob@example.com'])
    expect(smtp.mailsTo(nobody)).toHaveLength(0)
    const [row] =
      await db`SELECT reason, detail FROM herald.suppressions WHERE email = ${nobody} AND schedule_id = ''`
    expect(row).toMatchObject({ reason: 'hard_bounce', detail: expect.stringContaining('user unknown') })

    // The next tick does not try the bounced address again.
    smtp.faults = {}
    const nextTick = runContext({ scheduleId: input.run.scheduleId, fireTime: '2024-07-08T06:00:00.000Z' })
    const next = await deliver({ ...input, run: nextTick })
    expect(next).toMatchObject({ sent: 2, suppressed: 1 })
    expect(next.recipients.find((r) => r.email === nobody)?.status).toBe('suppressed')
  })

  it('records why a recipient suppressed between two attempts was not mailed', async () => {
    const leaver = `leaver-${randomUUID()}@example.com`
    const input = deliveryInput({ recipients: { to: ['alice@example.com', leaver] } })
    smtp.faults.onRcptTo = (address) =>
      address === leaver ? { code: 451, message: '4.7.1 Greylisted, try again later' } : undefined
    expect((await failureOf(deliver(input))).type).toBe('DeliveryIncomplete')
    await db`INSERT INTO herald.suppressions (email, schedule_id, reason) VALUES (${leaver}, '', 'unsubscribed')`

    smtp.faults = {}
    expect(await deliver(input)).toMatchObject({ alreadySent: 1, suppressed: 1 })
    const row = (await ledger(input.run.scheduleId)).find((r) => r.recipient === leaver)
    // Not the greylisting reply of the first attempt: that would explain nothing.
    expect(row).toMatchObject({ status: 'suppressed', smtp_reply: 'suppressed: unsubscribed' })
    expect(smtp.mailsTo(leaver)).toHaveLength(0)
  })

  it('does not suppress an address rejected by policy (5.7.1)', async () => {
    const input = deliveryInput({ recipients: { to: ['policy@example.com'] } })
    smtp.faults.onRcptTo = () => ({ code: 550, message: '5.7.1 Relaying denied' })
    const report = await deliver(input)
    expect(report.permanentlyFailed).toBe(1)
    const rows = await db`SELECT 1 FROM herald.suppressions WHERE email = 'policy@example.com'`
    expect(rows).toHaveLength(0)
  })

  it('retries a recipient whose connection dropped mid-DATA', async () => {
    const big = await attachment('big.csv', 'z'.repeat(2_000_000))
    const input = deliveryInput({ recipients: { to: everyone }, attachments: [big] })
    let drops = 0
    smtp.faults.onData = (rcpt) =>
      rcpt.includes('bob@example.com') && drops++ === 0 ? 'dropMidData' : undefined
    const failure = await failureOf(deliver(input))
    expect(failure.type).toBe('DeliveryIncomplete')
    expect(failure.message).toContain('bob@example.com')
    expect(smtp.mailsTo('bob@example.com')).toHaveLength(0)
    const bob = (await ledger(input.run.scheduleId)).find((r) => r.recipient === 'bob@example.com')
    expect(bob?.status).toBe('failed')

    await deliver(input)
    exactlyOneEach()
    expect(smtp.mailsTo('bob@example.com')[0]!.parsed.attachments[0]!.size).toBe(2_000_000)
  })

  it('re-sends with the same Message-ID when the connection dropped after the final dot', async () => {
    const input = deliveryInput({ recipients: { to: everyone } })
    let drops = 0
    smtp.faults.onData = (rcpt) =>
      rcpt.includes('alice@example.com') && drops++ === 0 ? 'acceptThenDrop' : undefined
    const failure = await failureOf(deliver(input))
    expect(failure.message).toContain('alice@example.com')

    await deliver(input)
    // The RFC 1047 window: the server kept the first copy, the client could not know. Both carry one Message-ID.
    const copies = smtp.mailsTo('alice@example.com')
    expect(copies).toHaveLength(2)
    expect(copies[0]!.parsed.messageId).toBe(copies[1]!.parsed.messageId)
    exactlyOneEach(['bob@example.com', 'carol@example.com'])
    const alice = (await ledger(input.run.scheduleId)).find((r) => r.recipient === 'alice@example.com')
    expect(alice).toMatchObject({ status: 'sent', attempts: 2 })
  })

  it('re-sends a row left in `sending` by a crashed worker with its stored Message-ID', async () => {
    const input = deliveryInput({ recipients: { to: ['alice@example.com'] } })
    const storedId = '<crashed-attempt@herald.test>'
    await db`
      INSERT INTO herald.deliveries (schedule_id, fire_time, recipient, run_id, status, message_id, attempts)
      VALUES (${input.run.scheduleId}, ${input.run.fireTime}, 'alice@example.com', ${input.run.runId}, 'sending',
              ${storedId}, 1)`
    const report = await deliver(input)
    expect(report.sent).toBe(1)
    expect(smtp.mailsTo('alice@example.com')[0]!.parsed.messageId).toBe(storedId)
  })

  it('gives up on a server slower than the socket timeout and delivers on retry', async () => {
    const impatient = createMailer({ smtpUrl: smtp.url, from: FROM, timeouts: { socketMs: 300 } })
    try {
      const input = deliveryInput({ recipients: { to: everyone } })
      let slow = 0
      smtp.faults.onData = (rcpt) =>
        rcpt.includes('carol@example.com') && slow++ === 0 ? { delayMs: 1500 } : undefined
      const failure = await failureOf(activities({ mailer: impatient }).deliverReport(input))
      expect(failure.type).toBe('DeliveryIncomplete')
      expect(failure.message).toMatch(/carol@example\.com \(.*(timeout|timed out)/i)
      expect(smtp.mailsTo('carol@example.com')).toHaveLength(0)

      await activities({ mailer: impatient }).deliverReport(input)
      exactlyOneEach()
    } finally {
      impatient.close()
    }
  })

  it('delivers more runs at once than either pool has connections (a lock holder never starves the ledger)', async () => {
    // Regression: locks used to be reserved from the ledger's own pool, so as many concurrent deliveries as it
    // had connections held them all and then waited forever for one more (the worker hung at 100 schedules).
    const smallPool = connectDatabase(inject('databaseUrl'), { max: 2 })
    try {
      const inputs = Array.from({ length: 6 }, () =>
        deliveryInput({ recipients: { to: ['alice@example.com', 'bob@example.com'] } }),
      )
      const reports = await Promise.all(
        inputs.map((input) => activities({ db: smallPool }).deliverReport(input)),
      )
      expect(reports.map((r) => r.sent)).toEqual([2, 2, 2, 2, 2, 2])
      expect(smtp.received).toHaveLength(12)
    } finally {
      await smallPool.end()
    }
  })

  it('refuses to deliver a tick that another attempt is still delivering', async () => {
    const input = deliveryInput({ recipients: { to: ['alice@example.com'] } })
    const reachedData = new Promise<void>((resolve) => {
      smtp.faults.onData = () => {
        resolve()
        return { delayMs: 500 }
      }
    })
    const first = deliver(input)
    await reachedData
    const failure = await failureOf(deliver(input))
    expect(failure.type).toBe('DeliveryInProgress')
    expect(failure.nonRetryable).toBe(false)
    expect(await first).toMatchObject({ sent: 1 })
    expect(smtp.mailsTo('alice@example.com')).toHaveLength(1)
  })
})
