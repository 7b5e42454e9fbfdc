import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ApplicationFailure } from '@temporalio/common'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { Worker } from '@temporalio/worker'
import { afterAll, beforeAll, beforeEach, expect, inject, it } from 'vitest'
import { createMailActivities } from '../../src/activities/mail/deliver.js'
import { createPreferenceActivities } from '../../src/activities/mail/recipient-preferences.js'
import { createMailer, type Mailer } from '../../src/activities/mail/smtp-transport.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import * as recipientPreferences from '../../src/db/recipient-preferences.js'
import {
  type RecipientPreferencesInput,
  recipientPreferencesSchema,
} from '../../src/domain/recipient-preferences.js'
import type { Attachment, RenderInput } from '../../src/domain/report-data.js'
import { type ScheduleSpecInput, scheduleSpecSchema } from '../../src/domain/schedule.js'
import { type ReportRunResult, reportRun } from '../../src/workflows/index.js'
import { TestSmtpServer } from '../support/smtp.js'
import { createTimeSkippingEnv, dataConverterOf, workflowBundle } from '../support/temporal.js'
import { createFakeActivities, type ScriptedActivities } from './fake-activities.js'
import { baseSpec, uniqueId } from './harness.js'

/**
 * Quiet hours, the daily cap and urgent owner notices with the real mail and preference activities on the test
 * PostgreSQL and an in-process SMTP server: the workflow decides on test-server time, which the test moves.
 */

let env: TestWorkflowEnvironment
let db: Database
let deliveryLocks: Database
let smtp: TestSmtpServer
let mailer: Mailer
let artifacts: LocalArtifactStore
let artifactDir: string

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  db = connectDatabase(inject('databaseUrl'), { max: 4 })
  deliveryLocks = connectDatabase(inject('databaseUrl'), { max: 2 })
  smtp = new TestSmtpServer()
  await smtp.start()
  mailer = createMailer({ smtpUrl: smtp.url, from: 'Herald <reports@herald.test>', pool: false })
  artifactDir = await mkdtemp(join(tmpdir(), 'herald-quiet-hours-'))
  artifacts = new LocalArtifactStore({ dir: artifactDir, db })
})

afterAll(async () => {
  mailer?.close()
  await smtp?.stop()
  await deliveryLocks?.end()
  await db?.end()
  await env?.teardown()
  if (artifactDir) await rm(artifactDir, { recursive: true, force: true })
})

beforeEach(() => {
  smtp.received.length = 0
})

const address = (name: string) => `${uniqueId(name)}@example.com`.toLowerCase()
const mailedTo = (email: string) => smtp.received.filter((m) => m.envelopeTo.includes(email)).length

async function prefer(email: string, preferences: RecipientPreferencesInput) {
  await recipientPreferences.put(db, email, recipientPreferencesSchema.parse(preferences), 'test')
}

async function ledger(runId: string) {
  const rows = await db<{ recipient: string; status: string; smtp_reply: string | null }[]>`
    SELECT recipient, status, smtp_reply FROM herald.deliveries WHERE run_id = ${runId} ORDER BY recipient`
  return Object.fromEntries(rows.map((r) => [r.recipient, { status: r.status, reply: r.smtp_reply }]))
}

/** Moves test-server time forward to `iso` (time-skipping: instantly). */
async function skipTo(iso: string) {
  const now = await env.currentTimeMs()
  const ahead = Date.parse(iso) - now
  if (ahead <= 0) throw new Error(`test server is already past ${iso}`)
  await env.sleep(ahead)
}

/** A worker with the real mail and preference activities; query, render and records are scripted. */
async function createWorker(
  script: ScriptedActivities = {},
  overrides: Partial<ReturnType<typeof createPreferenceActivities>> = {},
) {
  const { activities, calls } = createFakeActivities(script)
  const taskQueue = uniqueId('tq-quiet')
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter: dataConverterOf(env),
    activities: {
      ...activities,
      async renderReport(input: RenderInput): Promise<Attachment> {
        const meta = await artifacts.write(
          { runId: input.run.runId, filename: 'report.csv', contentType: 'text/csv' },
          Readable.from([Buffer.from('region,revenue\nEU,1\n')]),
        )
        return {
          artifactId: meta.id,
          format: 'csv',
          filename: 'report.csv',
          contentType: 'text/csv',
          size: meta.size,
        }
      },
      ...createMailActivities({
        db,
        deliveryLocks,
        artifacts,
        mailer,
        publicUrl: 'https://herald.example.com',
        secret: 'quiet-hours-test-secret-0123456789',
      }),
      ...createPreferenceActivities({ db }),
      ...overrides,
    },
  })
  return { worker, calls, taskQueue }
}

/** One run of a schedule at `fireTime` (test-server time must be there), to completion. */
async function runAt(taskQueue: string, fireTime: string, spec: Partial<ScheduleSpecInput>) {
  const scheduleId = uniqueId('sch-quiet')
  const runId = `run/${scheduleId}/${fireTime}`
  const parsed = scheduleSpecSchema.parse(baseSpec({ formats: ['csv'], ...spec }))
  const result: ReportRunResult = await env.client.workflow.execute(reportRun, {
    taskQueue,
    workflowId: runId,
    // As the schedule starts runs (runTimeoutMs, at least 10 min): a deferral inside the run would be cut off.
    workflowExecutionTimeout: '30 minutes',
    args: [
      {
        run: {
          scheduleId,
          scheduleName: parsed.name,
          runId,
          fireTime,
          periodStart: new Date(Date.parse(fireTime) - 3_600_000).toISOString(),
          periodEnd: fireTime,
          timezone: parsed.timezone,
        },
        trigger: 'schedule',
        spec: parsed,
        previous: {},
      },
    ],
  })
  return { runId, result }
}

it('defers a recipient in quiet hours across the spring-forward night and mails them once at the window end', async () => {
  const awake = address('awake')
  const sleeper = address('sleeper')
  await prefer(sleeper, { quietHours: { start: '22:00', end: '07:00', timezone: 'Europe/Berlin' } })
  // 23:00 in Berlin on the night clocks go from 02:00 to 03:00: 07:00 CEST is 05:00Z, seven hours on, not eight.
  const fireTime = '2027-03-27T22:00:00.000Z'
  await skipTo(fireTime)
  const { worker, calls, taskQueue } = await createWorker()
  await worker.runUntil(async () => {
    const { runId, result } = await runAt(taskQueue, fireTime, { recipients: { to: [awake, sleeper] } })
    expect(result.status).toBe('sent')
    expect(result.reason).toBe(
      '1 sent, 0 already sent, 0 suppressed, 0 permanently failed; 1 deferred by quiet hours',
    )
    const finished = calls.recordRunFinished[0]!
    expect(finished.steps.map((s) => s.detail)).toContain(
      `deferred by quiet hours until 2027-03-28T07:00:00+02:00: ${sleeper}`,
    )
    // The run is over; the sleeper's row waits, claimed, and no mail reached them.
    expect(await ledger(runId)).toEqual({
      [awake]: { status: 'sent', reply: expect.stringContaining('250') },
      [sleeper]: { status: 'pending', reply: 'deferred by quiet hours until 2027-03-28T05:00:00.000Z' },
    })
    expect(mailedTo(awake)).toBe(1)
    expect(mailedTo(sleeper)).toBe(0)

    // The deferred part is a workflow of its own (the run's timeout cannot cut it); its timer ends the night.
    const deferred = env.client.workflow.getHandle(`${runId}/quiet-hours`)
    const reports = await deferred.result()
    const description = await deferred.describe()
    // None set (the server's unlimited, or 0), unlike the run's 30 minutes: longer than any quiet hours.
    const timeoutSeconds = Number(description.raw.executionConfig?.workflowExecutionTimeout?.seconds ?? 0)
    expect(timeoutSeconds === 0 || timeoutSeconds > 24 * 3600).toBe(true)
    expect(reports).toEqual([expect.objectContaining({ sent: 1, alreadySent: 0 })])
    expect(mailedTo(sleeper)).toBe(1)
    expect(mailedTo(awake)).toBe(1)
    expect((await ledger(runId))[sleeper]).toMatchObject({ status: 'sent' })

    const history = await deferred.fetchHistory()
    const timers = history.events?.filter((e) => e.timerStartedEventAttributes) ?? []
    expect(timers).toHaveLength(1)
    // Fired at 05:00Z on the test server's clock (event times are server time, not the test machine's).
    const fired = history.events?.find((e) => e.timerFiredEventAttributes)
    const firedAt = Number(fired?.eventTime?.seconds ?? 0) * 1000
    expect(new Date(firedAt).toISOString().slice(0, 16)).toBe('2027-03-28T05:00')

    // Delivering the group again (a replayed or retried send) mails nobody twice: the ledger row is settled.
    expect(await ledger(runId)).toMatchObject({ [sleeper]: { status: 'sent' } })
  })
})

it('records recipients over their daily cap, or with email turned off, as suppressed with the reason', async () => {
  const capped = address('capped')
  const off = address('off')
  const free = address('free')
  await prefer(capped, { dailyCap: 1 })
  await prefer(off, { channels: { email: false } })
  const { worker, taskQueue } = await createWorker()
  await worker.runUntil(async () => {
    const now = new Date(await env.currentTimeMs()).toISOString()
    const first = await runAt(taskQueue, now, { recipients: { to: [capped, off, free] } })
    expect(first.result.status).toBe('sent')
    const second = await runAt(taskQueue, new Date(Date.parse(now) + 60_000).toISOString(), {
      recipients: { to: [capped, free] },
    })
    expect(second.result.status).toBe('sent')

    expect(await ledger(first.runId)).toEqual({
      [capped]: { status: 'sent', reply: expect.any(String) },
      [free]: { status: 'sent', reply: expect.any(String) },
      [off]: { status: 'suppressed', reply: 'suppressed: email turned off in the recipient preferences' },
    })
    const secondLedger = await ledger(second.runId)
    expect(secondLedger[free]).toMatchObject({ status: 'sent' })
    expect(secondLedger[capped]).toEqual({
      status: 'suppressed',
      reply: expect.stringMatching(
        /^suppressed: daily cap of 1 report mails reached on \d{4}-\d\d-\d\d \(UTC\)$/,
      ),
    })
    expect(mailedTo(capped)).toBe(1)
    expect(mailedTo(free)).toBe(2)
    expect(mailedTo(off)).toBe(0)
  })
})

it('sends owner notices at once, even inside the owner quiet hours (they are urgent)', async () => {
  const owner = address('owner')
  const reader = address('reader')
  const hour = new Date(await env.currentTimeMs()).getUTCHours()
  const clock = (h: number) => `${String(h % 24).padStart(2, '0')}:00`
  // Quiet from this hour to two hours on, in UTC: the run happens inside it.
  const quietHours = { start: clock(hour), end: clock(hour + 2), timezone: 'UTC' }
  await prefer(owner, { quietHours })
  await prefer(reader, { quietHours })
  const { worker, calls, taskQueue } = await createWorker({
    query: () => {
      throw ApplicationFailure.nonRetryable('relation "sales" does not exist', 'QueryFailed')
    },
  })
  await worker.runUntil(async () => {
    const now = new Date(await env.currentTimeMs()).toISOString()
    const { result } = await runAt(taskQueue, now, {
      recipients: { to: [reader] },
      owners: [owner],
      condition: { type: 'onError' },
    })
    expect(result.status).toBe('failed')
    expect(calls.recordRunFinished[0]!.steps.map((s) => s.name)).toContain('notify')
    expect(mailedTo(owner)).toBe(1)
    expect(mailedTo(reader)).toBe(0)
  })
})

it('fails the delivery, mailing nobody, when the preferences cannot be read, and tells the owners', async () => {
  const owner = address('owner')
  const reader = address('reader')
  const { worker, calls, taskQueue } = await createWorker(
    {},
    {
      recipientQuietHours: async () => {
        throw ApplicationFailure.nonRetryable(
          'relation "herald.recipient_preferences" does not exist',
          'Broken',
        )
      },
    },
  )
  await worker.runUntil(async () => {
    const now = new Date(await env.currentTimeMs()).toISOString()
    const { runId, result } = await runAt(taskQueue, now, { recipients: { to: [reader] }, owners: [owner] })
    expect(result.status).toBe('failed')
    expect(calls.recordRunFinished[0]!.error).toContain('recipient preferences unreadable')
    expect(mailedTo(reader)).toBe(0)
    expect(mailedTo(owner)).toBe(1)
    expect(await ledger(runId)).toEqual({})
  })
})
