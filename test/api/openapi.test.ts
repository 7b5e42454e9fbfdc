import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness, unreachableTemporalClient } from './harness.js'

let h: Harness

interface Operation {
  security?: unknown[]
  requestBody?: { content: Record<string, { schema: unknown }> }
  responses: Record<string, { content?: Record<string, unknown> }>
}
interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> }
  security: unknown[]
}
let doc: OpenApiDocument
interface MailSchema {
  default?: { subject?: string }
  properties?: { subject?: { default?: string } }
}

beforeAll(async () => {
  // The document needs no Temporal; an unreachable client proves the routes below never call it.
  h = await createHarness({ client: await unreachableTemporalClient() })
  const res = await h.app.request('/api/v1/openapi.json')
  expect(res.status).toBe(200)
  doc = (await res.json()) as OpenApiDocument
})
afterAll(async () => {
  await h?.close()
})

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])

/** Every method + path the app routes to, in OpenAPI notation. */
function registeredRoutes(): string[] {
  const routes = h.app.routes
    .filter((r) => METHODS.has(r.method) && !r.path.includes('*'))
    .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:([^/]+)/g, '{$1}')}`)
  return [...new Set(routes)].sort()
}

function documentedOperations(): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => [method, path, op] as [string, string, Operation]),
  )
}

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'x')

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with bearer auth as the default', () => {
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.security).toEqual([{ bearerAuth: [] }])
  })

  it('documents every registered route, and nothing that is not routed', () => {
    const documented = documentedOperations()
      .map(([method, path]) => `${method} ${path}`)
      .sort()
    const registered = registeredRoutes()
    expect(registered.length).toBeGreaterThanOrEqual(34)
    expect(documented).toEqual(registered)
  })

  it('lists the routes the product promises', () => {
    const documented = new Set(documentedOperations().map(([method, path]) => `${method} ${path}`))
    for (const op of [
      'post /api/v1/schedules',
      'get /api/v1/schedules',
      'get /api/v1/schedules/{id}',
      'patch /api/v1/schedules/{id}',
      'delete /api/v1/schedules/{id}',
      'post /api/v1/schedules/{id}/pause',
      'post /api/v1/schedules/{id}/resume',
      'post /api/v1/schedules/{id}/trigger',
      'post /api/v1/schedules/{id}/skip-next',
      'post /api/v1/schedules/{id}/preview',
      'post /api/v1/schedules/{id}/signals/data-ready',
      'get /api/v1/schedules/{id}/runs',
      'get /api/v1/schedules/{id}/stats',
      'get /api/v1/runs/{runId}',
      'get /api/v1/distribution-lists',
      'post /api/v1/distribution-lists',
      'patch /api/v1/distribution-lists/{id}',
      'delete /api/v1/distribution-lists/{id}',
      'get /api/v1/distribution-lists/{id}/members',
      'post /api/v1/distribution-lists/{id}/members',
      'delete /api/v1/distribution-lists/{id}/members/{email}',
      'get /api/v1/destinations',
      'post /api/v1/destinations',
      'get /api/v1/destinations/{id}',
      'patch /api/v1/destinations/{id}',
      'delete /api/v1/destinations/{id}',
      'post /api/v1/destinations/{id}/test',
      'get /api/v1/recipients/{email}/preferences',
      'put /api/v1/recipients/{email}/preferences',
      'delete /api/v1/recipients/{email}/preferences',
      'get /api/v1/suppressions',
      'delete /api/v1/suppressions/{email}',
      'post /api/v1/smtp/verify',
      'post /api/v1/smtp/test',
      'get /api/v1/unsubscribe',
      'post /api/v1/unsubscribe',
      'get /api/v1/artifacts/{id}',
      'get /api/v1/healthz',
      'get /api/v1/readyz',
      'get /api/v1/metrics',
      'get /api/v1/openapi.json',
      'get /api/v1/docs',
    ]) {
      expect(documented, op).toContain(op)
    }
  })

  it('describes schedule bodies with the domain ScheduleSpec schema', () => {
    const create = doc.paths['/api/v1/schedules']!.post!
    expect(create.requestBody!.content['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/ScheduleSpec',
    })
    const spec = doc.components.schemas.ScheduleSpec as {
      properties: Record<string, unknown>
      required: string[]
    }
    expect(Object.keys(spec.properties)).toEqual(
      expect.arrayContaining(['name', 'cron', 'timezone', 'query', 'recipients', 'mail', 'condition']),
    )
    expect(spec.required).toEqual(expect.arrayContaining(['name', 'cron', 'query', 'recipients']))
    // Every mail field has a default, so `mail` may be left out.
    expect(spec.required).not.toContain('mail')
    const mail = (doc.components.schemas.ScheduleSpec as { properties: { mail: MailSchema } }).properties.mail
    expect(mail.default?.subject ?? mail.properties?.subject?.default).toBe(
      '{{schedule}}: {{row_count}} rows',
    )
  })

  it('documents every error response as problem+json, and 401 on every protected route', () => {
    for (const [method, path, op] of documentedOperations()) {
      const where = `${method} ${path}`
      expect(
        Object.keys(op.responses).some((s) => s.startsWith('2')),
        where,
      ).toBe(true)
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || path.endsWith('/readyz')) continue
        expect(Object.keys(response.content ?? {}), `${where} ${status}`).toEqual([
          'application/problem+json',
        ])
      }
      const isPublic = Array.isArray(op.security) && op.security.length === 0
      if (!isPublic) expect(Object.keys(op.responses), where).toContain('401')
    }
    expect(doc.components.schemas.Problem).toBeDefined()
  })

  it('marks exactly the routes the API serves without a key as public', async () => {
    for (const [method, path, op] of documentedOperations()) {
      const documentedPublic = Array.isArray(op.security) && op.security.length === 0
      const res = await h.app.request(concrete(path), { method: method.toUpperCase() })
      if (documentedPublic) expect(res.status, `${method} ${path}`).not.toBe(401)
      else expect(res.status, `${method} ${path}`).toBe(401)
    }
  })

  it('serves the Scalar reference pointing at the document', async () => {
    const res = await h.app.request('/api/v1/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await res.text()
    expect(html).toContain('/api/v1/openapi.json')
    // No CDN: the page loads its script from Herald itself, so /docs works on machines without internet access.
    expect(html).toContain('src="/api/v1/docs/scalar.js"')
    expect(html).not.toMatch(/src="https?:/)
    const script = await h.app.request('/api/v1/docs/scalar.js')
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect((await script.text()).length).toBeGreaterThan(100_000)
  })
})
