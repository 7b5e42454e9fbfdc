import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ApplicationFailure } from '@temporalio/common'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import {
  createDestinationActivities,
  DESTINATION_NOT_DELIVERED,
  destinationIdempotencyKey,
} from '../../src/activities/destinations/deliver.js'
import {
  createDestinationHttp,
  type DestinationHttp,
} from '../../src/activities/destinations/destination-http.js'
import type { ReportSummary } from '../../src/activities/destinations/report-summary.js'
import { SLACK_LIMITS, slackMessage } from '../../src/activities/destinations/slack-message.js'
import { teamsMessage } from '../../src/activities/destinations/teams-card.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import type { NewDestination } from '../../src/domain/destination.js'
import type { DestinationDeliveryInput } from '../../src/domain/destination-delivery.js'
import type { Attachment, ColumnInfo } from '../../src/domain/report-data.js'
import type { RunContext } from '../../src/domain/run.js'
import type { DestinationNetworkPolicy } from '../../src/security/destination-address.js'
import { parsePayloadKeys } from '../../src/security/payload-keys.js'
import { verifyArtifactSignature } from '../../src/security/signed-tokens.js'
import { HttpReceiver } from '../support/http-receiver.js'
import { storeDestination } from '../support/stored-destination.js'
import { TEST_PAYLOAD_KEYS } from '../support/temporal.js'

const PUBLIC_URL = 'https://herald.example.com'
const SECRET = 'destination-test-secret-0123456789'
const SIGNING_SECRET = 'whsec_0123456789abcdef0123456789abcdef'
const TIMEOUT_MS = 1_000
const payloadKeys = parsePayloadKeys(TEST_PAYLOAD_KEYS).keys
const LOCAL: DestinationNetworkPolicy = { allowHttp: true, allowPrivate: true }

let db: Database
let deliveryLocks: Database
let artifacts: LocalArtifactStore
let artifactDir: string
let receiver: HttpReceiver
const clients: DestinationHttp[] = []

beforeAll(async () => {
  db = connectDatabase(inject('databaseUrl'), { max: 4 })
  deliveryLocks = connectDatabase(inject('databaseUrl'), { max: 2 })
  artifactDir = await mkdtemp(join(tmpdir(), 'herald-destination-test-'))
  artifacts = new LocalArtifactStore({ dir: artifactDir, db })
  receiver = new HttpReceiver()
  await receiver.start()
})

afterAll(async () => {
  for (const http of clients) await http.close()
  await receiver.stop()
  await deliveryLocks.end()
  await db.end()
  await rm(artifactDir, { recursive: true, force: true })
})

beforeEach(() => receiver.reset())

function activities(policy: DestinationNetworkPolicy = LOCAL) {
  const http = createDestinationHttp(policy, TIMEOUT_MS)
  clients.push(http)
  return createDestinationActivities({
    db,
    deliveryLocks,
    artifacts,
    http,
    payloadKeys,
    slackApiUrl: receiver.url('/api/'),
    timeoutMs: TIMEOUT_MS,
    publicUrl: PUBLIC_URL,
    secret: SECRET,
  })
}

const saveDestination = (destination: NewDestination) => storeDestination(db, payloadKeys, destination)

const webhook = (url = receiver.url()) =>
  saveDestination({ kind: 'webhook', name: 'Warehouse', url, signingSecret: SIGNING_SECRET })

function runContext(): RunContext {
  return {
    scheduleId: `sch-${randomUUID()}`,
    scheduleName: 'Weekly revenue',
    runId: `run-${randomUUID()}`,
    fireTime: '2024-07-01T06:00:00.000Z',
    periodStart: '2024-06-23T22:00:00.000Z',
    periodEnd: '2024-06-30T22:00:00.000Z',
    timezone: 'Europe/Berlin',
  }
}

const COLUMNS: ColumnInfo[] = [
  { name: 'region', type: 'text' },
  { name: 'revenue', type: 'number' },
]

async function resultArtifact(rows: unknown[][]): Promise<string> {
  const meta = await artifacts.write(
    { runId: null, filename: 'result.ndjson', contentType: 'application/x-ndjson' },
    Readable.from([rows.map((r) => JSON.stringify(r)).join('\n')]),
  )
  return meta.id
}

async function attachment(filename: string): Promise<Attachment> {
  const meta = await artifacts.write(
    { runId: null, filename, contentType: 'text/csv' },
    Readable.from([Buffer.from('region,revenue\nNorth,1200.5\n')]),
  )
  return { artifactId: meta.id, format: 'csv', filename, contentType: 'text/csv', size: meta.size }
}

async function input(destinationId: string, run = runContext()): Promise<DestinationDeliveryInput> {
  return {
    run,
    destinationId,
    attachments: [await attachment('weekly-revenue.csv')],
    rowCount: 2,
    conditionReason: 'always',
    resultRef: await resultArtifact([
      ['North', 1200.5],
      ['South', 980],
    ]),
    columns: COLUMNS,
  }
}

async function ledgerRow(run: RunContext, destinationId: string) {
  const [row] = await db<
    {
      status: string
      channel: string
      message_id: string | null
      smtp_reply: string | null
      attempts: number
    }[]
  >`
    SELECT status, channel, message_id, smtp_reply, attempts FROM herald.deliveries
     WHERE schedule_id = ${run.scheduleId} AND recipient = ${destinationId}`
  return row
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof ApplicationFailure))
    throw new Error(`expected an ApplicationFailure, got ${String(error)}`)
  return error
}

/**
 * The receiver's check, as README.md gives it: HMAC-SHA256 of `<t>.<raw body>` with the destination's secret,
 * compared in constant time, and `t` within the replay window.
 */
function verifyHeraldSignature(
  secret: string,
  header: string,
  rawBody: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]))
  const t = Number(parts.t)
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest()
  const given = Buffer.from(parts.v1 ?? '', 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

describe('signed webhooks', () => {
  it('posts the run summary signed with the destination secret and an idempotency key per (run, destination)', async () => {
    const id = await webhook()
    const delivery = await input(id)
    const outcome = await activities().deliverToDestination(delivery)
    expect(outcome).toMatchObject({ destinationId: id, status: 'sent', alreadySent: false })

    expect(receiver.received).toHaveLength(1)
    const request = receiver.received[0]!
    const key = destinationIdempotencyKey(delivery.run.runId, id)
    expect(request.headers['idempotency-key']).toBe(key)
    expect(request.headers['content-type']).toMatch(/^application\/json/)
    const header = String(request.headers['herald-signature'])
    const t = Number(/^t=(\d+),v1=[0-9a-f]{64}$/.exec(header)?.[1])
    expect(verifyHeraldSignature(SIGNING_SECRET, header, request.body, t)).toBe(true)
    // What the receiver must refuse: another secret, a changed body, a stale timestamp (outside the window).
    expect(verifyHeraldSignature('whsec_another-secret-0123456789abcdef', header, request.body, t)).toBe(
      false,
    )
    expect(verifyHeraldSignature(SIGNING_SECRET, header, request.body.replace('North', 'Nord'), t)).toBe(
      false,
    )
    expect(verifyHeraldSignature(SIGNING_SECRET, header, request.body, t + 301)).toBe(false)

    const payload = JSON.parse(request.body)
    expect(payload).toMatchObject({
      type: 'report.delivered',
      id: key,
      schedule: { id: delivery.run.scheduleId, name: 'Weekly revenue' },
      run: { id: delivery.run.runId, fireTime: delivery.run.fireTime },
      period: { start: delivery.run.periodStart, end: delivery.run.periodEnd, timezone: 'Europe/Berlin' },
      condition: 'always',
      rowCount: 2,
      table: { columns: ['region', 'revenue'] },
    })
    expect(payload.table.rows).toHaveLength(2)
    expect(payload.table.rows[0][0]).toBe('North')
    expect(payload.files).toHaveLength(1)
    const file = payload.files[0]
    expect(file.filename).toBe('weekly-revenue.csv')
    const link = new URL(file.url)
    expect(link.origin).toBe(PUBLIC_URL)
    const artifactId = delivery.attachments[0]!.artifactId
    expect(link.pathname).toBe(`/api/v1/artifacts/${artifactId}`)
    expect(verifyArtifactSignature(SECRET, artifactId, link.searchParams.get('sig') ?? '').ok).toBe(true)

    expect(await ledgerRow(delivery.run, id)).toMatchObject({
      status: 'sent',
      channel: 'webhook',
      message_id: key,
      attempts: 1,
    })
    expect((await ledgerRow(delivery.run, id))!.smtp_reply).toMatch(/^200 OK: ok$/)
    // The ledger row is settled: the same delivery again posts nothing.
    expect(await activities().deliverToDestination(delivery)).toMatchObject({
      status: 'sent',
      alreadySent: true,
    })
    expect(receiver.received).toHaveLength(1)
  })

  it('retries a 429 after its Retry-After, then sends once with the same idempotency key', async () => {
    const id = await webhook()
    const delivery = await input(id)
    receiver.script = [{ status: 429, headers: { 'retry-after': '7' }, body: 'slow down' }]
    const failure = await failureOf(activities().deliverToDestination(delivery))
    expect(failure.type).toBe(DESTINATION_NOT_DELIVERED)
    expect(failure.nonRetryable).toBe(false)
    expect(failure.nextRetryDelay).toBe(7_000)
    expect(await ledgerRow(delivery.run, id)).toMatchObject({
      status: 'failed',
      smtp_reply: '429 Too Many Requests: slow down',
    })

    expect(await activities().deliverToDestination(delivery)).toMatchObject({
      status: 'sent',
      alreadySent: false,
    })
    expect(receiver.received).toHaveLength(2)
    const keys = receiver.received.map((r) => r.headers['idempotency-key'])
    expect(keys[0]).toBe(destinationIdempotencyKey(delivery.run.runId, id))
    expect(keys[1]).toBe(keys[0])
    expect(await ledgerRow(delivery.run, id)).toMatchObject({ status: 'sent', attempts: 2 })
  })

  it('retries a 500 (no Retry-After: the policy backs off), then sends', async () => {
    const id = await webhook()
    const delivery = await input(id)
    receiver.script = [{ status: 500, body: 'database down' }]
    const failure = await failureOf(activities().deliverToDestination(delivery))
    expect(failure.type).toBe(DESTINATION_NOT_DELIVERED)
    expect(failure.nextRetryDelay).toBeUndefined()
    expect(failure.message).toContain('500 Internal Server Error: database down')
    expect(await activities().deliverToDestination(delivery)).toMatchObject({ status: 'sent' })
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual([
      destinationIdempotencyKey(delivery.run.runId, id),
      destinationIdempotencyKey(delivery.run.runId, id),
    ])
  })

  it('settles a 400 as permanently failed with the answer recorded, and never posts it again', async () => {
    const id = await webhook()
    const delivery = await input(id)
    receiver.script = [{ status: 400, body: '{"error":"unknown schedule"}' }]
    const outcome = await activities().deliverToDestination(delivery)
    expect(outcome).toMatchObject({
      status: 'permanently_failed',
      reply: '400 Bad Request: {"error":"unknown schedule"}',
    })
    expect(await ledgerRow(delivery.run, id)).toMatchObject({
      status: 'permanently_failed',
      smtp_reply: '400 Bad Request: {"error":"unknown schedule"}',
    })
    expect(await activities().deliverToDestination(delivery)).toMatchObject({
      status: 'permanently_failed',
      alreadySent: true,
    })
    expect(receiver.received).toHaveLength(1)
  })

  it('retries a request the receiver got but did not answer in time, with the same idempotency key', async () => {
    const id = await webhook()
    const delivery = await input(id)
    receiver.script = [{ status: 200, body: 'too late', delayMs: TIMEOUT_MS * 3 }]
    const failure = await failureOf(activities().deliverToDestination(delivery))
    expect(failure.type).toBe(DESTINATION_NOT_DELIVERED)
    expect(failure.message).toContain('no answer before the timeout')
    expect(receiver.received).toHaveLength(1)
    expect(await ledgerRow(delivery.run, id)).toMatchObject({ status: 'failed' })

    expect(await activities().deliverToDestination(delivery)).toMatchObject({ status: 'sent' })
    expect(receiver.received).toHaveLength(2)
    // The receiver deduplicates on the key: the retry is recognisably the same delivery.
    expect(receiver.received[1]!.headers['idempotency-key']).toBe(
      receiver.received[0]!.headers['idempotency-key'],
    )
    expect(JSON.parse(receiver.received[1]!.body).id).toBe(JSON.parse(receiver.received[0]!.body).id)
  })

  it('waits for a slow receiver that answers within the timeout', async () => {
    const id = await webhook()
    const delivery = await input(id)
    receiver.script = [{ status: 202, body: 'queued', delayMs: TIMEOUT_MS / 2 }]
    expect(await activities().deliverToDestination(delivery)).toMatchObject({
      status: 'sent',
      reply: '202 Accepted: queued',
    })
    expect(receiver.received).toHaveLength(1)
  })

  it('refuses at send time a host that resolves to a loopback address when private addresses are not allowed', async () => {
    // Saved while allowed (or before its DNS changed): the connection-time check still refuses it.
    const id = await webhook(receiver.url('/hook', 'localhost'))
    const delivery = await input(id)
    const outcome = await activities({ allowHttp: true, allowPrivate: false }).deliverToDestination(delivery)
    expect(outcome.status).toBe('permanently_failed')
    expect(outcome.reply).toMatch(
      /^refused: destination host localhost resolves to (127\.0\.0\.1|::1) is a loopback address/,
    )
    expect(receiver.received).toHaveLength(0)

    const literal = await webhook(receiver.url('/hook', '127.0.0.1'))
    const refused = await activities({ allowHttp: true, allowPrivate: false }).deliverToDestination(
      await input(literal),
    )
    expect(refused).toMatchObject({ status: 'permanently_failed' })
    expect(refused.reply).toContain('127.0.0.1 is a loopback address')
    expect(receiver.received).toHaveLength(0)
  })

  it('reports a deleted destination as permanently failed without a request', async () => {
    const outcome = await activities().deliverToDestination(await input('dst_neverexisted0000'))
    expect(outcome).toMatchObject({ status: 'permanently_failed', reply: 'the destination was deleted' })
  })

  it('sends a test message that is not recorded in the ledger', async () => {
    const id = await webhook()
    const answer = await activities().sendDestinationTest({ destinationId: id })
    expect(answer.reply).toBe('200 OK: ok')
    const request = receiver.received[0]!
    expect(JSON.parse(request.body).type).toBe('destination.test')
    const header = String(request.headers['herald-signature'])
    const t = Number(/t=(\d+)/.exec(header)?.[1])
    expect(verifyHeraldSignature(SIGNING_SECRET, header, request.body, t)).toBe(true)
    const [rows] = await db<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM herald.deliveries WHERE recipient = ${id}`
    expect(rows!.n).toBe(0)

    receiver.script = [{ status: 404, body: 'no such hook' }]
    const failure = await failureOf(activities().sendDestinationTest({ destinationId: id }))
    expect(failure.message).toBe('404 Not Found: no such hook')
  })
})

/** A summary at the platforms' limits: wide long cells, many rows and files. */
function bigSummary(): ReportSummary {
  const columns = Array.from({ length: 12 }, (_, i) => `column_${i}_with_a_long_name`)
  return {
    scheduleId: 'sch_big',
    scheduleName: `Big report ${'x'.repeat(300)}`,
    runId: 'run/sch_big/2024-07-01T06:00:00.000Z',
    fireTime: '2024-07-01T06:00:00.000Z',
    period: {
      start: '2024-06-23T22:00:00.000Z',
      end: '2024-06-30T22:00:00.000Z',
      timezone: 'Europe/Berlin',
      text: '24 Jun 2024 – 1 Jul 2024',
    },
    condition: `revenue < 100000 & <b>ok</b> ${'y'.repeat(3000)}`,
    rowCount: 5000,
    table: {
      columns,
      rightAligned: columns.map((_, i) => i % 2 === 0),
      rows: Array.from({ length: 10 }, (_, r) =>
        columns.map((_, c) => `value ${r}.${c} & <${'z'.repeat(200)}>`),
      ),
    },
    files: Array.from({ length: 70 }, (_, i) => ({
      filename: `part-${i}.csv`,
      format: 'csv',
      size: 1024 * i,
      url: `${PUBLIC_URL}/api/v1/artifacts/art_${i}?sig=${'s'.repeat(120)}`,
      expiresAt: '2024-07-08T06:00:00.000Z',
    })),
  }
}

function textsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(textsOf)
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>
    return [...(typeof o.text === 'string' ? [o.text] : []), ...Object.values(o).flatMap(textsOf)]
  }
  return []
}

describe('Slack messages', () => {
  it('stay within Block Kit limits: at most 50 blocks, section texts ≤ 3000 and headers ≤ 150 characters', () => {
    const message = slackMessage(bigSummary())
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks)
    expect(message.blocks.length).toBe(50)
    for (const block of message.blocks) {
      if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(150)
      if (block.type === 'section') {
        if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000)
        for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(2000)
      }
    }
    // The overflow is said, not silently dropped; mrkdwn control characters are escaped.
    expect(JSON.stringify(message.blocks.at(-1))).toContain('more files in the run')
    const table = message.blocks.find((b) => b.type === 'section' && b.text?.text.startsWith('```'))
    expect(table).toBeDefined()
    expect(textsOf(table).join('')).not.toMatch(/<z/)
    expect(textsOf(table).join('')).toContain('&lt;')
  })

  it('posts through an incoming webhook as Slack receives it: text and blocks, with the idempotency key', async () => {
    const id = await saveDestination({
      kind: 'slack',
      name: 'Sales',
      webhookUrl: receiver.url('/services/T0/B0/X'),
    })
    const delivery = await input(id)
    expect(await activities().deliverToDestination(delivery)).toMatchObject({ status: 'sent' })
    const request = receiver.received[0]!
    expect(request.path).toBe('/services/T0/B0/X')
    expect(request.headers['idempotency-key']).toBe(destinationIdempotencyKey(delivery.run.runId, id))
    const body = JSON.parse(request.body)
    expect(body.text).toContain('Weekly revenue: 2 rows')
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Weekly revenue' } })
    const texts = textsOf(body.blocks).join('\n')
    expect(texts).toContain('North')
    expect(texts).toContain(`<${PUBLIC_URL}/api/v1/artifacts/`)
    expect(await ledgerRow(delivery.run, id)).toMatchObject({ status: 'sent', channel: 'slack' })
  })

  it('reads a Slack webhook 429 with Retry-After as a retry after that delay, and a 404 as permanent', async () => {
    const id = await saveDestination({
      kind: 'slack',
      name: 'Busy',
      webhookUrl: receiver.url('/services/T1/B1/Y'),
    })
    const delivery = await input(id)
    receiver.script = [{ status: 429, headers: { 'retry-after': '3' }, body: 'rate_limited' }]
    const failure = await failureOf(activities().deliverToDestination(delivery))
    expect(failure.type).toBe(DESTINATION_NOT_DELIVERED)
    expect(failure.nextRetryDelay).toBe(3_000)
    expect(await activities().deliverToDestination(delivery)).toMatchObject({ status: 'sent' })
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual([
      destinationIdempotencyKey(delivery.run.runId, id),
      destinationIdempotencyKey(delivery.run.runId, id),
    ])

    receiver.script = [{ status: 404, body: 'no_service' }]
    expect(await activities().deliverToDestination(await input(id))).toMatchObject({
      status: 'permanently_failed',
      reply: '404 Not Found: no_service',
    })
  })

  it('posts with a bot token through chat.postMessage and reads Slack platform errors as permanent', async () => {
    const id = await saveDestination({
      kind: 'slack',
      name: 'Bot',
      botToken: 'xoxb-0000-1111-abcdefghijkl',
      channel: 'C0123456789',
    })
    receiver.script = [
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true,"ts":"1.2"}' },
    ]
    const delivery = { ...(await input(id)), attachments: [] }
    expect(await activities().deliverToDestination(delivery)).toMatchObject({
      status: 'sent',
      reply: '200 ok: ts 1.2',
    })
    const request = receiver.received[0]!
    expect(request.path).toBe('/api/chat.postMessage')
    expect(request.headers.authorization).toBe('Bearer xoxb-0000-1111-abcdefghijkl')
    const form = new URLSearchParams(request.body)
    expect(form.get('channel')).toBe('C0123456789')
    expect(JSON.parse(form.get('blocks') ?? '[]')[0].type).toBe('header')

    receiver.script = [
      {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"ok":false,"error":"channel_not_found"}',
      },
    ]
    const other = { ...(await input(id)), attachments: [] }
    expect(await activities().deliverToDestination(other)).toMatchObject({
      status: 'permanently_failed',
      reply: 'slack: channel_not_found',
    })
  })
})

describe('Slack bot file uploads', () => {
  it('uploads the files with files.uploadV2 and shares them with the blocks in one completing call', async () => {
    const id = await saveDestination({
      kind: 'slack',
      name: 'Uploader',
      botToken: 'xoxb-0000-2222-abcdefghijkl',
      channel: 'C0999999999',
    })
    const jsonAnswer = (body: unknown) => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    receiver.script = [
      jsonAnswer({ ok: true, upload_url: receiver.url('/upload/F1'), file_id: 'F1' }),
      { status: 200, body: 'OK - 30' },
      jsonAnswer({ ok: true, files: [{ id: 'F1', title: 'weekly-revenue.csv' }] }),
    ]
    const delivery = await input(id)
    expect(await activities().deliverToDestination(delivery)).toMatchObject({
      status: 'sent',
      reply: '200 ok: 1 files shared',
    })
    expect(receiver.received.map((r) => r.path)).toEqual([
      '/api/files.getUploadURLExternal',
      '/upload/F1',
      '/api/files.completeUploadExternal',
    ])
    expect(new URLSearchParams(receiver.received[0]!.body).get('filename')).toBe('weekly-revenue.csv')
    expect(receiver.received[1]!.body).toContain('North,1200.5')
    const complete = new URLSearchParams(receiver.received[2]!.body)
    expect(complete.get('channel_id')).toBe('C0999999999')
    expect(JSON.parse(complete.get('files') ?? '[]')).toEqual([{ id: 'F1', title: 'weekly-revenue.csv' }])
    expect(JSON.parse(complete.get('blocks') ?? '[]')[0].type).toBe('header')
  })
})

describe('Teams messages', () => {
  it('are one Adaptive Card that stays under the 28 KB webhook limit', () => {
    const message = teamsMessage(bigSummary()) as {
      type: string
      attachments: {
        contentType: string
        content: { type: string; version: string; body: { type: string }[] }
      }[]
    }
    expect(message.type).toBe('message')
    expect(message.attachments).toHaveLength(1)
    expect(message.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive')
    expect(message.attachments[0]!.content).toMatchObject({ type: 'AdaptiveCard', version: '1.5' })
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(28 * 1024)
  })

  it('posts the card as a Teams webhook receives it, with its charset named', async () => {
    const id = await saveDestination({
      kind: 'teams',
      name: 'Ops',
      webhookUrl: receiver.url('/webhookb2/abc'),
    })
    const delivery = await input(id)
    expect(await activities().deliverToDestination(delivery)).toMatchObject({ status: 'sent' })
    const request = receiver.received[0]!
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8')
    const card = JSON.parse(request.body).attachments[0].content
    expect(card.type).toBe('AdaptiveCard')
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'Weekly revenue' })
    const table = card.body.find((e: { type: string }) => e.type === 'Table')
    expect(table.rows).toHaveLength(3)
    expect(await ledgerRow(delivery.run, id)).toMatchObject({ status: 'sent', channel: 'teams' })
  })
})
