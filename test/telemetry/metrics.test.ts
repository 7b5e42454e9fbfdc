import { afterAll, beforeAll, expect, it } from 'vitest'
import { type MetricsServer, serveWorkerMetrics } from '../../src/telemetry/metrics-server.js'
import { smtpReplyClass } from '../../src/telemetry/worker-metrics.js'
import { installWorkerRuntime, type WorkerRuntime } from '../../src/telemetry/worker-runtime.js'
import { Scrape } from '../support/prometheus.js'
import { type HeraldStack, startHeraldStack } from '../support/stack.js'

/**
 * The worker's and the API's metrics after a real run (dev server, PostgreSQL, SMTP): both scrapes parse as
 * Prometheus text, and the run, delivery, lateness, render and query series moved. This file installs the SDK
 * runtime with its Prometheus exporter: once per process, and vitest runs each file in a process of its own.
 */
const API_KEY = 'metrics-key-0123456789abcdef'
const auth = { authorization: `Bearer ${API_KEY}` }

let stack: HeraldStack
let app: HeraldStack['app']
let smtp: HeraldStack['smtp']
let metricsServer: MetricsServer

beforeAll(async () => {
  let runtime!: WorkerRuntime
  stack = await startHeraldStack({
    name: 'metrics',
    apiKeys: API_KEY,
    settings: { WORKER_METRICS_PORT: '0' },
    // Before the test environment opens the first connection.
    beforeTemporal: async (config) => {
      runtime = await installWorkerRuntime(config)
      return undefined
    },
  })
  ;({ app, smtp } = stack)
  metricsServer = await serveWorkerMetrics({ port: 0, metrics: stack.services.metrics, runtime })
})

afterAll(async () => {
  await metricsServer?.close()
  await stack?.stop()
})

async function scrapeWorker(): Promise<Scrape> {
  const response = await fetch(`http://127.0.0.1:${metricsServer.port}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
  return new Scrape(await response.text())
}

async function scrapeApi(): Promise<Scrape> {
  const response = await app.request('/api/v1/metrics')
  expect(response.status).toBe(200)
  return new Scrape(await response.text())
}

it('counts the run, its deliveries, its lateness, rendering and query, on the worker and the API', async () => {
  const [workerBefore, apiBefore] = [await scrapeWorker(), await scrapeApi()]

  const created = await app.request('/api/v1/schedules', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `Metrics ${process.pid}`,
      cron: '0 8 1 1 *',
      timezone: 'Europe/Berlin',
      query: { sql: 'SELECT name AS region FROM demo.regions ORDER BY name' },
      formats: ['pdf', 'csv'],
      recipients: { to: ['a@example.com', 'b@example.com'] },
      mail: { subject: 'Metrics {{row_count}}' },
    }),
  })
  expect(created.status).toBe(201)
  const { id } = (await created.json()) as { id: string }
  const triggered = await app.request(`/api/v1/schedules/${id}/trigger`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'metrics test' }),
  })
  expect(triggered.status).toBe(202)
  const { runId } = (await triggered.json()) as { runId: string }

  // The run is recorded as finished by its last activity; the counter moves in the same activity.
  let status: string | undefined
  for (let i = 0; i < 200 && status !== 'sent'; i++) {
    const response = await app.request(`/api/v1/runs/${encodeURIComponent(runId)}`, { headers: auth })
    if (response.ok) status = ((await response.json()) as { status: string }).status
    if (status !== 'sent') await new Promise((r) => setTimeout(r, 100))
  }
  expect(status).toBe('sent')
  expect(smtp.received.filter((m) => m.parsed.subject?.startsWith('Metrics'))).toHaveLength(2)

  const after = await scrapeWorker()
  const moved = (name: string, labels: Record<string, string> = {}) =>
    after.value(name, labels) - workerBefore.value(name, labels)
  const observed = (name: string, labels: Record<string, string> = {}) =>
    after.count(name, labels) - workerBefore.count(name, labels)

  expect(moved('herald_runs_total', { outcome: 'sent' })).toBe(1)
  expect(moved('herald_deliveries_total', { status: 'sent', reply_class: '2xx' })).toBe(2)
  expect(observed('herald_tick_lateness_seconds', { trigger: 'manual' })).toBe(1)
  expect(observed('herald_render_duration_seconds', { format: 'pdf' })).toBe(1)
  expect(observed('herald_render_bytes', { format: 'csv' })).toBe(1)
  expect(observed('herald_query_duration_seconds', { data_source: 'default', outcome: 'ok' })).toBe(1)
  expect(observed('herald_query_rows', { data_source: 'default' })).toBe(1)
  expect(after.value('herald_schedules', { status: 'active' })).toBeGreaterThanOrEqual(1)
  expect(after.families.get('herald_runs_total')?.type).toBe('COUNTER')
  expect(after.families.get('herald_tick_lateness_seconds')?.type).toBe('HISTOGRAM')

  // The SDK's own metrics, from its Prometheus exporter, in the same scrape.
  const sdk = [...after.families.keys()].filter((name) => name.startsWith('temporal_'))
  // (Names that moved before the run was recorded: its workflow completes a moment after.)
  expect(sdk).toContain('temporal_activity_task_received_total')
  expect(sdk).toContain('temporal_workflow_task_execution_latency')
  expect(after.value('temporal_worker_start_total')).toBeGreaterThanOrEqual(1)

  const apiAfter = await scrapeApi()
  const trigger = { method: 'POST', route: '/api/v1/schedules/:id/trigger', status: '202' }
  expect(
    apiAfter.value('herald_http_requests_total', trigger) -
      apiBefore.value('herald_http_requests_total', trigger),
  ).toBe(1)
})

it('names SMTP replies by class', () => {
  expect(smtpReplyClass('250 2.0.0 Ok: queued as 1234')).toBe('2xx')
  expect(smtpReplyClass('451 4.3.0 try again')).toBe('4xx')
  expect(smtpReplyClass('550-5.1.1 user unknown')).toBe('5xx')
  expect(smtpReplyClass('550')).toBe('5xx')
  expect(smtpReplyClass('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:25')).toBe('none')
  expect(smtpReplyClass(undefined)).toBe('none')
})
