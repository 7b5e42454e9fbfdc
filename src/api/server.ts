import { serve } from '@hono/node-server'
import { pino } from 'pino'
import { loadConfig } from '../config.js'
import { isEntryPoint } from '../entry-point.js'
import { clientTracingInterceptors, startTracing } from '../telemetry/tracing.js'
import { connectClient } from '../temporal/connection.js'
import { API_BASE } from './app.js'
import { createHeraldApp, openApiResources } from './herald-app.js'

/** Starts the Herald API on API_PORT: `node --import tsx src/api/server.ts` (the worker runs separately). */
async function run(): Promise<void> {
  const config = loadConfig()
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'herald-api' } })
  // The database and the Temporal client only: queries, rendering and mail run on the worker.
  const resources = await openApiResources(config)
  const tracing = startTracing(config, 'herald-api')
  const client = await connectClient(config, undefined, clientTracingInterceptors(tracing))
  const app = createHeraldApp({ config, db: resources.db, artifacts: resources.artifacts, client, logger })
  if (config.API_KEYS.length === 0) logger.warn('API_KEYS is not set: every protected route answers 401')
  const server = serve({ fetch: app.fetch, port: config.API_PORT }, (info) => {
    logger.info(
      { port: info.port },
      `Herald API on http://localhost:${info.port}${API_BASE} (docs at ${API_BASE}/docs)`,
    )
  })
  const shutdown = () => {
    server.close(async () => {
      await client.connection.close()
      await resources.close()
      await tracing?.shutdown()
      process.exit(0)
    })
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

if (isEntryPoint(import.meta.url)) {
  run().catch((err) => {
    console.error(err)
    process.exit(1)
  })
}
