import { fileURLToPath } from 'node:url'
import { activityInfo, Context } from '@temporalio/activity'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { type ActivityInterceptorsFactory, Worker } from '@temporalio/worker'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { heartbeatProgress, keepAliveHeartbeats } from '../../src/activities/heartbeats.js'
import type { ProbeActivities } from '../fixtures/workflows/heartbeat-probe.js'
import { createLocalEnv, dataConverterOf } from '../support/temporal.js'

// Real time on a real dev server: the probe's activity outlives its 2 s heartbeat timeout without heartbeating.
let env: TestWorkflowEnvironment
beforeAll(async () => {
  env = await createLocalEnv()
})
afterAll(async () => {
  await env?.teardown()
})

const workflowsPath = fileURLToPath(new URL('../fixtures/workflows/heartbeat-probe.ts', import.meta.url))
let counter = 0

/** Attempt 1 reports progress, stays silent for `ms`, then ends (or fails); attempt 2 says what it was handed. */
const activities: ProbeActivities = {
  async quietStep(ms, fail) {
    const { attempt, heartbeatDetails } = activityInfo()
    if (attempt > 1) return { attempt, handedOver: heartbeatDetails }
    heartbeatProgress(Context.current(), { sent: 3 })
    await new Promise((resolve) => setTimeout(resolve, ms))
    if (fail) throw new Error('retry me')
    return { attempt }
  },
}

async function runProbe(interceptors: ActivityInterceptorsFactory[], fail: boolean) {
  const taskQueue = `heartbeat-probe-${process.pid}-${++counter}`
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities,
    interceptors: { activity: interceptors },
    dataConverter: dataConverterOf(env),
  })
  return worker.runUntil(
    env.client.workflow.execute('heartbeatProbe', { taskQueue, workflowId: taskQueue, args: [5_000, fail] }),
  )
}

describe('keep-alive heartbeats', () => {
  it('keep a quiet activity alive past its 2 s heartbeat timeout', async () => {
    expect(await runProbe([keepAliveHeartbeats], false)).toEqual({ attempt: 1 })
  }, 60_000)

  it('without them the same attempt times out and is retried: what a dead worker looks like', async () => {
    expect(await runProbe([], false)).toEqual({ attempt: 2, handedOver: { sent: 3 } })
  }, 60_000)

  it('repeat the latest progress, so a retry still gets it', async () => {
    expect(await runProbe([keepAliveHeartbeats], true)).toEqual({ attempt: 2, handedOver: { sent: 3 } })
  }, 60_000)
})
