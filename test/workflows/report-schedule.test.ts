import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoScheduleSpec } from '../../src/dev/demo.js'
import { toZonedIso } from '../../src/domain/cron.js'
import {
  pauseSignal,
  resumeSignal,
  skipNextSignal,
  stateQuery,
  triggerNowSignal,
  triggerUpdate,
  updateScheduleUpdate,
} from '../../src/workflows/index.js'
import { createTimeSkippingEnv } from '../support/temporal.js'
import { advanceUntil, baseSpec, cancelAndWait, createTestWorker, waitFor } from './harness.js'

let env: TestWorkflowEnvironment
beforeAll(async () => {
  env = await createTimeSkippingEnv()
})
afterAll(async () => {
  await env?.teardown()
})

const fireTimesOf = (calls: { run: { fireTime: string } }[]) => calls.map((c) => c.run.fireTime)

describe('reportSchedule timing', () => {
  it('fires daily ticks across the Berlin spring-forward gap once, right after the gap, and completes at endAt', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env)
    const handle = await startSchedule(
      baseSpec({
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        startAt: '2027-03-27T00:00:00+01:00',
        endAt: '2027-03-30T12:00:00+02:00',
      }),
    )
    const final = await worker.runUntil(handle.result())
    expect(final.status).toBe('completed')
    // The database learns that the schedule ended: its last snapshot is the final state.
    expect(calls.publishScheduleState.at(-1)).toMatchObject({ state: final })
    expect(fireTimesOf(calls.runQuery).map((t) => toZonedIso(new Date(t), 'Europe/Berlin'))).toEqual([
      '2027-03-27T02:30:00+01:00',
      '2027-03-28T03:00:00+02:00',
      '2027-03-29T02:30:00+02:00',
      '2027-03-30T02:30:00+02:00',
    ])
    expect(final.counts.sent).toBe(4)
    // The report period is the time since the previous tick, in the schedule's timezone.
    const second = calls.runQuery[1]!.run
    expect(second.periodStart).toBe('2027-03-27T01:30:00.000Z')
    expect(second.periodEnd).toBe('2027-03-28T01:00:00.000Z')
  })

  it('fires the repeated hour of a New York fall-back once', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env)
    const handle = await startSchedule(
      baseSpec({
        cron: '30 * * * *',
        timezone: 'America/New_York',
        startAt: '2027-11-07T00:00:00-04:00',
        endAt: '2027-11-07T03:59:00-05:00',
      }),
    )
    await worker.runUntil(handle.result())
    expect(fireTimesOf(calls.runQuery).map((t) => toZonedIso(new Date(t), 'America/New_York'))).toEqual([
      '2027-11-07T00:30:00-04:00',
      '2027-11-07T01:30:00-04:00',
      '2027-11-07T02:30:00-05:00',
      '2027-11-07T03:30:00-05:00',
    ])
  })

  it('shows the next five fire times with their UTC offset', async () => {
    const { worker, startSchedule } = await createTestWorker(env)
    const handle = await startSchedule(
      baseSpec({ cron: '0 8 * * 1-5', timezone: 'Europe/Berlin', startAt: '2035-01-08T00:00:00Z' }),
    )
    await worker.runUntil(async () => {
      const state = await handle.query(stateQuery)
      expect(state.status).toBe('active')
      expect(state.nextFireTimes.map((t) => t.local)).toEqual([
        '2035-01-08T08:00:00+01:00',
        '2035-01-09T08:00:00+01:00',
        '2035-01-10T08:00:00+01:00',
        '2035-01-11T08:00:00+01:00',
        '2035-01-12T08:00:00+01:00',
      ])
      await cancelAndWait(handle)
    })
  })
})

describe('reportSchedule messages', () => {
  it('pause with a note stops ticks, resume records what was not run, triggerNow runs while paused', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env)
    const handle = await startSchedule(baseSpec({ cron: '0 * * * *' }))
    await worker.runUntil(async () => {
      await handle.signal(pauseSignal, { note: 'month-end freeze', by: 'alice' })
      let state = await handle.query(stateQuery)
      expect(state).toMatchObject({ status: 'paused', pausedNote: 'month-end freeze', pausedBy: 'alice' })
      // The live-state snapshot follows a pause signalled straight through Temporal.
      const lastSnapshot = () => calls.publishScheduleState.at(-1)?.state
      await waitFor(() => lastSnapshot()?.status === 'paused')
      expect(lastSnapshot()).toMatchObject({ pausedNote: 'month-end freeze', pausedBy: 'alice' })

      await env.sleep('3 hours')
      expect(calls.runQuery).toHaveLength(0)

      await handle.signal(triggerNowSignal, { by: 'alice', reason: 'board meeting' })
      await waitFor(() => calls.recordRunFinished.length === 1)
      expect(calls.runQuery).toHaveLength(1)
      expect(calls.recordRunStarted[0]!.trigger).toBe('manual')

      await handle.signal(resumeSignal, {})
      state = await handle.query(stateQuery)
      expect(state.status).toBe('active')
      await waitFor(() => lastSnapshot()?.status === 'active')
      await waitFor(() => calls.recordTick.length === 1)
      expect(calls.recordTick[0]).toMatchObject({ status: 'skipped' })
      expect(calls.recordTick[0]!.reason).toMatch(/paused \("month-end freeze"\): 3 tick\(s\)/)

      await env.sleep('1 hour')
      await waitFor(() => calls.runQuery.length === 2)
      expect(calls.recordRunStarted[1]!.trigger).toBe('schedule')
      await cancelAndWait(handle)
    })
  })

  it('skipNext skips exactly one tick, recorded with its reason', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env)
    const handle = await startSchedule(baseSpec({ cron: '0 * * * *' }))
    await worker.runUntil(async () => {
      await handle.signal(skipNextSignal)
      expect((await handle.query(stateQuery)).skipNext).toBe(true)
      await env.sleep('2 hours')
      await waitFor(() => calls.runQuery.length === 1).catch((err) => {
        console.log(JSON.stringify(calls, null, 1))
        throw err
      })
      expect(calls.recordTick).toHaveLength(1)
      expect(calls.recordTick[0]!.reason).toMatch(/skipNext/)
      expect(Date.parse(calls.recordTick[0]!.fireTime)).toBeLessThan(
        Date.parse(calls.runQuery[0]!.run.fireTime),
      )
      await cancelAndWait(handle)
    })
  })

  it('the first run of the demo, started right after its creation, reports the minute before the trigger', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env)
    const handle = await startSchedule(demoScheduleSpec)
    await worker.runUntil(async () => {
      // As `npm start` does on a first start. Before, this reported from the minute's first second: "08:54 – 08:54".
      await handle.executeUpdate(triggerUpdate, { args: [{ by: 'npm start' }] })
      await waitFor(() => calls.runQuery.length >= 1)
      const first = calls.runQuery[0]!.run
      expect(calls.recordRunStarted[0]!.trigger).toBe('manual')
      // No tick since the schedule was created: one cron interval (a minute) ending at the trigger.
      expect(first.periodEnd).toBe(first.fireTime)
      expect(Date.parse(first.periodEnd) - Date.parse(first.periodStart)).toBe(60_000)
      // A run cancelled mid-activity would hold the test server's time still for the tests after this one.
      await handle.signal(pauseSignal, { note: 'test over' })
      while ((await handle.query(stateQuery)).running?.length) await new Promise((r) => setTimeout(r, 50))
      await cancelAndWait(handle)
    })
  })

  it('a run started by hand reports from the last scheduled tick to the trigger', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env)
    const handle = await startSchedule(baseSpec({ cron: '0 * * * *' }))
    await worker.runUntil(async () => {
      await advanceUntil(env, () => calls.recordRunFinished.length >= 1, '10 minutes', 8)
      const scheduled = calls.runQuery.at(-1)!.run
      expect(calls.recordRunStarted.at(-1)!.trigger).toBe('schedule')
      await env.sleep('20 minutes')
      const ticks = calls.runQuery.length
      await handle.signal(triggerNowSignal, { by: 'alice' })
      await waitFor(() => calls.runQuery.length === ticks + 1)
      const manual = calls.runQuery.at(-1)!.run
      expect(calls.recordRunStarted.at(-1)!.trigger).toBe('manual')
      expect(manual.periodStart).toBe(scheduled.fireTime)
      expect(manual.periodEnd).toBe(manual.fireTime)
      expect(Date.parse(manual.periodEnd)).toBeGreaterThan(Date.parse(scheduled.fireTime))
      await cancelAndWait(handle)
    })
  })

  it('trigger update returns the run id of the run it starts', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env)
    const handle = await startSchedule(baseSpec({ cron: '0 0 1 1 *' }))
    await worker.runUntil(async () => {
      const { runId } = await handle.executeUpdate(triggerUpdate, { args: [{ by: 'api' }] })
      expect(runId).toMatch(new RegExp(`^run/${handle.workflowId.slice('schedule/'.length)}/\\d{4}-`))
      await waitFor(() => calls.recordRunFinished.length === 1)
      expect(calls.recordRunFinished[0]!.runId).toBe(runId)
      await cancelAndWait(handle)
    })
  })

  it('updateSchedule rejects invalid cron, timezone and recipients without changing anything', async () => {
    const { worker, startSchedule } = await createTestWorker(env)
    const spec = baseSpec({ cron: '0 8 * * *' })
    const handle = await startSchedule(spec)
    await worker.runUntil(async () => {
      const before = await handle.query(stateQuery)
      for (const bad of [
        { ...spec, cron: '99 * * * *' },
        { ...spec, timezone: 'Mars/Base' },
        { ...spec, recipients: { to: ['not-an-email'] } },
        { ...spec, mail: { subject: 'Hi\r\nBcc: victim@example.com' } },
      ]) {
        await expect(handle.executeUpdate(updateScheduleUpdate, { args: [bad] })).rejects.toThrow()
      }
      expect((await handle.query(stateQuery)).nextFireTimes).toEqual(before.nextFireTimes)

      const updated = await handle.executeUpdate(updateScheduleUpdate, {
        args: [{ ...spec, cron: '0 9 * * *' }],
      })
      expect(updated.cron).toBe('0 9 * * *')
      const after = await handle.query(stateQuery)
      expect(after.nextFireTimes[0]!.local).toMatch(/T09:00:00/)
      await cancelAndWait(handle)
    })
  })
})
