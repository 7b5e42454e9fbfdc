import { ApplicationFailure } from '@temporalio/common'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { stateQuery } from '../../src/workflows/index.js'
import { createTimeSkippingEnv } from '../support/temporal.js'
import type { ScriptedActivities } from './fake-activities.js'
import { baseSpec, cancelAndWait, createTestWorker, waitFor } from './harness.js'

/**
 * A run posts to each destination of its schedule with one activity per destination id, beside the mail, and
 * settles its status from both: the workflow sees ids and outcomes, never a URL or secret.
 */
let env: TestWorkflowEnvironment
beforeAll(async () => {
  env = await createTimeSkippingEnv()
})
afterAll(async () => {
  await env?.teardown()
})

async function runOnce(spec: Parameters<typeof baseSpec>[0], script: ScriptedActivities = {}) {
  const { worker, calls, startSchedule } = await createTestWorker(env, script)
  const handle = await startSchedule(baseSpec({ cron: '0 * * * *', ...spec }))
  await worker.runUntil(async () => {
    await handle.query(stateQuery)
    await env.sleep('1 hour')
    await waitFor(() => calls.recordRunFinished.length === 1)
    await cancelAndWait(handle)
  })
  return calls
}

it('delivers mail and each destination by id, and the run is sent when all are', async () => {
  const calls = await runOnce({ destinations: ['dst_alpha', 'dst_beta'] })
  expect(calls.deliverReport).toHaveLength(1)
  expect(calls.deliverToDestination.map((d) => d.destinationId).sort()).toEqual(['dst_alpha', 'dst_beta'])
  const input = calls.deliverToDestination[0]!
  expect(Object.keys(input).sort()).toEqual(
    ['attachments', 'columns', 'conditionReason', 'destinationId', 'resultRef', 'rowCount', 'run'].sort(),
  )
  expect(input.run.runId).toBe(calls.recordRunFinished[0]!.runId)
  const finished = calls.recordRunFinished[0]!
  expect(finished.status).toBe('sent')
  expect(finished.steps.filter((s) => s.name === 'deliver').map((s) => s.detail)).toEqual([
    '1 sent, 0 already sent, 0 suppressed, 0 permanently failed',
    'destinations: 2 sent, 0 not sent',
  ])
})

it('posts only to destinations when the schedule mails nobody', async () => {
  const calls = await runOnce({ recipients: {}, destinations: ['dst_only'] })
  expect(calls.deliverReport).toHaveLength(0)
  expect(calls.deliverToDestination).toHaveLength(1)
  expect(calls.recordRunFinished[0]).toMatchObject({
    status: 'sent',
    reason: 'destinations: 1 sent, 0 not sent',
  })
})

it('is partial when a destination refuses for good, and failed when nothing was delivered', async () => {
  const refusing: ScriptedActivities = {
    destination: (input) =>
      input.destinationId === 'dst_gone'
        ? {
            destinationId: 'dst_gone',
            status: 'permanently_failed',
            alreadySent: false,
            reply: '404 Not Found',
          }
        : { destinationId: input.destinationId, status: 'sent', alreadySent: false },
  }
  const partial = await runOnce({ destinations: ['dst_gone', 'dst_fine'] }, refusing)
  expect(partial.recordRunFinished[0]).toMatchObject({ status: 'partial' })
  expect(partial.recordRunFinished[0]!.reason).toContain('dst_gone permanently_failed (404 Not Found)')

  // Retries exhausted (here: a non-retryable failure) count as not sent, with the activity's last failure.
  const failing = await runOnce(
    { recipients: {}, destinations: ['dst_down'] },
    {
      destination: () => {
        throw ApplicationFailure.nonRetryable('503 Service Unavailable', 'DestinationNotDelivered')
      },
    },
  )
  expect(failing.recordRunFinished[0]).toMatchObject({ status: 'failed' })
  expect(failing.recordRunFinished[0]!.reason).toContain(
    'dst_down failed (DestinationNotDelivered: 503 Service Unavailable)',
  )
  expect(failing.notifyOwners).toHaveLength(1)
})
