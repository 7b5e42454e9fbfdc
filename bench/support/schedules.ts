import type { Client } from '@temporalio/client'
import { newId } from '../../src/api/ids.js'
import type { Database } from '../../src/db/client.js'
import { DEMO_REPORT_SQL } from '../../src/db/demo.js'
import { type ScheduleSpec, type ScheduleSpecInput, scheduleSpecSchema } from '../../src/domain/schedule.js'
import { reportSchedule } from '../../src/workflows/report-schedule.js'
import { NATIVE_TASK_QUEUE } from './stack.js'

/** Creating many schedules: Herald workflows, native Temporal Schedules, and rows in herald.schedules. */

export function benchSpec(
  overrides: Partial<ScheduleSpecInput> & Pick<ScheduleSpecInput, 'cron'>,
): ScheduleSpec {
  return scheduleSpecSchema.parse({
    name: 'Bench report',
    query: { sql: 'SELECT 1 AS one' },
    formats: ['csv'],
    recipients: { to: ['reader@bench.test'] },
    mail: { subject: '{{schedule}} ({{row_count}} rows)' },
    owners: [],
    overlap: 'allow',
    ...overrides,
  })
}

/** A realistic schedule that sleeps all year: the demo report, PDF + XLSX to three recipients, once on 1 January. */
export const sleepingSpec = benchSpec({
  name: 'Sales by region',
  cron: '0 3 1 1 *',
  timezone: 'Europe/Berlin',
  query: { sql: DEMO_REPORT_SQL },
  formats: ['pdf', 'xlsx'],
  recipients: { to: ['a@bench.test', 'b@bench.test', 'c@bench.test'] },
})

export const heraldScheduleIds = (count: number, prefix = 'sch_bench') =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`)

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>) {
  let next = 0
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!)
  })
  await Promise.all(lanes)
}

/** Starts a `reportSchedule` workflow per id the way the API does (workflow id `schedule/<id>`). */
export async function startHeraldSchedules(
  client: Client,
  taskQueue: string,
  ids: string[],
  spec: ScheduleSpec,
  concurrency = 50,
): Promise<number> {
  const t0 = Date.now()
  await inParallel(ids, concurrency, (scheduleId) =>
    client.workflow.start(reportSchedule, {
      workflowId: `schedule/${scheduleId}`,
      taskQueue,
      args: [{ scheduleId, spec }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  )
  return Date.now() - t0
}

/** Native Temporal Schedules with the same cron, each starting `nativeReportTick` on the baseline worker. */
export async function createNativeSchedules(
  client: Client,
  ids: string[],
  spec: ScheduleSpec,
  concurrency = 50,
): Promise<number> {
  const t0 = Date.now()
  await inParallel(ids, concurrency, (scheduleId) =>
    client.schedule.create({
      scheduleId,
      spec: { cronExpressions: [spec.cron], timezone: spec.timezone },
      action: {
        type: 'startWorkflow',
        workflowType: 'nativeReportTick',
        taskQueue: NATIVE_TASK_QUEUE,
        args: [{ scheduleId, spec }],
      },
      policies: { overlap: 'ALLOW_ALL' },
    }),
  )
  return Date.now() - t0
}

/** Rows in herald.schedules as the API would store them, in batches of 1,000. */
export async function insertScheduleRows(db: Database, count: number, spec: ScheduleSpec): Promise<string[]> {
  const ids = Array.from({ length: count }, () => newId('sch'))
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000).map((id, j) => ({
      id,
      name: `${spec.name} ${i + j}`,
      status: 'active',
      spec,
    }))
    await db`
      INSERT INTO herald.schedules (id, name, status, spec)
      SELECT id, name, status, spec FROM jsonb_to_recordset(${db.json(batch as never)}::jsonb)
        AS t(id text, name text, status text, spec jsonb)`
  }
  return ids
}
