import { createRoute } from '@hono/zod-openapi'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { actorForKey } from '../../src/api/middleware/api-key-auth.js'
import { API_SCOPES, type ApiScope } from '../../src/security/api-keys.js'
import {
  capturingLogger,
  createHarness,
  type Harness,
  problemOf,
  unique,
  unreachableTemporalClient,
} from './harness.js'

/**
 * Every operation of the OpenAPI document, called with a key of every scope: a route added without a scope, or
 * with a scope the middleware does not enforce, fails here without anyone writing a test for it.
 */

const KEYS: Record<ApiScope, string> = {
  read: 'test-scope-read-0123456789',
  write: 'test-scope-write-0123456789',
  admin: 'test-scope-admin-0123456789',
}
const API_KEYS = API_SCOPES.map((scope) => `${scope}:${KEYS[scope]}`).join(',')
const DECLARABLE = new Set(['public', ...API_SCOPES])

interface Operation {
  'x-herald-scope'?: string
  security?: Record<string, string[]>[]
}
type Entry = { method: string; path: string; op: Operation }

let h: Harness
let operations: Entry[]

beforeAll(async () => {
  // No Temporal: the scope check runs before any handler, and a handler that needs Temporal answers 503, not 403.
  h = await createHarness({
    client: await unreachableTemporalClient(),
    apiKeys: API_KEYS,
    rateLimit: { burst: 10_000, perSecond: 10_000 },
    rpcTimeoutMs: 2_000,
  })
  const doc = (await (await h.app.request('/api/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, Operation>>
  }
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method, path, op })),
  )
})
afterAll(async () => {
  await h?.close()
})

const rank = (scope: ApiScope) => API_SCOPES.indexOf(scope)
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, `x-${process.pid}`)

/** The operation called with an empty JSON body (when it takes one): enough to pass or fail the scope check. */
function call({ method, path }: Entry, key?: string) {
  const hasBody = method !== 'get' && method !== 'delete'
  return h.app.request(concrete(path), {
    method: method.toUpperCase(),
    headers: {
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
    },
    body: hasBody ? '{}' : undefined,
  })
}

describe('scopes in the OpenAPI document', () => {
  it('every operation declares a scope, in x-herald-scope and in security', () => {
    expect(operations.length).toBeGreaterThanOrEqual(35)
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`
      const scope = op['x-herald-scope']
      expect(DECLARABLE.has(scope ?? ''), `${where} declares x-herald-scope (${scope})`).toBe(true)
      expect(op.security, where).toEqual(scope === 'public' ? [] : [{ bearerAuth: [scope] }])
    }
  })

  it('read is for GET only: every other method needs at least write', () => {
    for (const { method, path, op } of operations) {
      if (method === 'get' || op['x-herald-scope'] === 'public') continue
      expect(['write', 'admin'], `${method} ${path}`).toContain(op['x-herald-scope'])
    }
  })

  it('puts the routes the issue names at the scope it names', () => {
    const scopeOf = (method: string, path: string) =>
      operations.find((o) => o.method === method && o.path === `/api/v1${path}`)?.op['x-herald-scope']
    expect(scopeOf('get', '/schedules')).toBe('read')
    expect(scopeOf('post', '/schedules')).toBe('write')
    expect(scopeOf('post', '/schedules/{id}/trigger')).toBe('write')
    expect(scopeOf('post', '/schedules/{id}/pause')).toBe('write')
    expect(scopeOf('post', '/schedules/{id}/preview')).toBe('write')
    expect(scopeOf('post', '/distribution-lists')).toBe('write')
    expect(scopeOf('delete', '/suppressions/{email}')).toBe('admin')
    expect(scopeOf('post', '/smtp/test')).toBe('admin')
    expect(scopeOf('get', '/audit')).toBe('admin')
    for (const path of [
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs',
      '/unsubscribe',
      '/artifacts/{id}',
    ])
      expect(scopeOf('get', path), path).toBe('public')
  })
})

describe('every operation, with every scope', () => {
  it('refuses keys below the declared scope with 403 naming it, and lets the declared scope and above through', async () => {
    let checked = 0
    for (const entry of operations) {
      const where = `${entry.method} ${entry.path}`
      const declared = entry.op['x-herald-scope']
      if (declared === 'public') {
        const res = await call(entry)
        expect(res.status, `${where} without a key`).not.toBe(401)
        if (res.status === 403) expect((await problemOf(res)).detail, where).not.toMatch(/scope/)
        continue
      }
      const required = declared as ApiScope
      expect((await call(entry)).status, `${where} without a key`).toBe(401)
      for (const scope of API_SCOPES) {
        const res = await call(entry, KEYS[scope])
        const what = `${where} with a ${scope} key`
        if (rank(scope) < rank(required)) {
          expect(res.status, what).toBe(403)
          expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/)
          expect(res.headers.get('www-authenticate'), what).toContain(`scope="${required}"`)
          const problem = await problemOf(res)
          expect(problem.type, what).toBe('https://herald.dev/problems/forbidden')
          expect(problem.detail, what).toContain(`"${required}" scope`)
        } else {
          expect([401, 403], `${what} answered ${res.status}: ${await res.clone().text()}`).not.toContain(
            res.status,
          )
        }
        checked++
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3 * 26)
  })
})

describe('routes without a declared scope', () => {
  it('refuse every key (fail closed), whether registered through openapi() or plainly', async () => {
    const extra = await createHarness({ client: await unreachableTemporalClient(), apiKeys: API_KEYS })
    try {
      let ran = 0
      extra.app.openapi(
        createRoute({
          method: 'get',
          path: '/api/v1/forgot-its-scope',
          responses: { 200: { description: 'ok' } },
        }),
        (c) => {
          ran++
          return c.text('ran', 200)
        },
      )
      extra.app.post('/api/v1/plain-route', (c) => {
        ran++
        return c.text('ran')
      })
      const admin = { Authorization: `Bearer ${KEYS.admin}` }
      for (const [method, path] of [
        ['GET', '/api/v1/forgot-its-scope'],
        ['POST', '/api/v1/plain-route'],
      ] as const) {
        const res = await extra.app.request(path, { method, headers: admin })
        expect(res.status, path).toBe(403)
        expect((await problemOf(res)).detail).toMatch(/declares no API key scope/)
      }
      expect(ran).toBe(0)
    } finally {
      await extra.close()
    }
  })

  it('an unknown path still needs a valid key, then answers 404', async () => {
    const path = `/api/v1/${unique('no-such-route')}`
    expect((await h.app.request(path)).status).toBe(401)
    expect((await h.app.request(path, { headers: { Authorization: `Bearer ${KEYS.read}` } })).status).toBe(
      404,
    )
  })
})

describe('keys without a scope', () => {
  it('are admin keys, and the app says so once at start, naming the key by its label only', async () => {
    const { logger, lines } = capturingLogger()
    const legacy = 'test-unscoped-key-0123456789'
    const app = await createHarness({
      client: await unreachableTemporalClient(),
      apiKeys: `read:${KEYS.read},${legacy}`,
      logger,
    })
    try {
      const warnings = lines.filter((l) => l.includes('without a scope'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(actorForKey(legacy))
      expect(warnings[0]).not.toContain(KEYS.read)
      expect(lines.join('\n')).not.toContain(legacy)
      const res = await app.app.request('/api/v1/smtp/verify', {
        method: 'POST',
        headers: { Authorization: `Bearer ${legacy}` },
      })
      expect([401, 403]).not.toContain(res.status)
    } finally {
      await app.close()
    }
  })
})
