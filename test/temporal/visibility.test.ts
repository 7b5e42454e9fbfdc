import type { Client } from '@temporalio/client'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { toZonedIso } from '../../src/domain/cron.js'
import { HeraldFireTime } from '../../src/workflows/search-attributes.js'
import { type HeraldStack, startHeraldStack } from '../support/stack.js'

/**
 * What an operator finds in the Temporal Web UI (or with `temporal workflow list --query`): schedules and runs of
 * real Herald schedules on a dev server, found through visibility queries on each Herald search attribute, and
 * their summaries and current details read back as the UI reads them.
 */
const API_KEY = 'visibility-key-0123456789abcdef'
const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }
const tag = `${process.pid}-${Date.now()}`
const SALES = `Visibility sales ${tag}`
const OPS = `Visibility ops ${tag}`

let stack: HeraldStack
let client: Client
let salesId: string
let opsId: string
let salesRun: string
let opsRun: string
let before: Date

async function createSchedule(name: string, sql: string, to: string[]): Promise<string> {
  const response = await stack.app.request('/api/v1/schedules', {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({
      name,
      cron: '0 8 * * 1-5',
      timezone: 'Europe/Berlin',
      query: { sql },
      formats: ['csv'],
      recipients: { to },
      mail: { subject: '{{schedule}}' },
    }),
  })
  expect(response.status).toBe(201)
  return ((await response.json()) as { id: string }).id
}

async function trigger(scheduleId: string): Promise<string> {
  const response = await stack.app.request(`/api/v1/schedules/${scheduleId}/trigger`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ reason: 'visibility test' }),
  })
  expect(response.status).toBe(202)
  return ((await response.json()) as { runId: string }).runId
}

/** The run workflow's result is the run's record; waiting on it waits for the outcome to be upserted. */
async function waitForRunWorkflow(runId: string): Promise<void> {
  await client.workflow.getHandle(runId).result()
}

/** Visibility is eventually consistent: list until the answer settles on `expected`, or return the last answer. */
async function workflowIds(query: string, expected: string[]): Promise<string[]> {
  let ids: string[] = []
  for (let attempt = 0; attempt < 100; attempt++) {
    ids = []
    for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId)
    ids.sort()
    if (JSON.stringify(ids) === JSON.stringify([...expected].sort())) return ids
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return ids
}

const inSchedules = () => `HeraldScheduleId IN ("${salesId}", "${opsId}")`

beforeAll(async () => {
  stack = await startHeraldStack({ name: 'visibility', apiKeys: API_KEY })
  client = stack.env.client
  before = new Date()
  salesId = await createSchedule(SALES, 'SELECT name AS region FROM demo.regions ORDER BY name', [
    'a@example.com',
    'b@example.com',
  ])
  opsId = await createSchedule(OPS, 'SELECT * FROM demo.no_such_table', ['ops@example.com'])
  salesRun = await trigger(salesId)
  opsRun = await trigger(opsId)
  await waitForRunWorkflow(salesRun)
  await waitForRunWorkflow(opsRun)
})

afterAll(async () => {
  await stack?.stop()
})

it('finds runs by schedule name and outcome', async () => {
  expect(
    await workflowIds(`HeraldScheduleName = "${SALES}" AND HeraldRunOutcome = "sent"`, [salesRun]),
  ).toEqual([salesRun])
  expect(
    await workflowIds(`HeraldScheduleName = "${OPS}" AND HeraldRunOutcome = "failed"`, [opsRun]),
  ).toEqual([opsRun])
  expect(await workflowIds(`HeraldScheduleName = "${SALES}" AND HeraldRunOutcome = "failed"`, [])).toEqual([])
})

it('finds a schedule and its runs by schedule id, runs by trigger and fire time', async () => {
  const salesSchedule = `schedule/${salesId}`
  expect(await workflowIds(`HeraldScheduleId = "${salesId}"`, [salesSchedule, salesRun])).toEqual(
    [salesSchedule, salesRun].sort(),
  )
  expect(await workflowIds(`${inSchedules()} AND HeraldTrigger = "manual"`, [salesRun, opsRun])).toEqual(
    [salesRun, opsRun].sort(),
  )
  expect(await workflowIds(`${inSchedules()} AND HeraldTrigger = "schedule"`, [])).toEqual([])
  const since = `HeraldFireTime >= "${before.toISOString()}"`
  expect(await workflowIds(`${inSchedules()} AND ${since}`, [salesRun, opsRun])).toEqual(
    [salesRun, opsRun].sort(),
  )
  const until = `HeraldFireTime < "${before.toISOString()}"`
  expect(await workflowIds(`${inSchedules()} AND ${until}`, [])).toEqual([])
})

it('finds schedules by recipient count and by status, which follows pause', async () => {
  const [salesSchedule, opsSchedule] = [`schedule/${salesId}`, `schedule/${opsId}`]
  const schedules = `${inSchedules()} AND WorkflowType = "reportSchedule"`
  expect(await workflowIds(`${schedules} AND HeraldRecipientCount = 2`, [salesSchedule])).toEqual([
    salesSchedule,
  ])
  expect(await workflowIds(`${schedules} AND HeraldStatus = "active"`, [salesSchedule, opsSchedule])).toEqual(
    [salesSchedule, opsSchedule].sort(),
  )
  const paused = await stack.app.request(`/api/v1/schedules/${opsId}/pause`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ note: 'quarter close' }),
  })
  expect(paused.status).toBe(200)
  expect(await workflowIds(`${schedules} AND HeraldStatus = "paused"`, [opsSchedule])).toEqual([opsSchedule])
  expect(await workflowIds(`${schedules} AND HeraldStatus = "active"`, [salesSchedule])).toEqual([
    salesSchedule,
  ])

  // What the UI shows on the paused schedule's page: its current details say why it waits.
  const metadata = await client.workflow
    .getHandle(opsSchedule)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata')
  expect(metadata.currentDetails).toMatch(/paused/)
  expect(metadata.currentDetails).toMatch(/quarter close/)
})

it('reads back the summaries and details the UI shows', async () => {
  const schedule = await client.workflow.getHandle(`schedule/${salesId}`).describe()
  expect(await schedule.staticSummary()).toContain(SALES)
  expect(await schedule.staticDetails()).toMatch(/Europe\/Berlin/)
  const running = await client.workflow
    .getHandle(`schedule/${salesId}`)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata')
  expect(running.currentDetails).toMatch(/next tick/)

  const run = await client.workflow.getHandle(salesRun).describe()
  expect(await run.staticSummary()).toBe(`${SALES}: run by hand at ${await zonedFireTime(salesRun)}`)
  const failed = await client.workflow
    .getHandle(opsRun)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata')
  expect(failed.currentDetails).toMatch(/^failed/)
})

/** The run's fire time as the summary writes it: in the schedule's zone, from the run's search attribute. */
async function zonedFireTime(runId: string): Promise<string> {
  const description = await client.workflow.getHandle(runId).describe()
  const fireTime = description.typedSearchAttributes.get(HeraldFireTime)
  expect(fireTime).toBeInstanceOf(Date)
  return toZonedIso(fireTime as Date, 'Europe/Berlin')
}
