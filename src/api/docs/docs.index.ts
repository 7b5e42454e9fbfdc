import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { Scalar } from '@scalar/hono-api-reference'
import { createRouter } from '../create-router.js'
import type { AppBindings } from '../deps.js'
import * as routes from './docs.routes.js'

// The package exports no path to its browser bundle, so it is found next to the resolved package entry.
const SCALAR_BUNDLE = join(
  dirname(createRequire(import.meta.url).resolve('@scalar/api-reference')).replace(/dist(\/.*)?$/, 'dist'),
  'browser/standalone.js',
)
let scalarBundle: Promise<string> | undefined

const DESCRIPTION = `Durable scheduled report delivery on Temporal.

Authenticate with \`Authorization: Bearer <API key>\` (keys come from \`API_KEYS\`). Each key has a scope,
\`read\` (GET), \`write\` (manage schedules and lists) or \`admin\` (suppressions, SMTP checks, audit log), and
each operation names the scope it needs in \`x-herald-scope\`; a key below it gets 403. Errors are RFC 9457
problem details (\`application/problem+json\`); validation problems list the failing fields in \`errors\`.`

/** Serves /openapi.json and /docs, generated from every route registered on `app` (read at request time). */
export function docsRouter(app: OpenAPIHono<AppBindings>, basePath: string) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'One of the keys in API_KEYS; each operation names the scope it needs (read, write or admin)',
  })
  const reference = Scalar<AppBindings>({
    url: `${basePath}/openapi.json`,
    pageTitle: 'Herald API',
    cdn: `${basePath}/docs/scalar.js`,
    // Nothing from the internet: the system fonts instead of Scalar's, and no "Ask AI" (it sends the document to Scalar).
    withDefaultFonts: false,
    agent: { disabled: true },
  })
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
    .openapi(routes.referenceScript, async (c) => {
      scalarBundle ??= readFile(SCALAR_BUNDLE, 'utf8')
      c.header('Cache-Control', 'public, max-age=86400')
      return c.body(await scalarBundle, 200, { 'Content-Type': 'text/javascript; charset=utf-8' })
    })
}
