import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { Worker } from '@temporalio/worker'
import type { ScheduleSpecInput } from '../../src/domain/schedule.js'
import { reportSchedule } from '../../src/workflows/index.js'
import { workflowBundle } from '../support/temporal.js'
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
  })
  const startSchedule = (spec: ScheduleSpecInput, scheduleId = uniqueId('sch')) =>
    env.client.workflow.start(reportSchedule, {
      taskQueue,
      workflowId: `schedule/${scheduleId}`,
      args: [{ scheduleId, spec }],
    })
  return { worker, calls, taskQueue, startSchedule }
}
