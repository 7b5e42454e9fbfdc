import { createHmac, timingSafeEqual } from 'node:crypto'
import { Client } from '@temporalio/client'
import type { temporal } from '@temporalio/proto'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHeraldApp } from '../../src/api/herald-app.js'
import { parsePayloadKeys } from '../../src/security/payload-keys.js'
import { EncryptionCodec } from '../../src/temporal/encryption-codec.js'
import { HttpReceiver } from '../support/http-receiver.js'
import { type HeraldStack, startHeraldStack } from '../support/stack.js'
import { TEST_PAYLOAD_KEYS } from '../support/temporal.js'

/**
 * Destinations on real parts: the API stores them (secrets sealed, masked in every answer, URLs checked against the
 * SSRF rules), a schedule triggered over HTTP runs on a Temporal dev server and the worker posts to local HTTP
 * receivers, retrying a 429 after its Retry-After with the same idempotency key; the run's deliveries show each
 * destination, and the run's history holds no URL or secret.
 */
const API_KEY = 'admin:destinations-key-0123456789abcdef'
const auth = { authorization: 'Bearer destinations-key-0123456789abcdef' }
const json = { ...auth, 'content-type': 'application/json' }
const tag = `${process.pid}x${Math.floor(performance.now())}`

let stack: HeraldStack
let app: HeraldStack['app']
const hook = new HttpReceiver()
const slack = new HttpReceiver()

beforeAll(async () => {
  await hook.start()
  await slack.start()
  stack = await startHeraldStack({
    name: 'destinations',
    apiKeys: API_KEY,
    settings: {
      PUBLIC_URL: 'http://herald.test',
      DESTINATION_ALLOW_HTTP: 'true',
      DESTINATION_ALLOW_PRIVATE_ADDRESSES: 'true',
      DESTINATION_TIMEOUT_MS: '5000',
    },
  })
  ;({ app } = stack)
})

afterAll(async () => {
  await stack?.stop()
  await hook.stop()
  await slack.stop()
})

const post = (path: string, body: unknown, on = app) =>
  on.request(`/api/v1${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) })
const get = (path: string) => app.request(`/api/v1${path}`, { headers: auth })

function verifySignature(secret: string, header: string, rawBody: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]))
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest()
  const given = Buffer.from(parts.v1 ?? '', 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

let webhookId: string
let signingSecret: string
let slackId: string
const SLACK_PATH = `/services/T000/B000/slack-secret-${tag}`

describe('the destinations API', () => {
  it('creates a webhook with a generated signing secret shown once, and masks URLs and secrets in every answer', async () => {
    const created = await post('/destinations', {
      kind: 'webhook',
      name: `Warehouse ${tag}`,
      url: hook.url('/in'),
    })
    expect(created.status).toBe(201)
    const body = (await created.json()) as { id: string; target: string; signingSecret?: string }
    expect(body.id).toMatch(/^dst_/)
    expect(body.signingSecret).toMatch(/^whsec_[0-9a-f]{64}$/)
    webhookId = body.id
    signingSecret = body.signingSecret!

    const slackCreated = await post('/destinations', {
      kind: 'slack',
      name: `Sales ${tag}`,
      webhookUrl: slack.url(SLACK_PATH),
    })
    expect(slackCreated.status).toBe(201)
    const slackBody = (await slackCreated.json()) as { id: string; target: string; signingSecret?: string }
    expect(slackBody.signingSecret).toBeUndefined()
    // Nothing of the secret part, not even its first characters; a one-segment path may be all secret.
    expect(slackBody.target).toBe(`${new URL(slack.url('/')).origin}/services/****`)
    expect(body.target).toBe(`${new URL(hook.url('/')).origin}/****`)
    slackId = slackBody.id

    for (const path of [
      `/destinations/${webhookId}`,
      `/destinations/${slackId}`,
      '/destinations?limit=100',
    ]) {
      const response = await get(path)
      expect(response.status).toBe(200)
      const text = await response.text()
      expect(text).not.toContain(signingSecret)
      expect(text).not.toContain(`slack-secret-${tag}`)
      expect(text).not.toContain('signingSecret')
    }
  })

  it('renames a destination, or replaces its credentials as a whole (a new secret shown once), and audits only masked values', async () => {
    const created = await post('/destinations', {
      kind: 'webhook',
      name: `Rotating ${tag}`,
      url: hook.url('/old-path/in'),
      signingSecret: `given-secret-${tag}-0123456789abcdef`,
    })
    expect(created.status).toBe(201)
    const { id, signingSecret: echoed } = (await created.json()) as { id: string; signingSecret?: string }
    // A secret the caller chose is never echoed back.
    expect(echoed).toBeUndefined()
    const patch = (body: unknown) =>
      app.request(`/api/v1/destinations/${id}`, {
        method: 'PATCH',
        headers: json,
        body: JSON.stringify(body),
      })

    const renamed = await patch({ name: `Rotated ${tag}` })
    expect(renamed.status).toBe(200)
    const renamedBody = await renamed.json()
    expect(renamedBody).toMatchObject({
      name: `Rotated ${tag}`,
      target: expect.stringContaining('/old-path'),
    })
    expect(renamedBody).not.toHaveProperty('signingSecret')

    const incomplete = await patch({ signingSecret: `another-secret-${tag}-0123456789abcdef` })
    expect(incomplete.status).toBe(422)
    expect(((await incomplete.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('url')

    const replaced = await patch({ url: hook.url('/new-path/in') })
    expect(replaced.status).toBe(200)
    const body = (await replaced.json()) as { target: string; signingSecret?: string }
    expect(body.target).toContain('/new-path')
    expect(body.signingSecret).toMatch(/^whsec_[0-9a-f]{64}$/)

    const audit = await (await get(`/audit?limit=100`)).text()
    expect(audit).toContain(id)
    expect(audit).not.toContain(body.signingSecret!)
    expect(audit).not.toContain(`given-secret-${tag}`)
  })

  it('refuses URLs the SSRF rules forbid with a 422 naming the field', async () => {
    const strict = createHeraldApp({
      ...stack.api,
      config: { ...stack.config, DESTINATION_ALLOW_HTTP: false, DESTINATION_ALLOW_PRIVATE_ADDRESSES: false },
      client: stack.env.client,
      logger: pino({ level: 'silent' }),
    })
    const cases = [
      [{ kind: 'webhook', url: hook.url('/in') }, 'url', /must be https/],
      [{ kind: 'webhook', url: 'https://127.0.0.1/in' }, 'url', /loopback/],
      [{ kind: 'webhook', url: 'https://10.1.2.3/in' }, 'url', /private/],
      [{ kind: 'webhook', url: 'https://169.254.169.254/latest' }, 'url', /linkLocal/],
      [{ kind: 'webhook', url: 'https://localhost/in' }, 'url', /host localhost resolves to .*loopback/],
      [{ kind: 'slack', webhookUrl: 'https://[::1]/services/x' }, 'webhookUrl', /loopback/],
      [{ kind: 'teams', webhookUrl: 'https://192.168.0.10/webhookb2/x' }, 'webhookUrl', /private/],
    ] as const
    for (const [destination, field, message] of cases) {
      const response = await post('/destinations', { ...destination, name: `Refused ${tag}` }, strict)
      expect(response.status, JSON.stringify(destination)).toBe(422)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      const problem = (await response.json()) as { errors: { path: string; message: string }[] }
      expect(problem.errors[0]!.path).toBe(field)
      expect(problem.errors[0]!.message).toMatch(message)
    }
  })

  it('posts a signed test message from the worker (POST /destinations/{id}/test)', async () => {
    const response = await post(`/destinations/${webhookId}/test`, undefined)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ destinationId: webhookId, reply: '200 OK: ok' })
    const request = hook.received.at(-1)!
    expect(JSON.parse(request.body).type).toBe('destination.test')
    expect(verifySignature(signingSecret, String(request.headers['herald-signature']), request.body)).toBe(
      true,
    )

    hook.script = [{ status: 410, body: 'hook removed' }]
    const refused = await post(`/destinations/${webhookId}/test`, undefined)
    expect(refused.status).toBe(502)
    expect(((await refused.json()) as { detail: string }).detail).toContain('410 Gone: hook removed')
    hook.reset()
  })

  it('refuses a schedule naming a destination that does not exist', async () => {
    const response = await post('/schedules', {
      name: `Unknown destination ${tag}`,
      cron: '0 8 1 1 *',
      timezone: 'Europe/Berlin',
      query: { sql: 'SELECT 1 AS one' },
      formats: ['csv'],
      recipients: {},
      destinations: [webhookId, 'dst_doesnotexist00'],
    })
    expect(response.status).toBe(422)
    const problem = (await response.json()) as { errors: { path: string }[] }
    expect(problem.errors.map((e) => e.path)).toEqual(['destinations.1'])
  })
})

type Payload = temporal.api.common.v1.IPayload
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return found
  const candidate = value as Payload
  if (candidate.metadata && typeof candidate.metadata === 'object' && 'encoding' in candidate.metadata) {
    found.push(candidate)
    return found
  }
  for (const child of Object.values(value)) payloadsIn(child, found)
  return found
}

/** Every payload of a workflow's history, decrypted: what anyone with the keys (or the UI's codec) can read. */
async function decodedHistory(workflowId: string): Promise<string> {
  const client = new Client({ connection: stack.env.connection, namespace: 'default' })
  const history = await client.workflow.getHandle(workflowId).fetchHistory()
  const codec = new EncryptionCodec(parsePayloadKeys(TEST_PAYLOAD_KEYS).keys)
  const decoded = await codec.decode(payloadsIn(history))
  return decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n')
}

describe('a run with destinations', () => {
  it('posts to each destination once, retries a 429 after Retry-After with the same key, and shows the rows in the run', async () => {
    hook.script = [{ status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }]
    const created = await post('/schedules', {
      name: `Regions to chat ${tag}`,
      cron: '0 8 1 1 *',
      timezone: 'Europe/Berlin',
      query: { sql: 'SELECT name AS region FROM demo.regions ORDER BY name' },
      formats: ['csv'],
      recipients: {},
      destinations: [webhookId, slackId],
    })
    expect(created.status).toBe(201)
    const schedule = (await created.json()) as { id: string }

    const busy = await app.request(`/api/v1/destinations/${webhookId}`, { method: 'DELETE', headers: auth })
    expect(busy.status).toBe(409)

    const triggered = await post(`/schedules/${schedule.id}/trigger`, { reason: 'destinations e2e' })
    expect(triggered.status).toBe(202)
    const { runId } = (await triggered.json()) as { runId: string }
    await stack.env.client.workflow.getHandle(runId).result()

    type Run = {
      status: string
      deliveries: {
        recipient: string
        channel: string
        status: string
        messageId: string
        smtpReply: string
        attempts: number
      }[]
    }
    const run = (await (await get(`/runs/${encodeURIComponent(runId)}`)).json()) as Run
    expect(run.status).toBe('sent')
    const byId = new Map(run.deliveries.map((d) => [d.recipient, d]))
    expect(run.deliveries).toHaveLength(2)
    expect(byId.get(webhookId)).toMatchObject({
      channel: 'webhook',
      status: 'sent',
      attempts: 2,
      smtpReply: '200 OK: ok',
    })
    expect(byId.get(slackId)).toMatchObject({ channel: 'slack', status: 'sent', attempts: 1 })

    // The receiver saw the 429'd request and its retry, both with the key the ledger holds, both signed.
    expect(hook.received).toHaveLength(2)
    for (const request of hook.received) {
      expect(request.headers['idempotency-key']).toBe(byId.get(webhookId)!.messageId)
      expect(verifySignature(signingSecret, String(request.headers['herald-signature']), request.body)).toBe(
        true,
      )
      const payload = JSON.parse(request.body)
      expect(payload.run.id).toBe(runId)
      expect(payload.table.rows.map((r: string[]) => r[0])).toContain('Nord')
    }
    expect(slack.received).toHaveLength(1)
    expect(JSON.parse(slack.received[0]!.body).blocks[0].text.text).toBe(`Regions to chat ${tag}`)

    const history = await decodedHistory(runId)
    expect(history).toContain(webhookId)
    expect(history).not.toContain(signingSecret)
    expect(history).not.toContain(`slack-secret-${tag}`)
    expect(history).not.toContain(hook.url('/in'))
  })
})
