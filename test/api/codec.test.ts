import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { defaultPayloadConverter, type Payload } from '@temporalio/common'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/api/app.js'
import { loadConfig } from '../../src/config.js'
import { EncryptionCodec } from '../../src/temporal/encryption-codec.js'
import { createHarness, type Harness, problemOf, unreachableTemporalClient } from './harness.js'

/** The codec endpoint the Temporal UI calls (Temporal's codec-server protocol), its CORS and its access rules. */

const ADMIN = 'codec-admin-key-0123456789'
const READER = 'codec-read-key-0123456789'
const UI = 'http://localhost:8233'
const keyB64 = randomBytes(32).toString('base64')
const codec = new EncryptionCodec([{ id: 'k1', key: Buffer.from(keyB64, 'base64') }])
const secret = { to: ['ceo@example.com'], sql: 'SELECT revenue FROM demo.orders' }

const settings = (extra: Record<string, string> = {}) =>
  loadConfig({
    DATABASE_URL: 'postgres://unused@localhost/unused',
    API_KEYS: `admin:${ADMIN},read:${READER}`,
    TEMPORAL_UI_URL: `${UI}/`,
    PAYLOAD_ENCRYPTION_KEYS: `k1:${keyB64}`,
    LOG_LEVEL: 'silent',
    ...extra,
  })

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
})
const fromJson = (p: { metadata?: Record<string, string>; data?: string }): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
})
const encryptedBody = async () => ({
  payloads: (await codec.encode([defaultPayloadConverter.toPayload(secret)!])).map(toJson),
})

let harness: Harness
let app: ReturnType<typeof createApp>
const appWith = (extra: Record<string, string> = {}) =>
  createApp({ ...harness.deps, config: settings(extra) })

beforeAll(async () => {
  harness = await createHarness({ client: await unreachableTemporalClient() })
  app = appWith()
})
afterAll(() => harness?.close())

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  app.request(`/api/v1/codec/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: UI, 'x-namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
const asAdmin = { authorization: `Bearer ${ADMIN}` }

describe('CORS', () => {
  it('answers the Temporal UI’s preflight without a key', async () => {
    const res = await app.request('/api/v1/codec/decode', {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(UI)
    expect(res.headers.get('access-control-allow-methods')).toContain('POST')
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toBe(
      'content-type,x-namespace,authorization',
    )
    expect(res.headers.get('access-control-allow-credentials')).toBe('true')
  })

  it('allows no other origin', async () => {
    const res = await app.request('/api/v1/codec/decode', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    })
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    const posted = await post('decode', await encryptedBody(), { ...asAdmin, origin: 'http://evil.example' })
    expect(posted.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('takes its origins from CODEC_CORS_ORIGINS when set', async () => {
    const custom = appWith({ CODEC_CORS_ORIGINS: 'https://temporal.example.com/ui, http://localhost:9000' })
    const res = await custom.request('/api/v1/codec/decode', {
      method: 'OPTIONS',
      headers: { origin: 'https://temporal.example.com', 'access-control-request-method': 'POST' },
    })
    expect(res.headers.get('access-control-allow-origin')).toBe('https://temporal.example.com')
    expect(() => settings({ CODEC_CORS_ORIGINS: 'temporal.example.com' })).toThrow(/CODEC_CORS_ORIGINS/)
  })
})

describe('POST /codec/decode and /codec/encode', () => {
  it('decrypts payloads for an admin key, with the CORS header the UI needs', async () => {
    const res = await post('decode', await encryptedBody(), asAdmin)
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe(UI)
    const { payloads } = (await res.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[]
    }
    expect(payloads).toHaveLength(1)
    expect(defaultPayloadConverter.fromPayload(fromJson(payloads[0]!))).toEqual(secret)
  })

  it('encodes with the first key, and decode reverses it; payloads that are not encrypted pass through', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload(secret)!)
    const encoded = await post('encode', { payloads: [plain] }, asAdmin)
    expect(encoded.status).toBe(200)
    const { payloads } = (await encoded.json()) as { payloads: { metadata: Record<string, string> }[] }
    expect(Buffer.from(payloads[0]!.metadata['encryption-key-id']!, 'base64').toString()).toBe('k1')
    const decoded = await post('decode', { payloads: [...payloads, plain] }, asAdmin)
    const back = (await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }
    expect(back.payloads.map((p) => defaultPayloadConverter.fromPayload(fromJson(p)))).toEqual([
      secret,
      secret,
    ])
  })

  it('needs a key (401), and an admin one (403 for a read key)', async () => {
    const anonymous = await post('decode', await encryptedBody())
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('access-control-allow-origin')).toBe(UI)
    const reader = await post('decode', await encryptedBody(), { authorization: `Bearer ${READER}` })
    expect(reader.status).toBe(403)
  })

  it.each([
    ['data that is not base64', { payloads: [{ metadata: {}, data: '***' }] }, 422, 'payloads.0.data'],
    ['a payload list that is not a list', { payloads: 'x' }, 422, 'payloads'],
    ['too many payloads', { payloads: Array.from({ length: 1001 }, () => ({})) }, 422, 'payloads'],
  ])('refuses %s with a problem naming the field', async (_case, body, status, path) => {
    const res = await post('decode', body, asAdmin)
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect((await problemOf(res)).errors?.map((e) => e.path)).toContain(path)
  })

  it('answers malformed JSON with 400', async () => {
    const res = await post('decode', '{"payloads": [', asAdmin)
    expect(res.status).toBe(400)
  })

  it('names a payload that fails authentication or names an unknown key, never a 500', async () => {
    const body = await encryptedBody()
    const data = Buffer.from(body.payloads[0]!.data, 'base64')
    data[15] = data[15]! ^ 0xff
    const tampered = {
      payloads: [body.payloads[0]!, { ...body.payloads[0]!, data: data.toString('base64') }],
    }
    const res = await post('decode', tampered, asAdmin)
    expect(res.status).toBe(422)
    const problem = await problemOf(res)
    expect(problem.errors).toEqual([
      { path: 'payloads.1', message: expect.stringMatching(/failed authentication/) },
    ])

    const otherKeys = appWith({ PAYLOAD_ENCRYPTION_KEYS: `k2:${randomBytes(32).toString('base64')}` })
    const unknown = await otherKeys.request('/api/v1/codec/decode', {
      method: 'POST',
      headers: { ...asAdmin, 'content-type': 'application/json' },
      body: JSON.stringify(await encryptedBody()),
    })
    expect(unknown.status).toBe(422)
    expect((await problemOf(unknown)).detail).toContain('key id "k1"')
  })

  it('serves only Herald’s namespace', async () => {
    const res = await post('decode', await encryptedBody(), { ...asAdmin, 'x-namespace': 'someone-else' })
    expect(res.status).toBe(403)
    expect((await problemOf(res)).detail).toContain('"default"')
  })

  it('without PAYLOAD_ENCRYPTION_KEYS encodes nothing and says why it cannot decode', async () => {
    const off = appWith({ PAYLOAD_ENCRYPTION_KEYS: '' })
    const call = (path: string, body: unknown) =>
      off.request(`/api/v1/codec/${path}`, {
        method: 'POST',
        headers: { ...asAdmin, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const plain = toJson(defaultPayloadConverter.toPayload(secret)!)
    const encoded = await call('encode', { payloads: [plain] })
    expect(((await encoded.json()) as { payloads: unknown[] }).payloads).toEqual([plain])
    const decoded = await call('decode', await encryptedBody())
    expect(decoded.status).toBe(422)
    expect((await problemOf(decoded)).detail).toContain('it holds none')
  })
})

describe('CODEC_AUTH=local-ui (npm start’s dev UI has no login)', () => {
  /** A real socket: whether a caller is local is the server's knowledge of the peer address. */
  async function listen(extra: Record<string, string>) {
    const server = serve({ fetch: appWith(extra).fetch, hostname: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    return {
      call: async (headers: Record<string, string>) =>
        fetch(`http://127.0.0.1:${port}/api/v1/codec/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(await encryptedBody()),
        }),
      close: () => new Promise((resolve) => server.close(resolve)),
    }
  }

  it('lets the UI’s origin decode from this machine without a key; any other caller still needs one', async () => {
    const local = await listen({ CODEC_AUTH: 'local-ui' })
    try {
      expect((await local.call({ origin: UI })).status).toBe(200)
      expect((await local.call({})).status).toBe(401)
      expect((await local.call({ origin: 'http://evil.example' })).status).toBe(401)
    } finally {
      await local.close()
    }
    // In-process calls have no peer address, so they are never local.
    const inProcess = appWith({ CODEC_AUTH: 'local-ui' })
    const res = await inProcess.request('/api/v1/codec/decode', {
      method: 'POST',
      headers: { origin: UI, 'content-type': 'application/json' },
      body: JSON.stringify(await encryptedBody()),
    })
    expect(res.status).toBe(401)
  })

  it('is off by default: the same local call from the UI’s origin needs a key', async () => {
    const server = await listen({})
    try {
      expect((await server.call({ origin: UI })).status).toBe(401)
    } finally {
      await server.close()
    }
  })

  it('never opens another route', async () => {
    const server = serve({ fetch: appWith({ CODEC_AUTH: 'local-ui' }).fetch, hostname: '127.0.0.1', port: 0 })
    await new Promise((resolve) => server.once('listening', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/schedules`, { headers: { origin: UI } })
      expect(res.status).toBe(401)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
