import { ApplicationFailure } from '@temporalio/common'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ScheduleSpecInput } from '../../src/domain/schedule.js'
import { acknowledgeEscalationUpdate, stateQuery } from '../../src/workflows/index.js'
import { createTimeSkippingEnv } from '../support/temporal.js'
import { result } from './fake-activities.js'
import { advanceUntil, baseSpec, cancelAndWait, createTestWorker } from './harness.js'

let env: TestWorkflowEnvironment
beforeAll(async () => {
  env = await createTimeSkippingEnv()
})
afterAll(async () => {
  await env?.teardown()
})

const queryFails = () => {
  throw ApplicationFailure.nonRetryable('relation "sales" does not exist', 'QueryInvalid')
}

function escalatingSpec(overrides: Partial<ScheduleSpecInput> = {}): ScheduleSpecInput {
  return baseSpec({
    cron: '*/10 * * * *',
    escalation: {
      steps: [
        { afterConsecutive: 2, notify: { to: ['oncall@example.com'] } },
        { afterConsecutive: 4, notify: { to: ['head@example.com'], lists: ['managers'] } },
      ],
    },
    ...overrides,
  })
}

/** Fails the first `failures` runs, then succeeds. */
const failFirst = (failures: number) => (_: unknown, call: number) =>
  call <= failures ? queryFails() : result(3)

describe('escalation', () => {
  it('notifies step 1 after 2 and step 2 after 4 consecutive failed runs, each once (a retried attempt included), and a successful run closes the episode', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env, {
      query: failFirst(5),
      // The first attempt of step 1 fails (SMTP down): Temporal retries the activity, the step is not started again.
      escalation: (notice, call) => {
        if (call === 1) throw ApplicationFailure.retryable('451 try later', 'DeliveryIncomplete')
        return `${notice.notify.to.length} notified now, 0 before`
      },
    })
    const handle = await startSchedule(escalatingSpec())
    await worker.runUntil(async () => {
      const finished = () => calls.recordRunFinished.length
      await advanceUntil(env, () => finished() >= 2 && calls.notifyEscalation.length >= 2, '10 minutes', 60)
      let state = await handle.query(stateQuery)
      expect(calls.notifyEscalation.map((n) => n.step)).toEqual([0, 0])
      expect(calls.notifyEscalation[1]).toMatchObject({
        scheduleId: expect.any(String),
        step: 0,
        afterConsecutive: 2,
        consecutive: 2,
        status: 'failed',
        notify: { to: ['oncall@example.com'], lists: [] },
      })
      const episodeId = calls.recordRunFinished[0]!.runId
      expect(calls.notifyEscalation[1]!.episodeId).toBe(episodeId)
      expect(state.escalation?.episode?.steps).toEqual([
        expect.objectContaining({ step: 0, status: 'notified', detail: '1 notified now, 0 before' }),
      ])

      await advanceUntil(env, () => finished() >= 4 && calls.notifyEscalation.length >= 3, '10 minutes', 60)
      await advanceUntil(env, () => finished() >= 5, '10 minutes', 60)
      expect(calls.notifyEscalation.map((n) => [n.step, n.consecutive])).toEqual([
        [0, 2],
        [0, 2],
        [1, 4],
      ])
      expect(calls.notifyEscalation[2]!.notify).toEqual({ to: ['head@example.com'], lists: ['managers'] })
      state = await handle.query(stateQuery)
      expect(state.escalation).toMatchObject({ consecutive: 5, episode: { id: episodeId } })
      expect(state.escalation!.episode!.steps.map((s) => [s.step, s.status])).toEqual([
        [0, 'notified'],
        [1, 'notified'],
      ])

      // Run 6 succeeds: the episode is closed and the count starts again.
      await advanceUntil(env, () => finished() >= 6, '10 minutes', 60)
      await advanceUntil(
        env,
        () => calls.publishScheduleState.at(-1)?.state.escalation?.consecutive === 0,
        '1 second',
        20,
      )
      state = await handle.query(stateQuery)
      expect(state.escalation).toEqual({
        consecutive: 0,
        lastClosed: { id: episodeId, at: expect.any(String), runId: calls.recordRunFinished[5]!.runId },
      })
      expect(calls.notifyEscalation).toHaveLength(3)
      await cancelAndWait(handle)
    })
  })

  it('an acknowledgement stops step 2 of the open episode; without an open episode it is refused', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env, { query: failFirst(5) })
    const handle = await startSchedule(escalatingSpec())
    await worker.runUntil(async () => {
      const refused = await handle
        .executeUpdate(acknowledgeEscalationUpdate, { args: [{ by: 'alice' }] })
        .then(
          () => undefined,
          (err: Error) => err,
        )
      expect(refused?.cause).toMatchObject({
        type: 'NoEscalationOpen',
        message: expect.stringMatching(/no escalation episode is open/),
      })

      await advanceUntil(env, () => calls.notifyEscalation.length === 1, '10 minutes', 60)
      const state = await handle.executeUpdate(acknowledgeEscalationUpdate, {
        args: [{ by: 'alice', note: 'looking into the sales table' }],
      })
      expect(state.escalation?.episode?.acknowledged).toMatchObject({
        by: 'alice',
        note: 'looking into the sales table',
      })
      await advanceUntil(env, () => calls.recordRunFinished.length >= 5, '10 minutes', 60)
      expect(calls.notifyEscalation.map((n) => n.step)).toEqual([0])
      expect((await handle.query(stateQuery)).escalation?.consecutive).toBe(5)
      await cancelAndWait(handle)
    })
  })

  it('counts condition alerts when the schedule opts in, across continue-as-new', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env, {
      // Rows 1, 1, 0, 1, 1, 1: the condition "row count > 0" holds, holds, does not hold, then holds three times.
      query: (_, call) => result(call === 3 ? 0 : 1),
    })
    const handle = await startSchedule(
      escalatingSpec({
        condition: { type: 'rowCount', op: '>', value: 0 },
        escalation: {
          countConditionAlerts: true,
          steps: [{ afterConsecutive: 3, notify: { to: ['oncall@example.com'] } }],
        },
      }),
      { maxTicksPerExecution: 2 },
    )
    await worker.runUntil(async () => {
      await advanceUntil(env, () => calls.recordRunFinished.length >= 6, '10 minutes', 40)
      await advanceUntil(env, () => calls.notifyEscalation.length === 1, '1 second', 20)
      expect(calls.recordRunFinished.map((r) => r.status)).toEqual([
        'sent',
        'sent',
        'skipped',
        'sent',
        'sent',
        'sent',
      ])
      expect(calls.notifyEscalation[0]).toMatchObject({
        step: 0,
        consecutive: 3,
        status: 'sent',
        episodeId: calls.recordRunFinished[3]!.runId,
      })
      const { runId } = await handle.describe()
      expect(runId).not.toBe(handle.firstExecutionRunId)
      await cancelAndWait(handle)
    })
  })

  it('a step with destinations posts to each once, beside its mail', async () => {
    const { worker, calls, startSchedule } = await createTestWorker(env, { query: failFirst(3) })
    const handle = await startSchedule(
      escalatingSpec({
        escalation: {
          steps: [
            { afterConsecutive: 1, destinations: ['dst_escalationslack', 'dst_escalationhook'] },
            {
              afterConsecutive: 2,
              notify: { to: ['head@example.com'] },
              destinations: ['dst_escalationhook'],
            },
          ],
        },
      }),
    )
    await worker.runUntil(async () => {
      await advanceUntil(env, () => calls.recordRunFinished.length >= 3, '10 minutes', 40)
      await advanceUntil(env, () => calls.postEscalation.length >= 3, '1 second', 20)
      // Activities started together may run in any order.
      expect(calls.postEscalation.map((p) => `${p.notice.step} ${p.destinationId}`).sort()).toEqual([
        '0 dst_escalationhook',
        '0 dst_escalationslack',
        '1 dst_escalationhook',
      ])
      expect(calls.notifyEscalation.map((n) => n.step)).toEqual([1])
      const state = await handle.query(stateQuery)
      expect(state.escalation?.episode?.steps.map((s) => [s.status, s.detail])).toEqual([
        ['notified', 'dst_escalationslack: 200 OK; dst_escalationhook: 200 OK'],
        ['notified', '1 notified now, 0 before; dst_escalationhook: 200 OK'],
      ])
      await cancelAndWait(handle)
    })
  })
})
