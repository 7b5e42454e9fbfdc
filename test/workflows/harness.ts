import type { Duration } from '@temporalio/common'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { Worker } from '@temporalio/worker'
import type { ScheduleSpecInput } from '../../src/domain/schedule.js'
import { reportSchedule } from '../../src/workflows/index.js'
import { dataConverterOf, workflowBundle } from '../support/temporal.js'
import { createFakeActivities, type ScriptedActivities } from './fake-activities.js'

let counter = 0
/** Unique per test so workflows never collide on one server. */
export function uniqueId(prefix: string): string {
  counter++
  return `${prefix}-${process.pid}-${counter}-${Math.floor(performance.now())}`
}

export function baseSpec(overrides: Partial<ScheduleSpecInput> = {}): ScheduleSpecInput {
  return {
    name: 'Test report',
    cron: '*/10 * * * *',
    timezone: 'Europe/Berlin',
    query: { sql: 'SELECT 1 AS one' },
    recipients: { to: ['team@example.com'] },
    owners: ['owner@example.com'],
    mail: { subject: 'Report {{schedule}}' },
    ...overrides,
  }
}

export async function createTestWorker(env: TestWorkflowEnvironment, script: ScriptedActivities = {}) {
  const { activities, calls } = createFakeActivities(script)
  const taskQueue = uniqueId('tq')
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    dataConverter: dataConverterOf(env),
  })
  const startSchedule = (
    spec: ScheduleSpecInput,
    options: { scheduleId?: string; maxTicksPerExecution?: number } = {},
  ) => {
    const scheduleId = options.scheduleId ?? uniqueId('sch')
    return env.client.workflow.start(reportSchedule, {
      taskQueue,
      workflowId: `schedule/${scheduleId}`,
      args: [{ scheduleId, spec, maxTicksPerExecution: options.maxTicksPerExecution }],
    })
  }
  return { worker, calls, taskQueue, startSchedule }
}

export async function waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met in time: ${predicate.toString()}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Cancels and waits until the workflow has closed, so nothing is left pending on the shared test server. */
export async function cancelAndWait(handle: {
  cancel(): Promise<unknown>
  result(): Promise<unknown>
}): Promise<void> {
  await handle.cancel()
  await handle.result().catch(() => undefined)
}

/** Moves test-server time forward step by step until `predicate` holds (the worker handles each step in real time). */
export async function advanceUntil(
  env: TestWorkflowEnvironment,
  predicate: () => boolean,
  step: Duration,
  maxSteps: number,
) {
  for (let i = 0; i < maxSteps && !predicate(); i++) {
    await env.sleep(step)
    await waitFor(predicate, 500).catch(() => undefined)
  }
  await waitFor(predicate, 5_000)
}
