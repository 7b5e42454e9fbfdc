import { createRoute, z } from '@hono/zod-openapi'
import { publicRoute } from '../scopes.js'

const tags = ['Documentation']

export const openapiDocument = createRoute({
  method: 'get',
  path: '/openapi.json',
  tags,
  ...publicRoute,
  summary: 'This API as an OpenAPI 3.1 document',
  responses: {
    200: {
      description: 'OpenAPI 3.1',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
  },
})

export const reference = createRoute({
  method: 'get',
  path: '/docs',
  tags,
  ...publicRoute,
  summary: 'Interactive API reference (Scalar)',
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
})

export const referenceScript = createRoute({
  method: 'get',
  path: '/docs/scalar.js',
  tags,
  ...publicRoute,
  summary: 'The Scalar reference bundle, served locally so /docs works without internet access',
  responses: {
    200: { description: 'JavaScript', content: { 'text/javascript': { schema: z.string() } } },
  },
})
