import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { Client } from '@temporalio/client'
import { Worker } from '@temporalio/worker'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientTracingInterceptors, startTracing, type Tracing } from '../../src/telemetry/tracing.js'
import { type HeraldStack, startHeraldStack } from '../support/stack.js'
import { dataConverterOf, workflowBundle } from '../support/temporal.js'

/**
 * One trace from the API request that triggers a schedule, through its workflow and the run, to each SMTP
 * transaction, seen by an in-memory exporter. The tracer provider is global: this file runs in a process of its own.
 */
const API_KEY = 'tracing-key-0123456789abcdef'
const auth = { authorization: `Bearer ${API_KEY}` }

const exporter = new InMemorySpanExporter()
/** Workflow ids of the traced run and its schedule, replayed at the end. */
const traced: string[] = []
let tracing: Tracing
let stack: HeraldStack
let env: HeraldStack['env']
let app: HeraldStack['app']
let smtp: HeraldStack['smtp']

beforeAll(async () => {
  stack = await startHeraldStack({
    name: 'tracing',
    apiKeys: API_KEY,
    beforeTemporal: async (config) => {
      tracing = startTracing(config, 'herald-test', exporter)!
      return { tracing }
    },
    // The API's client as server.ts connects it when tracing is on.
    client: (testEnv) =>
      new Client({
        connection: testEnv.connection,
        dataConverter: dataConverterOf(testEnv),
        interceptors: clientTracingInterceptors(tracing),
      }),
  })
  ;({ env, app, smtp } = stack)
})

afterAll(async () => {
  await stack?.stop()
  await tracing?.shutdown()
})

const id = (span: ReadableSpan) => span.spanContext().spanId

/** Waits until the exporter holds a span matching `found` (workflow spans arrive through a sink, after activations). */
async function spansUntil(found: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i++) {
    await tracing.spanProcessor.forceFlush()
    const spans = exporter.getFinishedSpans()
    if (found(spans)) return spans
    await new Promise((r) => setTimeout(r, 100))
  }
  return exporter.getFinishedSpans()
}

describe('tracing', () => {
  it('links POST /schedules/{id}/trigger, the schedule update, the run workflow, the delivery activity and each SMTP transaction in one trace', async () => {
    const created = await app.request('/api/v1/schedules', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `Tracing ${process.pid}`,
        cron: '0 8 1 1 *',
        timezone: 'Europe/Berlin',
        query: { sql: 'SELECT name AS region FROM demo.regions ORDER BY name' },
        formats: ['csv'],
        recipients: { to: ['one@example.com', 'two@example.com'] },
        mail: { subject: 'Traced {{row_count}}' },
      }),
    })
    expect(created.status).toBe(201)
    const { id: scheduleId } = (await created.json()) as { id: string }
    const triggered = await app.request(`/api/v1/schedules/${scheduleId}/trigger`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'tracing test' }),
    })
    expect(triggered.status).toBe(202)
    traced.push(`schedule/${scheduleId}`, ((await triggered.json()) as { runId: string }).runId)
    await smtp.waitFor((mails) => mails.filter((m) => m.parsed.subject?.startsWith('Traced')).length >= 2)

    const isRequest = (s: ReadableSpan) => s.name === 'POST /api/v1/schedules/:id/trigger'
    const request = (await spansUntil((spans) => spans.some(isRequest))).find(isRequest)
    expect(request).toBeDefined()
    const traceId = request!.spanContext().traceId
    const inTrace = (spans: ReadableSpan[]) => spans.filter((s) => s.spanContext().traceId === traceId)
    // Each step's parent is the step before it, from the HTTP request down to the SMTP transactions.
    const chain = [
      'POST /api/v1/schedules/:id/trigger',
      'StartWorkflowUpdate:trigger',
      'HandleUpdate:trigger',
      'StartChildWorkflow:reportRun',
      'RunWorkflow:reportRun',
      'StartActivity:deliverReport',
      'RunActivity:deliverReport',
    ]
    // Workflow spans reach the exporter when their activation completes; the run's own when the run ends.
    const complete = (spans: ReadableSpan[]) => {
      const names = inTrace(spans).map((s) => s.name)
      return chain.every((name) => names.includes(name)) && names.filter((n) => n === 'smtp send').length >= 2
    }
    const trace = inTrace(await spansUntil(complete))
    const named = (name: string) => trace.filter((s) => s.name === name)
    expect(trace.map((s) => s.name)).toEqual(expect.arrayContaining([...chain, 'smtp send']))
    for (let i = 1; i < chain.length; i++) {
      const parents = named(chain[i - 1]!).map(id)
      expect(
        named(chain[i]!).some((s) => parents.includes(s.parentSpanId!)),
        chain[i],
      ).toBe(true)
    }
    const delivery = named('RunActivity:deliverReport').map(id)
    const smtpSpans = named('smtp send')
    expect(smtpSpans).toHaveLength(2)
    for (const span of smtpSpans) {
      expect(delivery).toContain(span.parentSpanId)
      expect(span.attributes['smtp.reply_class']).toBe('2xx')
    }
    // Spans name what happened, not who: no recipient address anywhere in the trace.
    expect(JSON.stringify(trace.map((s) => s.attributes))).not.toMatch(/@example\.com/)
  })

  it('cuts query strings (unsubscribe tokens, download signatures) from recorded URLs', async () => {
    await app.request('/api/v1/unsubscribe?token=secret-token-value')
    const isUnsubscribe = (s: ReadableSpan) => s.name.startsWith('GET /api/v1/unsubscribe')
    const span = (await spansUntil((spans) => spans.some(isUnsubscribe))).find(isUnsubscribe)
    expect(span?.attributes['url.full']).toMatch(/\/api\/v1\/unsubscribe$/)
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toContain('secret-token')
  })

  it('replays the traced histories (recorded with the interceptors and their patch marker) without non-determinism', async () => {
    expect(traced).toHaveLength(2)
    for (const workflowId of traced) {
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory()
      await expect(
        Worker.runReplayHistory(
          { workflowBundle: await workflowBundle(), dataConverter: dataConverterOf(env) },
          history,
          workflowId,
        ),
      ).resolves.toBeUndefined()
    }
  })
})
