import { createRoute, z } from '@hono/zod-openapi'
import { problemResponses } from '../problems.js'
import { publicRoute } from '../scopes.js'

export const download = createRoute({
  method: 'get',
  path: '/artifacts/{id}',
  tags: ['Artifacts'],
  ...publicRoute,
  summary: 'Download a rendered report through a signed, expiring link',
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(200)
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
    query: z.object({ sig: z.string().min(1).max(1000).openapi({ description: 'Signature from the link' }) }),
  },
  responses: {
    200: {
      description: 'The file, with Content-Type and Content-Disposition',
      content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
    },
    ...problemResponses(403, 410, 422, 500),
  },
})

export type DownloadRoute = typeof download
