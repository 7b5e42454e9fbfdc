import { createHmac, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
import { ESCALATION_POSTED } from '../../src/activities/destinations/escalation-post.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import type { NewDestination } from '../../src/domain/destination.js'
import type { EscalationNotice } from '../../src/domain/escalation.js'
import { parsePayloadKeys } from '../../src/security/payload-keys.js'
import { HttpReceiver } from '../support/http-receiver.js'
import { storeDestination } from '../support/stored-destination.js'
import { TEST_PAYLOAD_KEYS } from '../support/temporal.js'

const SIGNING_SECRET = 'whsec_0123456789abcdef0123456789abcdef'
const payloadKeys = parsePayloadKeys(TEST_PAYLOAD_KEYS).keys

let db: Database
let deliveryLocks: Database
let artifacts: LocalArtifactStore
let artifactDir: string
let receiver: HttpReceiver
let http: DestinationHttp

beforeAll(async () => {
  db = connectDatabase(inject('databaseUrl'), { max: 3 })
  deliveryLocks = connectDatabase(inject('databaseUrl'), { max: 1 })
  artifactDir = await mkdtemp(join(tmpdir(), 'herald-escalation-post-test-'))
  artifacts = new LocalArtifactStore({ dir: artifactDir, db })
  receiver = new HttpReceiver()
  await receiver.start()
  http = createDestinationHttp({ allowHttp: true, allowPrivate: true }, 1_000)
})

afterAll(async () => {
  await http.close()
  await receiver.stop()
  await deliveryLocks.end()
  await db.end()
  await rm(artifactDir, { recursive: true, force: true })
})

beforeEach(() => receiver.reset())

const { postEscalation } = (() => {
  let built: ReturnType<typeof createDestinationActivities> | undefined
  return {
    postEscalation: (input: { notice: EscalationNotice; destinationId: string }) => {
      built ??= createDestinationActivities({
        db,
        deliveryLocks,
        artifacts,
        http,
        payloadKeys,
        slackApiUrl: receiver.url('/api/'),
        timeoutMs: 1_000,
        publicUrl: 'https://herald.example.com',
        secret: 'escalation-post-secret-0123456789',
      })
      return built.postEscalation(input)
    },
  }
})()

const saveDestination = (destination: NewDestination) => storeDestination(db, payloadKeys, destination)

function notice(): EscalationNotice {
  const scheduleId = `sch-${randomUUID()}`
  return {
    scheduleId,
    scheduleName: 'Daily orders',
    timezone: 'Europe/Berlin',
    episodeId: `run/${scheduleId}/2024-07-01T06:00:00.000Z`,
    step: 0,
    afterConsecutive: 2,
    consecutive: 2,
    runId: `run/${scheduleId}/2024-07-02T06:00:00.000Z`,
    fireTime: '2024-07-02T06:00:00.000Z',
    status: 'failed',
    reason: 'query failed',
    notify: { to: [], lists: [] },
  }
}

describe('postEscalation', () => {
  it('posts a signed schedule.escalated webhook once; a 500 is retried with the same idempotency key', async () => {
    const destinationId = await saveDestination({
      kind: 'webhook',
      name: 'Pager',
      url: receiver.url('/pager'),
      signingSecret: SIGNING_SECRET,
    })
    const n = notice()
    receiver.script = [{ status: 500, body: 'busy' }]
    const failure = await postEscalation({ notice: n, destinationId }).then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(failure).toBeInstanceOf(ApplicationFailure)
    expect(failure).toMatchObject({ type: DESTINATION_NOT_DELIVERED, nonRetryable: false })

    expect(await postEscalation({ notice: n, destinationId })).toBe(`${destinationId}: 200 OK: ok`)
    expect(receiver.received).toHaveLength(2)
    const key = destinationIdempotencyKey(`escalation:${n.scheduleId}:${n.episodeId}:0`, destinationId)
    expect(receiver.received.map((r) => r.headers['idempotency-key'])).toEqual([key, key])
    const request = receiver.received[1]!
    const { t, v1 } = Object.fromEntries(
      String(request.headers['herald-signature'])
        .split(',')
        .map((p) => p.split('=', 2) as [string, string]),
    )
    expect(v1).toBe(createHmac('sha256', SIGNING_SECRET).update(`${t}.${request.body}`).digest('hex'))
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'schedule.escalated',
      id: key,
      schedule: { id: n.scheduleId, name: 'Daily orders' },
      escalation: {
        episodeId: n.episodeId,
        step: 1,
        consecutive: 2,
        lastRun: { id: n.runId, status: 'failed', reason: 'query failed' },
      },
    })

    // Once answered for good, a retried attempt (or a replay) never posts again.
    expect(await postEscalation({ notice: n, destinationId })).toBe(`${destinationId}: posted before`)
    expect(receiver.received).toHaveLength(2)
    const entries = await db`
      SELECT detail FROM herald.audit_log WHERE action = ${ESCALATION_POSTED} AND schedule_id = ${n.scheduleId}`
    expect(entries).toHaveLength(1)
  })

  it('a Slack webhook gets the note; a 404 is recorded as refused and not retried', async () => {
    const destinationId = await saveDestination({
      kind: 'slack',
      name: 'Ops channel',
      webhookUrl: receiver.url('/services/T0/B0/x'),
    })
    const n = notice()
    receiver.script = [{ status: 404, body: 'no_service' }]
    expect(await postEscalation({ notice: n, destinationId })).toBe(
      `${destinationId}: refused: 404 Not Found: no_service`,
    )
    expect(await postEscalation({ notice: n, destinationId })).toBe(`${destinationId}: posted before`)
    expect(receiver.received).toHaveLength(1)
    expect(receiver.received[0]!.body).toContain('Escalation step 1')
  })
})
