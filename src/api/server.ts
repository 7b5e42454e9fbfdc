import { serve } from '@hono/node-server'
import { pino } from 'pino'
import { createDataActivities } from '../activities/data/run-query.js'
import { createRenderActivities } from '../activities/render/render-report.js'
import { loadConfig } from '../config.js'
import { isEntryPoint } from '../entry-point.js'
import { openServices } from '../services.js'
import { connectClient } from '../temporal/connection.js'
import { API_BASE, createApp } from './app.js'
import { createPreview } from './schedules/preview.js'
import { smtpCheckFor } from './smtp/smtp-check.js'

/** Starts the Herald API on API_PORT: `node --import tsx src/api/server.ts` (the worker runs separately). */
async function run(): Promise<void> {
  const config = loadConfig()
  const logger = pino({ level: config.LOG_LEVEL, base: { service: 'herald-api' } })
  const services = await openServices(config)
  const client = await connectClient(config)
  const { dataSources, artifacts, mailer, db } = services.activityDeps
  const { runQuery } = createDataActivities({
    dataSources,
    artifacts,
    defaults: { maxRows: config.QUERY_MAX_ROWS, timeoutMs: config.QUERY_TIMEOUT_MS },
  })
  const { renderReport } = createRenderActivities({ artifacts })
  const app = createApp({
    temporal: {
      client,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      namespace: config.TEMPORAL_NAMESPACE,
      uiUrl: config.TEMPORAL_UI_URL,
    },
    db,
    config,
    preview: createPreview({
      runQuery,
      renderReport,
      previousFingerprint: async (scheduleId) => {
        const [row] = await db<{ fingerprint: string }[]>`
          SELECT fingerprint FROM herald.runs WHERE schedule_id = ${scheduleId} AND fingerprint IS NOT NULL
          ORDER BY fire_time DESC LIMIT 1`
        return row?.fingerprint
      },
    }),
    smtp: smtpCheckFor(mailer),
    artifacts,
    logger,
  })
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
      await services.close()
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
