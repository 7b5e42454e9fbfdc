import { Client } from '@temporalio/client'
import { temporal } from '@temporalio/proto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type HeraldStack, startHeraldStack } from '../support/stack.js'

/**
 * What Temporal stores when PAYLOAD_ENCRYPTION_KEYS is set: a real dev server's histories, read raw by a client
 * without the codec, hold no recipient, SQL or SMTP reply in clear; the API's codec endpoint (what the Temporal UI
 * calls) turns the same payloads back into them.
 */
const API_KEY = 'admin:history-key-0123456789abcdef'
const auth = { authorization: 'Bearer history-key-0123456789abcdef' }
const UI = 'http://localhost:8233'
const tag = `${process.pid}x${Math.floor(performance.now())}`
const RECIPIENT = `cfo-${tag}@example.com`
const BLOCKED = `blocked-${tag}@example.com`
const OWNER = `owner-${tag}@example.com`
const SMTP_REJECTION = `mailbox quarantined by policy Q-${tag}`
const SQL_MARKER = `herald_history_marker_${tag}`
// A value that exists only at run time, in the database's error message: it reaches Temporal as a failure message.
const FAILING_VALUE = `not-a-number-${tag}`
const FAILING_SQL = `SELECT ('not-a-number-' || '${tag}')::int AS n`
const REPORT_SQL = `SELECT r.name AS region, count(c.id)::int AS customers, '${SQL_MARKER}' AS marker
  FROM demo.regions r JOIN demo.customers c ON c.region_id = r.id GROUP BY r.name ORDER BY r.name`

let stack: HeraldStack
let env: HeraldStack['env']
let app: HeraldStack['app']
let smtp: HeraldStack['smtp']

beforeAll(async () => {
  stack = await startHeraldStack({
    name: 'history',
    apiKeys: API_KEY,
    settings: { TEMPORAL_UI_URL: UI, PUBLIC_URL: 'http://herald.test' },
    arm: (server) => {
      server.faults.onRcptTo = (address) =>
        address === BLOCKED ? { code: 550, message: SMTP_REJECTION } : undefined
    },
  })
  // env.client encrypts with the same key, as connectClient(config) does in the API.
  ;({ env, app, smtp } = stack)
})

afterAll(() => stack?.stop())

type History = temporal.api.history.v1.IHistory
type Payload = temporal.api.common.v1.IPayload

/** The history exactly as the server returns it, through a client that has no codec. */
async function rawHistory(workflowId: string): Promise<History> {
  const codecless = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' })
  const events: temporal.api.history.v1.IHistoryEvent[] = []
  let nextPageToken: Uint8Array | undefined
  do {
    const page = await codecless.workflowService.getWorkflowExecutionHistory({
      namespace: env.namespace ?? 'default',
      execution: { workflowId },
      nextPageToken,
    })
    events.push(...(page.history?.events ?? []))
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined
  } while (nextPageToken)
  return { events }
}

/** Every payload anywhere in a history (inputs, results, queries, failure attributes, memo, headers), with its path. */
function payloadsIn(value: unknown, path = '', found: { path: string; payload: Payload }[] = []) {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return found
  const candidate = value as Payload
  if (candidate.metadata && typeof candidate.metadata === 'object' && 'encoding' in candidate.metadata) {
    found.push({ path, payload: candidate })
    return found
  }
  for (const [key, child] of Object.entries(value)) payloadsIn(child, `${path}.${key}`, found)
  return found
}

const encodingOf = (p: Payload) => Buffer.from(p.metadata?.encoding ?? []).toString()
/** Payloads the SDK writes for itself, which never pass through a codec: patch markers and local-activity markers. */
/**
 * What may stay readable: the SDK's own bookkeeping (patch ids, local-activity markers) and Herald's search
 * attributes, which Temporal indexes unencrypted by design (ids, schedule name, status, outcome, trigger, fire time,
 * recipient count; no addresses, SQL or results: the secrets above are checked against the whole history), and the
 * OpenTelemetry interceptors' `_tracer-data` headers (a W3C traceparent: trace and span ids, nothing else).
 */
const SDK_BOOKKEEPING =
  /^\.events\.\d+\.(\w+EventAttributes\.header\.fields\._tracer-data|markerRecordedEventAttributes\.details\.(patch-data|data)\.payloads\.\d+|upsertWorkflowSearchAttributesEventAttributes\.searchAttributes\.indexedFields\.(TemporalChangeVersion|Herald\w+)|(workflowExecutionStartedEventAttributes|startChildWorkflowExecutionInitiatedEventAttributes)\.searchAttributes\.indexedFields\.Herald\w+)$/

const b64 = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('base64')

/** Creates a schedule over HTTP and runs it once; returns the ids of its two workflows. */
async function runOnce(name: string, sql: string): Promise<string[]> {
  const created = await app.request('/api/v1/schedules', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `${name} ${tag}`,
      cron: '0 8 1 1 *',
      timezone: 'Europe/Berlin',
      query: { sql },
      formats: ['csv'],
      recipients: { to: [RECIPIENT, BLOCKED] },
      owners: [OWNER],
      mail: { subject: `History ${tag}` },
    }),
  })
  expect(created.status).toBe(201)
  const { id } = (await created.json()) as { id: string }
  const triggered = await app.request(`/api/v1/schedules/${id}/trigger`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'encrypted history' }),
  })
  expect(triggered.status).toBe(202)
  const { runId } = (await triggered.json()) as { runId: string }
  await env.client.workflow
    .getHandle(runId)
    .result()
    .catch(() => undefined)
  return [`schedule/${id}`, runId]
}

it('keeps recipients, SQL, SMTP replies and error messages out of Temporal in clear, and the codec endpoint decodes them', async () => {
  const workflowIds = [
    ...(await runOnce('Encrypted history', REPORT_SQL)),
    ...(await runOnce('Failing', FAILING_SQL)),
  ]
  expect(smtp.mailsTo(RECIPIENT).length).toBeGreaterThanOrEqual(1)

  const histories = await Promise.all(workflowIds.map(rawHistory))
  const stored = Buffer.concat(histories.map((h) => temporal.api.history.v1.History.encode(h).finish()))
  for (const secret of [
    RECIPIENT,
    BLOCKED,
    OWNER,
    SQL_MARKER,
    'demo.customers',
    SMTP_REJECTION,
    FAILING_VALUE,
  ]) {
    expect(stored.includes(secret), `"${secret}" is in a history in clear text`).toBe(false)
  }
  const payloads = histories.flatMap((h) => payloadsIn(h))
  const plain = payloads.filter((p) => encodingOf(p.payload) !== 'binary/encrypted')
  for (const { path } of plain) expect(path).toMatch(SDK_BOOKKEEPING)
  expect(payloads.filter((p) => encodingOf(p.payload) === 'binary/encrypted').length).toBeGreaterThan(10)
  const encrypted = payloads.filter((p) => encodingOf(p.payload) === 'binary/encrypted').map((p) => p.payload)

  // The Temporal UI's call: its origin, its namespace header, the payloads as proto JSON.
  const res = await app.request('/api/v1/codec/decode', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', origin: UI, 'x-namespace': 'default' },
    body: JSON.stringify({
      payloads: encrypted.map((p) => ({
        metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
        data: b64(p.data),
      })),
    }),
  })
  expect(res.status).toBe(200)
  expect(res.headers.get('access-control-allow-origin')).toBe(UI)
  const decoded = (await res.json()) as { payloads: { metadata: Record<string, string>; data?: string }[] }
  expect(decoded.payloads).toHaveLength(encrypted.length)
  const clear = decoded.payloads.map((p) => Buffer.from(p.data ?? '', 'base64').toString('utf8')).join('\n')
  for (const secret of [RECIPIENT, BLOCKED, SQL_MARKER, 'demo.customers', SMTP_REJECTION, FAILING_VALUE]) {
    expect(clear).toContain(secret)
  }
})
