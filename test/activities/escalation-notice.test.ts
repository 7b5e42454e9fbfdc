import { randomUUID } from 'node:crypto'
import { ApplicationFailure } from '@temporalio/common'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { reportMessageId } from '../../src/activities/mail/compose.js'
import {
  createEscalationActivities,
  ESCALATION_NOTIFIED,
} from '../../src/activities/mail/escalation-notice.js'
import { createMailer, type Mailer } from '../../src/activities/mail/smtp-transport.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import * as distributionLists from '../../src/db/distribution-lists.js'
import type { EscalationNotice } from '../../src/domain/escalation.js'
import { TestSmtpServer } from '../support/smtp.js'

const FROM = 'Herald Reports <reports@herald.test>'

let db: Database
let smtp: TestSmtpServer
let mailer: Mailer

beforeAll(async () => {
  db = connectDatabase(inject('databaseUrl'), { max: 3 })
  smtp = new TestSmtpServer()
  await smtp.start()
})

afterAll(async () => {
  await smtp.stop()
  await db.end()
})

beforeEach(() => {
  smtp.faults = {}
  smtp.received.length = 0
  // A pool per test: a connection opened before a fault is set would skip connect-time faults.
  mailer?.close()
  mailer = createMailer({ smtpUrl: smtp.url, from: FROM, shared: false, timeouts: { socketMs: 10_000 } })
})

function notice(overrides: Partial<EscalationNotice> = {}): EscalationNotice {
  const scheduleId = `sch-${randomUUID()}`
  return {
    scheduleId,
    scheduleName: 'Daily <orders>',
    timezone: 'Europe/Berlin',
    episodeId: `run/${scheduleId}/2024-07-01T06:00:00.000Z`,
    step: 1,
    afterConsecutive: 4,
    consecutive: 4,
    runId: `run/${scheduleId}/2024-07-04T06:00:00.000Z`,
    fireTime: '2024-07-04T06:00:00.000Z',
    status: 'failed',
    reason: 'query failed',
    notify: { to: ['oncall@example.com'], lists: [] },
    ...overrides,
  }
}

const notifyEscalation = (n: EscalationNotice) =>
  createEscalationActivities({ db, mailer, publicUrl: 'https://herald.example.com' }).notifyEscalation(n)

async function ledger(scheduleId: string) {
  return db<{ email: string; step: number; reply: string }[]>`
    SELECT detail->>'email' AS email, (detail->>'step')::int AS step, detail->>'reply' AS reply
      FROM herald.audit_log WHERE action = ${ESCALATION_NOTIFIED} AND schedule_id = ${scheduleId} ORDER BY id`
}

describe('notifyEscalation', () => {
  it('mails the step’s addresses and list members once, with a Message-ID derived from (schedule, episode, step)', async () => {
    const listId = `dl_${randomUUID().slice(0, 8)}`
    await distributionLists.insert(db, { id: listId, name: `managers-${listId}` })
    await distributionLists.upsertMember(db, listId, { email: 'Head@Example.com' })
    await distributionLists.upsertMember(db, listId, { email: 'oncall@example.com' })
    const n = notice({ notify: { to: ['oncall@example.com'], lists: [listId] } })

    expect(await notifyEscalation(n)).toBe('2 notified now, 0 before')
    expect(smtp.received.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'head@example.com',
      'oncall@example.com',
    ])
    const mail = smtp.mailsTo('oncall@example.com')[0]!
    expect(mail.parsed.subject).toBe('Herald escalation: "Daily <orders>" failed 4 times in a row')
    expect(mail.parsed.text).toContain('escalation step 2, after 4')
    expect(mail.parsed.text).toContain(
      `POST https://herald.example.com/api/v1/schedules/${n.scheduleId}/escalation/acknowledge`,
    )
    expect(mail.parsed.messageId).toBe(
      reportMessageId(`escalation:${n.scheduleId}:${n.episodeId}:1`, 'oncall@example.com', FROM),
    )
    expect((await ledger(n.scheduleId)).map((r) => [r.email, r.step])).toEqual([
      ['oncall@example.com', 1],
      ['head@example.com', 1],
    ])

    // The same step again (a retried attempt, or a replayed workflow): nobody is mailed twice.
    expect(await notifyEscalation(n)).toBe('0 notified now, 2 before')
    expect(smtp.received).toHaveLength(2)
    // Another step of the same episode is its own ledger entry.
    expect(await notifyEscalation({ ...n, step: 2 })).toBe('2 notified now, 0 before')
  })

  it('a retry after a temporary refusal mails only who was not reached, and a permanent refusal is not retried', async () => {
    // Unique: a permanent refusal suppresses the address for the whole database, which other files share.
    const gone = `gone-${randomUUID()}@example.com`
    const n = notice({ notify: { to: ['a@example.com', 'b@example.com', gone], lists: [] } })
    smtp.faults.onRcptTo = (address) =>
      address === 'b@example.com'
        ? { code: 451, message: '4.7.1 greylisted' }
        : address === gone
          ? { code: 550, message: '5.1.1 user unknown' }
          : undefined
    const failure = await notifyEscalation(n).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(failure).toBeInstanceOf(ApplicationFailure)
    expect(failure).toMatchObject({ type: 'DeliveryIncomplete', nonRetryable: false })
    expect((failure as Error).message).toContain('b@example.com')
    expect(smtp.mailsTo('a@example.com')).toHaveLength(1)

    smtp.faults = {}
    expect(await notifyEscalation(n)).toBe('1 notified now, 2 before')
    expect(smtp.mailsTo('a@example.com')).toHaveLength(1)
    expect(smtp.mailsTo('b@example.com')).toHaveLength(1)
    expect(smtp.mailsTo(gone)).toHaveLength(0)
    expect((await ledger(n.scheduleId)).map((r) => r.email)).toEqual(['a@example.com', gone, 'b@example.com'])
  })
})
