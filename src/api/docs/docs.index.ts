import type { OpenAPIHono } from '@hono/zod-openapi'
import { Scalar } from '@scalar/hono-api-reference'
import { createRouter } from '../create-router.js'
import type { AppBindings } from '../deps.js'
import * as routes from './docs.routes.js'

const DESCRIPTION = `Durable scheduled report delivery on Temporal.

Authenticate with \`Authorization: Bearer <API key>\` (keys come from \`API_KEYS\`). Errors are RFC 9457
problem details (\`application/problem+json\`); validation problems list the failing fields in \`errors\`.`

/** Serves /openapi.json and /docs, generated from every route registered on `app` (read at request time). */
export function docsRouter(app: OpenAPIHono<AppBindings>, basePath: string) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of the keys in API_KEYS',
  })
  const reference = Scalar<AppBindings>({ url: `${basePath}/openapi.json`, pageTitle: 'Herald API' })
  return createRouter()
    .openapi(routes.openapiDocument, (c) =>
      c.json(
        app.getOpenAPI31Document({
          openapi: '3.1.0',
          info: { title: 'Herald API', version: '1.0.0', description: DESCRIPTION },
          security: [{ bearerAuth: [] }],
        }) as unknown as Record<string, unknown>,
        200,
      ),
    )
    .openapi(routes.reference, async (c) => (await reference(c, async () => {})) ?? c.res)
}
