import { randomUUID } from 'node:crypto'
import { ApplicationFailure } from '@temporalio/common'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createLedgerActivities } from '../../src/activities/ledger/index.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import type { RunContext } from '../../src/domain/run.js'
import type { RunFinishRecord, TickRecord } from '../../src/domain/run-records.js'
import { scheduleSpecSchema } from '../../src/domain/schedule.js'
import { WorkerMetrics } from '../../src/telemetry/worker-metrics.js'
import { Scrape } from '../support/prometheus.js'

let db: Database
let ledger: ReturnType<typeof createLedgerActivities>

beforeAll(() => {
  db = connectDatabase(inject('databaseUrl'), { max: 2 })
  ledger = createLedgerActivities({ db })
})
afterAll(() => db.end())

function run(): RunContext {
  return {
    scheduleId: `sch-${randomUUID()}`,
    scheduleName: 'Weekly',
    runId: `run-${randomUUID()}`,
    fireTime: '2024-07-01T06:00:00.000Z',
    periodStart: '2024-06-24T00:00:00.000Z',
    periodEnd: '2024-07-01T00:00:00.000Z',
    timezone: 'UTC',
  }
}

const runsOf = (scheduleId: string) =>
  db`SELECT * FROM herald.runs WHERE schedule_id = ${scheduleId} ORDER BY fire_time`
const auditOf = (scheduleId: string) =>
  db<{ action: string; detail: Record<string, unknown> }[]>`
    SELECT action, detail FROM herald.audit_log WHERE schedule_id = ${scheduleId} ORDER BY id`

describe('run records', () => {
  it('records a run once however often start and finish are retried', async () => {
    const r = run()
    await ledger.recordRunStarted({ run: r, trigger: 'manual' })
    await ledger.recordRunStarted({ run: r, trigger: 'manual' })
    let [row] = await runsOf(r.scheduleId)
    expect(row).toMatchObject({ id: r.runId, status: 'running', trigger: 'manual', finished_at: null })
    expect(row!.fire_time.toISOString()).toBe(r.fireTime)

    const finish: RunFinishRecord = {
      runId: r.runId,
      status: 'sent',
      reason: 'rows > 0',
      rowCount: 8,
      fingerprint: 'abc',
      conditionSend: true,
      attachments: [
        { artifactId: 'a1', format: 'pdf', filename: 'r.pdf', contentType: 'application/pdf', size: 10 },
      ],
      steps: [
        { name: 'query', status: 'ok' },
        { name: 'deliver', status: 'ok', detail: '3 sent' },
      ],
    }
    await ledger.recordRunFinished(finish)
    ;[row] = await runsOf(r.scheduleId)
    const finishedAt = row!.finished_at as Date
    await ledger.recordRunFinished(finish)

    const rows = await runsOf(r.scheduleId)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({
      status: 'sent',
      reason: 'rows > 0',
      row_count: 8,
      fingerprint: 'abc',
      condition_send: true,
      steps: finish.steps,
      attachments: finish.attachments,
      error: null,
    })
    expect(rows[0]!.finished_at).toEqual(finishedAt)
    // Successful runs are history enough; only failures go to the audit log.
    expect(await auditOf(r.scheduleId)).toEqual([])
  })

  it('audits a failed run once', async () => {
    const r = run()
    await ledger.recordRunStarted({ run: r, trigger: 'schedule' })
    const failed: RunFinishRecord = { runId: r.runId, status: 'failed', error: 'SMTP down', steps: [] }
    await ledger.recordRunFinished(failed)
    await ledger.recordRunFinished(failed)
    const audit = await auditOf(r.scheduleId)
    expect(audit).toEqual([
      { action: 'run.failed', detail: { runId: r.runId, reason: null, error: 'SMTP down' } },
    ])
  })

  it('reopens a finished run that is started again under the same id', async () => {
    const r = run()
    await ledger.recordRunStarted({ run: r, trigger: 'schedule' })
    await ledger.recordRunFinished({ runId: r.runId, status: 'failed', error: 'x', steps: [] })
    await ledger.recordRunStarted({ run: r, trigger: 'manual' })
    const [row] = await runsOf(r.scheduleId)
    expect(row).toMatchObject({ status: 'running', trigger: 'manual', error: null, finished_at: null })
  })

  it('refuses to finish a run that never started', async () => {
    const error = await ledger
      .recordRunFinished({ runId: `run-${randomUUID()}`, status: 'sent', steps: [] })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
    expect(error).toBeInstanceOf(ApplicationFailure)
    expect(error).toMatchObject({ type: 'RunNotStarted', nonRetryable: true })
  })
})

describe('tick records', () => {
  it('records a skipped or missed tick once, with an audit entry', async () => {
    const scheduleId = `sch-${randomUUID()}`
    const tick = {
      scheduleId,
      runId: `${scheduleId}@2024-07-01T06:00:00Z`,
      fireTime: '2024-07-01T06:00:00.000Z',
      status: 'missed' as const,
      reason: 'worker was down for longer than the catch-up window',
    }
    await ledger.recordTick(tick)
    await ledger.recordTick(tick)
    await ledger.recordTick({
      ...tick,
      runId: `${scheduleId}@2024-07-02T06:00:00Z`,
      fireTime: '2024-07-02T06:00:00.000Z',
      status: 'skipped',
      reason: 'previous run still running (overlap: skip)',
    })
    const rows = await runsOf(scheduleId)
    expect(rows.map((r) => [r.status, r.reason])).toEqual([
      ['missed', tick.reason],
      ['skipped', 'previous run still running (overlap: skip)'],
    ])
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true)
    expect((await auditOf(scheduleId)).map((a) => a.action)).toEqual(['tick.missed', 'tick.skipped'])
  })

  it('counts each tick not run once, by policy and whether a later run reported its period', async () => {
    const metrics = new WorkerMetrics()
    const counted = createLedgerActivities({ db, metrics })
    const scheduleId = `sch-${randomUUID()}`
    const tick = (hour: number, extra: Partial<TickRecord>): TickRecord => ({
      scheduleId,
      runId: `run/${scheduleId}/2024-07-01T0${hour}:00:00.000Z`,
      fireTime: `2024-07-01T0${hour}:00:00.000Z`,
      status: 'skipped',
      reason: 'test',
      ...extra,
    })
    const superseded = tick(1, {
      policy: 'superseded',
      coveredBy: `run/${scheduleId}/2024-07-01T02:00:00.000Z`,
    })
    await counted.recordTick(superseded)
    await counted.recordTick(superseded) // a retried activity: recorded and counted once
    await counted.recordTick(tick(3, { policy: 'overlap' }))
    await counted.recordTick(tick(4, { status: 'missed', policy: 'missed' }))
    await counted.recordTick(tick(5, {})) // written by a schedule from before policies were named
    const scrape = new Scrape(await metrics.render())
    const notRun = (policy: string, reported: string) =>
      scrape.value('herald_ticks_not_run_total', { policy, period_reported: reported })
    expect([
      notRun('superseded', 'true'),
      notRun('superseded', 'false'),
      notRun('overlap', 'false'),
      notRun('missed', 'false'),
      notRun('unnamed', 'false'),
    ]).toEqual([1, 0, 1, 1, 1])
  })
})

describe('live-state snapshots', () => {
  const state = (status: 'active' | 'paused', note?: string) => ({
    status,
    pausedNote: note,
    skipNext: false,
    nextFireTimes: [],
    running: [],
    lastRuns: [],
    counts: { runs: 0, sent: 0, partial: 0, skipped: 0, failed: 0, missed: 0 },
  })
  const scheduleRow = (id: string) =>
    db<{ status: string; live_state: { status: string; pausedNote?: string } | null }[]>`
      SELECT status, live_state FROM herald.schedules WHERE id = ${id}`.then((rows) => rows[0])

  async function insertSchedule(status = 'active') {
    const id = `sch-${randomUUID()}`
    await db`INSERT INTO herald.schedules (id, name, status, spec) VALUES (${id}, 'Snapshot test', ${status}, '{}')`
    return id
  }

  it('stores the newest snapshot and its status; a late retry of an older one changes nothing', async () => {
    const id = await insertSchedule()
    await ledger.publishScheduleState({
      scheduleId: id,
      state: state('paused', 'freeze'),
      asOf: '2026-01-01T10:00:00Z',
    })
    expect(await scheduleRow(id)).toMatchObject({
      status: 'paused',
      live_state: { status: 'paused', pausedNote: 'freeze' },
    })
    await ledger.publishScheduleState({
      scheduleId: id,
      state: state('active'),
      asOf: '2026-01-01T09:59:59Z',
    })
    expect(await scheduleRow(id)).toMatchObject({ status: 'paused', live_state: { status: 'paused' } })
    await ledger.publishScheduleState({
      scheduleId: id,
      state: state('active'),
      asOf: '2026-01-01T10:00:01Z',
    })
    expect(await scheduleRow(id)).toMatchObject({ status: 'active', live_state: { status: 'active' } })
  })

  it('writes the definition it carries; updated_at moves only when the status or the definition changes', async () => {
    const id = await insertSchedule()
    const spec = scheduleSpecSchema.parse({
      name: 'Renamed by the workflow',
      cron: '0 8 * * *',
      query: { sql: 'SELECT 1' },
      recipients: { to: ['a@example.com'] },
    })
    const row = () =>
      db<{ name: string; spec: unknown; updated_at: Date }[]>`
        SELECT name, spec, updated_at FROM herald.schedules WHERE id = ${id}`.then((rows) => rows[0]!)
    const created = await row()
    await ledger.publishScheduleState({
      scheduleId: id,
      state: state('active'),
      asOf: '2026-01-01T10:00:00Z',
    })
    expect(await row()).toEqual(created)

    await ledger.publishScheduleState({
      scheduleId: id,
      state: state('active'),
      spec,
      asOf: '2026-01-01T10:00:01Z',
    })
    const renamed = await row()
    expect(renamed).toMatchObject({ name: 'Renamed by the workflow', spec })
    expect(renamed.updated_at.getTime()).toBeGreaterThan(created.updated_at.getTime())

    await ledger.publishScheduleState({
      scheduleId: id,
      state: state('active'),
      spec,
      asOf: '2026-01-01T10:00:02Z',
    })
    expect((await row()).updated_at).toEqual(renamed.updated_at)
  })

  it('never brings a deleted schedule back', async () => {
    const id = await insertSchedule('deleted')
    await ledger.publishScheduleState({
      scheduleId: id,
      state: state('active'),
      asOf: '2026-01-01T10:00:00Z',
    })
    expect(await scheduleRow(id)).toEqual({ status: 'deleted', live_state: null })
  })
})
