import { createRoute, z } from '@hono/zod-openapi'
import { problemResponses } from '../problems.js'
import { publicRoute } from '../scopes.js'

const tags = ['Health']

const checkSchema = z.object({ ok: z.boolean(), error: z.string().optional() })
export const readinessSchema = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.object({ temporal: checkSchema, database: checkSchema }),
  })
  .openapi('Readiness')

export const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags,
  ...publicRoute,
  summary: 'Liveness: the process is up',
  responses: {
    200: {
      description: 'Alive',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
    },
  },
})

export const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags,
  ...publicRoute,
  summary: 'Readiness: Temporal and PostgreSQL are reachable',
  description:
    'What the API process itself uses. SMTP belongs to the worker: check it with POST /smtp/verify.',
  responses: {
    200: {
      description: 'Every dependency answered',
      content: { 'application/json': { schema: readinessSchema } },
    },
    503: {
      description: 'At least one dependency failed',
      content: { 'application/json': { schema: readinessSchema } },
    },
  },
})

export const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags,
  ...publicRoute,
  summary: 'Prometheus metrics (request counts and latency by route and status)',
  responses: {
    200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
    ...problemResponses(500),
  },
})

export type HealthzRoute = typeof healthz
export type ReadyzRoute = typeof readyz
export type MetricsRoute = typeof metrics
