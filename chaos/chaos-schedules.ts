import { WorkflowNotFoundError } from '@temporalio/client'
import { DEMO_REPORT_SQL } from '../src/db/demo.js'
import type { ScheduleSpecInput } from '../src/domain/schedule.js'
import { pauseSignal, stateQuery } from '../src/workflows/messages.js'
import { type ReportScheduleInput, reportSchedule } from '../src/workflows/report-schedule.js'
import { sleep } from './child-service.js'
import type { ChaosStack } from './stack.js'

/** The schedules a scenario runs: a fast 6-field cron, every tick runs (overlap allow, catch-up all). */
export interface ChaosSchedule {
  id: string
  workflowId: string
  intervalSeconds: number
  recipients: string[]
  /** The signed webhook it also posts to (the stack's receiver). */
  destinationId: string
  /** When the workflow started; ticks after it are due. */
  startedAt: Date
  /** The last tick the audit expects: one the workflow was seen to start before it was paused. */
  auditUntil?: Date
}

export const SCENARIO_HEADER = 'X-Chaos-Scenario'

export function chaosSpec(
  scenario: string,
  name: string,
  intervalSeconds: number,
  recipients: string[],
  destinations: string[] = [],
): ScheduleSpecInput {
  return {
    name,
    cron: `*/${intervalSeconds} * * * * *`,
    timezone: 'UTC',
    query: { sql: DEMO_REPORT_SQL },
    formats: ['csv', 'pdf'],
    recipients: { to: recipients.slice(0, 1), cc: recipients.slice(1, 2), bcc: recipients.slice(2) },
    owners: [],
    notifyOwnersOnFailure: false,
    mail: { subject: '{{schedule}}: {{row_count}} regions', headers: { [SCENARIO_HEADER]: scenario } },
    overlap: 'allow',
    catchup: { windowMinutes: 60, mode: 'all' },
    destinations,
  }
}

export async function startChaosSchedules(
  stack: ChaosStack,
  scenario: string,
  count: number,
  intervalSeconds: number,
  recipientsPer: number,
  extraRecipients: (index: number) => string[] = () => [],
): Promise<ChaosSchedule[]> {
  const schedules: ChaosSchedule[] = []
  const stamp = Date.now().toString(36)
  for (let i = 0; i < count; i++) {
    const id = `chaos_${scenario}_${stamp}_${i}`
    const recipients = [
      ...Array.from({ length: recipientsPer }, (_, j) => `s${i}.r${j}.${scenario}@example.com`),
      ...extraRecipients(i),
    ]
    const input: ReportScheduleInput = {
      scheduleId: id,
      spec: chaosSpec(scenario, `chaos ${scenario} #${i}`, intervalSeconds, recipients, [
        stack.webhookDestinationId,
      ]),
    }
    const handle = await stack.client.workflow.start(reportSchedule, {
      workflowId: `schedule/${id}`,
      taskQueue: stack.options.taskQueue,
      args: [input],
    })
    const { startTime } = await handle.describe()
    schedules.push({
      id,
      workflowId: handle.workflowId,
      intervalSeconds,
      recipients,
      destinationId: stack.webhookDestinationId,
      startedAt: startTime,
    })
  }
  return schedules
}

/** Stops new ticks (pause keeps runs in flight going), then waits until nothing is running any more. */
export async function pauseAndSettle(
  stack: ChaosStack,
  schedules: ChaosSchedule[],
  timeoutMs: number,
): Promise<{ settled: boolean; waitedMs: number }> {
  const began = Date.now()
  const ids = schedules.map((s) => s.id)
  for (const s of schedules) {
    s.auditUntil = await lastTickStarted(stack, s, 30_000)
    await stack.client.workflow.getHandle(s.workflowId).signal(pauseSignal, { note: 'chaos: settle' })
  }
  while (Date.now() - began < timeoutMs) {
    try {
      let busy = 0
      for (const s of schedules) {
        const state = await stack.client.workflow.getHandle(s.workflowId).query(stateQuery)
        busy += state.running.length + (state.buffered ? 1 : 0)
      }
      const [open] = await stack.db<{ n: number }[]>`
        SELECT count(*)::int AS n FROM herald.runs WHERE schedule_id IN ${stack.db(ids)} AND status = 'running'`
      if (busy === 0 && open?.n === 0) return { settled: true, waitedMs: Date.now() - began }
    } catch {
      // The worker may still be coming back; keep waiting.
    }
    await sleep(500)
  }
  return { settled: false, waitedMs: Date.now() - began }
}

/**
 * Waits until the workflow has started the tick that was due a moment ago (a restarted worker may still be
 * catching up), so a pause sent now cannot swallow ticks the audit counts on.
 */
async function lastTickStarted(stack: ChaosStack, s: ChaosSchedule, timeoutMs: number): Promise<Date> {
  const step = s.intervalSeconds * 1000
  const due = new Date(Math.floor((Date.now() - 1_500) / step) * step)
  const runId = `run/${s.id}/${due.toISOString()}`
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const state = await stack.client.workflow.getHandle(s.workflowId).query(stateQuery)
      if (state.running.includes(runId) || state.lastRuns.some((r) => r.runId === runId)) return due
      const [row] = await stack.db`SELECT 1 FROM herald.runs WHERE id = ${runId}`
      if (row) return due
    } catch {
      // Worker or server still coming back.
    }
    await sleep(300)
  }
  return new Date(due.getTime() - step)
}

export async function terminateSchedules(stack: ChaosStack, schedules: ChaosSchedule[]): Promise<void> {
  for (const s of schedules) {
    try {
      await stack.client.workflow.getHandle(s.workflowId).terminate('chaos scenario finished')
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err
    }
  }
}
