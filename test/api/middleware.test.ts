import { WorkflowUpdateFailedError } from '@temporalio/client'
import { ApplicationFailure } from '@temporalio/common'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { classifyError } from '../../src/api/error-mapping.js'
import { connectDatabase } from '../../src/db/client.js'
import { freePort } from '../support/ports.js'
import { createTimeSkippingEnv } from '../support/temporal.js'
import {
  API_KEY,
  auth,
  capturingLogger,
  createApiWorker,
  createHarness,
  type Harness,
  jsonHeaders,
  problemOf,
  reportSpec,
  unreachableTemporalClient,
} from './harness.js'

let env: TestWorkflowEnvironment
let h: Harness

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  h = await createHarness({ env })
})
afterAll(async () => {
  await h?.close()
  await env?.teardown()
})

const PROBLEM_TYPE = /^application\/problem\+json/

describe('authentication', () => {
  it('rejects a request without a key with 401 problem+json and WWW-Authenticate: Bearer', async () => {
    const res = await h.app.request('/api/v1/schedules')
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(PROBLEM_TYPE)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="herald"/)
    const problem = await problemOf(res)
    expect(problem).toMatchObject({
      type: 'https://herald.dev/problems/unauthorized',
      title: 'Authentication required',
      status: 401,
      instance: '/api/v1/schedules',
    })
  })

  it('rejects an unknown key and names invalid_token', async () => {
    const res = await h.app.request('/api/v1/schedules', { headers: { Authorization: 'Bearer not-a-key' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect((await problemOf(res)).detail).toBe('the API key is not valid')
  })

  it('answers a header that is not a bearer token with the same 401 problem, not a bare 400', async () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer has spaces', 'Bearer ke#y']) {
      const res = await h.app.request('/api/v1/schedules', { headers: { Authorization: header } })
      expect(res.status, header).toBe(401)
      expect(res.headers.get('content-type'), header).toMatch(PROBLEM_TYPE)
      expect(res.headers.get('www-authenticate'), header).toMatch(/^Bearer realm="herald"/)
      expect((await problemOf(res)).detail, header).toMatch(/Authorization: Bearer <key>/)
    }
  })

  it('accepts every configured key', async () => {
    for (const { key } of h.deps.config.API_KEYS) {
      const res = await h.app.request('/api/v1/schedules?limit=1', {
        headers: { Authorization: `Bearer ${key}` },
      })
      expect(res.status).toBe(200)
    }
  })

  it('rejects everything protected when API_KEYS is empty, and says why', async () => {
    const open = await createHarness({ env, apiKeys: '' })
    try {
      const res = await open.app.request('/api/v1/schedules', { headers: auth })
      expect(res.status).toBe(401)
      expect((await problemOf(res)).detail).toMatch(/API_KEYS is not set/)
      // Public routes stay public.
      expect((await open.app.request('/api/v1/healthz')).status).toBe(200)
    } finally {
      await open.close()
    }
  })
})

describe('request plumbing', () => {
  it('echoes a caller-supplied X-Request-Id and generates one otherwise', async () => {
    const echoed = await h.app.request('/api/v1/healthz', { headers: { 'X-Request-Id': 'trace-abc-123' } })
    expect(echoed.headers.get('x-request-id')).toBe('trace-abc-123')
    const generated = await h.app.request('/api/v1/healthz')
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('sets secure headers', async () => {
    const res = await h.app.request('/api/v1/healthz')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN')
  })

  it('answers malformed JSON with a 400 problem, not a 500', async () => {
    const res = await h.app.request('/api/v1/schedules', {
      method: 'POST',
      headers: jsonHeaders,
      body: '{"name": "x",',
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toMatch(PROBLEM_TYPE)
    expect((await problemOf(res)).type).toBe('https://herald.dev/problems/malformed-request')
  })

  it('rejects a body over 1 MB with 413', async () => {
    const huge = JSON.stringify({ ...reportSpec(), description: 'x'.repeat(1024 * 1024) })
    const res = await h.app.request('/api/v1/schedules', { method: 'POST', headers: jsonHeaders, body: huge })
    expect(res.status).toBe(413)
    expect((await problemOf(res)).type).toBe('https://herald.dev/problems/payload-too-large')
  })

  it('rejects a non-JSON body with 415', async () => {
    const res = await h.app.request('/api/v1/schedules', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'text/plain' },
      body: 'hello',
    })
    expect(res.status).toBe(415)
    expect(res.headers.get('content-type')).toMatch(PROBLEM_TYPE)
  })

  it('answers unknown paths with a 404 problem', async () => {
    const res = await h.app.request('/nothing-here')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(PROBLEM_TYPE)
    const unknownApi = await h.app.request('/api/v1/nothing-here', { headers: auth })
    expect(unknownApi.status).toBe(404)
  })

  it('never exposes an unexpected error: 500 with a generic detail, the request id, and no stack', async () => {
    const broken = await createHarness({ env })
    // The preview runs on a worker whose query step fails with an error nobody planned for.
    const worker = await createApiWorker(env, broken, {
      runQuery: async () => {
        throw new Error('boom: password=hunter2 at /srv/herald/secret.ts:42')
      },
    })
    const running = worker.run()
    try {
      const created = await broken.app.request('/api/v1/schedules', {
        method: 'POST',
        headers: jsonHeaders,
        body: JSON.stringify(reportSpec()),
      })
      expect(created.status).toBe(201)
      const { id } = (await created.json()) as { id: string }
      const res = await broken.app.request(`/api/v1/schedules/${id}/preview`, {
        method: 'POST',
        headers: auth,
      })
      expect(res.status).toBe(500)
      const text = await res.text()
      expect(text).not.toContain('boom')
      expect(text).not.toContain('hunter2')
      expect(text).not.toMatch(/\bat \/|\.ts:\d+|stack/i)
      const problem = JSON.parse(text)
      expect(problem.type).toBe('https://herald.dev/problems/internal')
      expect(problem.requestId).toBe(res.headers.get('x-request-id'))
    } finally {
      worker.shutdown()
      await running
      await broken.close()
    }
  })
})

describe('rate limiting', () => {
  it('answers 429 with Retry-After once a key has used its burst, per key', async () => {
    const limited = await createHarness({ env, rateLimit: { burst: 2, perSecond: 0.01 } })
    try {
      const get = (key = API_KEY) =>
        limited.app.request('/api/v1/suppressions?limit=1', { headers: { Authorization: `Bearer ${key}` } })
      expect((await get()).status).toBe(200)
      expect((await get()).status).toBe(200)
      const third = await get()
      expect(third.status).toBe(429)
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect((await problemOf(third)).type).toBe('https://herald.dev/problems/rate-limited')
      // Another key has its own bucket; public routes are not limited.
      expect((await get(limited.deps.config.API_KEYS[1]?.key)).status).toBe(200)
      expect((await limited.app.request('/api/v1/healthz')).status).toBe(200)
    } finally {
      await limited.close()
    }
  })
})

describe('logging', () => {
  it('writes one JSON line per request with method, path, status and request id, and never the key or tokens', async () => {
    const { logger, lines } = capturingLogger()
    const logged = await createHarness({ env, logger })
    try {
      await logged.app.request('/api/v1/schedules?limit=1', {
        headers: { ...auth, 'X-Request-Id': 'log-test-1' },
      })
      await logged.app.request('/api/v1/unsubscribe?token=secret-token-value')
      await logged.app.request('/api/v1/artifacts/abc?sig=secret-signature-value')
      const all = lines.join('')
      expect(all).not.toContain(API_KEY)
      expect(all).not.toContain('secret-token-value')
      expect(all).not.toContain('secret-signature-value')
      expect(all.toLowerCase()).not.toContain('authorization')
      const entry = lines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'log-test-1')
      expect(entry).toMatchObject({ method: 'GET', path: '/api/v1/schedules', status: 200, msg: 'request' })
      expect(entry.actor).toMatch(/^apikey:[0-9a-f]{8}$/)
    } finally {
      await logged.close()
    }
  })
})

describe('health, readiness and metrics', () => {
  it('reports liveness without a key', async () => {
    const res = await h.app.request('/api/v1/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it("is ready when Temporal and PostgreSQL answer (SMTP is the worker's: POST /smtp/verify)", async () => {
    const res = await h.app.request('/api/v1/readyz')
    const body = await res.json()
    expect(body).toEqual({ status: 'ready', checks: { temporal: { ok: true }, database: { ok: true } } })
    expect(res.status).toBe(200)
  })

  it('is not ready (503) when a dependency fails, and names it', async () => {
    const down = await createHarness({ client: await unreachableTemporalClient() })
    try {
      const res = await down.app.request('/api/v1/readyz')
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('5')
      const body = (await res.json()) as {
        status: string
        checks: Record<string, { ok: boolean; error?: string }>
      }
      expect(body.status).toBe('unavailable')
      expect(body.checks.database).toEqual({ ok: true })
      expect(body.checks.temporal!.ok).toBe(false)
    } finally {
      await down.close()
    }
  })

  it('exposes Prometheus counters and a latency histogram by route pattern and status', async () => {
    await h.app.request('/api/v1/schedules/sch_doesnotexist', { headers: auth })
    const res = await h.app.request('/api/v1/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await res.text()
    expect(text).toContain('# TYPE herald_http_requests_total counter')
    expect(text).toContain('# TYPE herald_http_request_duration_seconds histogram')
    expect(text).toMatch(
      /herald_http_requests_total\{method="GET",route="\/api\/v1\/schedules\/:id",status="404"\} [1-9]/,
    )
    expect(text).toMatch(
      /herald_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/v1\/schedules\/:id",status="404"\} [1-9]/,
    )
    expect(text).not.toContain('sch_doesnotexist')
  })
})

describe('unavailable dependencies', () => {
  it('maps an unreachable Temporal to 503 with Retry-After, and leaves no schedule behind', async () => {
    const down = await createHarness({ client: await unreachableTemporalClient() })
    try {
      const spec = reportSpec()
      const res = await down.app.request('/api/v1/schedules', {
        method: 'POST',
        headers: jsonHeaders,
        body: JSON.stringify(spec),
      })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('5')
      expect(res.headers.get('content-type')).toMatch(PROBLEM_TYPE)
      expect((await problemOf(res)).type).toBe('https://herald.dev/problems/temporal-unavailable')
      const rows = await down.db`SELECT id FROM herald.schedules WHERE name = ${spec.name}`
      expect(rows).toHaveLength(0)
    } finally {
      await down.close()
    }
  })

  it('maps an unreachable database to 503 with Retry-After', async () => {
    const deadDb = connectDatabase(`postgres://herald:herald@127.0.0.1:${await freePort()}/nothing`, {
      max: 1,
    })
    const down = await createHarness({ env, db: deadDb, logger: pino({ level: 'silent' }) })
    try {
      const res = await down.app.request('/api/v1/schedules', { headers: auth })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('5')
      expect((await problemOf(res)).type).toBe('https://herald.dev/problems/database-unavailable')
    } finally {
      await down.close()
      await deadDb.end({ timeout: 1 })
    }
  })
})

describe('error mapping', () => {
  it('turns a schedule update the workflow rejected into a 422 with its failing fields', () => {
    const failure = ApplicationFailure.create({
      type: 'InvalidSchedule',
      message: 'cron: invalid cron expression',
      nonRetryable: true,
      details: [[{ path: 'cron', message: 'invalid cron expression' }]],
    })
    const mapped = classifyError(new WorkflowUpdateFailedError('Workflow Update failed', failure))
    expect(mapped).toEqual({
      kind: 'validation',
      detail: 'cron: invalid cron expression',
      errors: [{ path: 'cron', message: 'invalid cron expression' }],
    })
  })

  it('treats business failures of the query activities as the client query being rejected', () => {
    const mapped = classifyError(
      ApplicationFailure.nonRetryable('query must be read-only', 'QueryNotReadOnly'),
    )
    expect(mapped?.kind).toBe('queryRejected')
  })

  it('leaves unknown errors unclassified (500)', () => {
    expect(classifyError(new Error('surprise'))).toBeUndefined()
  })
})
