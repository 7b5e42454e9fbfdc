import type { Client } from '@temporalio/client'
import type { Logger } from 'pino'
import { createDataActivities } from '../activities/data/run-query.js'
import { createRenderActivities } from '../activities/render/render-report.js'
import type { Config } from '../config.js'
import type { Services } from '../services.js'
import { createApp } from './app.js'
import { createPreview } from './schedules/preview.js'
import { smtpCheckFor } from './smtp/smtp-check.js'

/** The API wired to real services: used by the standalone server and the embedded dev stack alike. */
export function createHeraldApp(options: {
  config: Config
  services: Services
  client: Client
  logger: Logger
}) {
  const { config, services, client, logger } = options
  const { dataSources, artifacts, mailer, db } = services.activityDeps
  const { runQuery } = createDataActivities({
    dataSources,
    artifacts,
    defaults: { maxRows: config.QUERY_MAX_ROWS, timeoutMs: config.QUERY_TIMEOUT_MS },
  })
  const { renderReport } = createRenderActivities({ artifacts })
  return createApp({
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
}
