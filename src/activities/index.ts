import type { ArtifactStore } from '../artifacts/artifact-store.js'
import type { Config } from '../config.js'
import type { Database } from '../db/client.js'
import type { WorkerMetrics } from '../telemetry/worker-metrics.js'
import type { DataSources } from './data/data-sources.js'
import { createDataActivities } from './data/run-query.js'
import { createDestinationActivities } from './destinations/deliver.js'
import { createDestinationHttp } from './destinations/destination-http.js'
import { createLedgerActivities } from './ledger/index.js'
import { createMailActivities } from './mail/deliver.js'
import { createEscalationActivities } from './mail/escalation-notice.js'
import { createPreferenceActivities } from './mail/recipient-preferences.js'
import { createSmtpCheckActivities } from './mail/smtp-check.js'
import type { Mailer } from './mail/smtp-transport.js'
import { createRetentionActivities } from './maintenance/retention.js'
import { createRenderActivities } from './render/index.js'

export interface ActivityDeps {
  db: Database
  /** A separate pool for delivery locks (see deliveryLedger). */
  deliveryLocks: Database
  dataSources: DataSources
  artifacts: ArtifactStore
  mailer: Mailer
  config: Config
  publicUrl: string
  secret: string
  /** Herald's worker metrics; activities record them (docs/OBSERVABILITY.md). */
  metrics?: WorkerMetrics
}

/** Every activity the workflows call, built from injected dependencies so tests pass real or fake parts. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createDataActivities({
      dataSources: deps.dataSources,
      artifacts: deps.artifacts,
      defaults: { maxRows: deps.config.QUERY_MAX_ROWS, timeoutMs: deps.config.QUERY_TIMEOUT_MS },
      metrics: deps.metrics,
    }),
    ...createRenderActivities({ artifacts: deps.artifacts, metrics: deps.metrics }),
    ...createMailActivities({
      db: deps.db,
      deliveryLocks: deps.deliveryLocks,
      artifacts: deps.artifacts,
      mailer: deps.mailer,
      publicUrl: deps.publicUrl,
      secret: deps.secret,
      limits: {
        maxAttachmentBytes: deps.config.MAX_ATTACHMENT_BYTES,
        maxMessageBytes: deps.config.MAX_MESSAGE_BYTES,
      },
      metrics: deps.metrics,
    }),
    ...createSmtpCheckActivities({ mailer: deps.mailer }),
    ...createEscalationActivities({ db: deps.db, mailer: deps.mailer, publicUrl: deps.publicUrl }),
    ...createPreferenceActivities({ db: deps.db }),
    ...createDestinationActivities({
      db: deps.db,
      deliveryLocks: deps.deliveryLocks,
      artifacts: deps.artifacts,
      http: createDestinationHttp(
        {
          allowHttp: deps.config.DESTINATION_ALLOW_HTTP,
          allowPrivate: deps.config.DESTINATION_ALLOW_PRIVATE_ADDRESSES,
        },
        deps.config.DESTINATION_TIMEOUT_MS,
      ),
      payloadKeys: deps.config.PAYLOAD_ENCRYPTION_KEYS,
      slackApiUrl: deps.config.SLACK_API_URL,
      timeoutMs: deps.config.DESTINATION_TIMEOUT_MS,
      publicUrl: deps.publicUrl,
      secret: deps.secret,
    }),
    ...createLedgerActivities({ db: deps.db, metrics: deps.metrics }),
    ...createRetentionActivities({
      db: deps.db,
      artifacts: deps.artifacts,
      settings: {
        recordRetentionDays: deps.config.RECORD_RETENTION_DAYS,
        intervalMinutes: deps.config.RETENTION_INTERVAL_MINUTES,
      },
      metrics: deps.metrics,
    }),
  }
}

export type HeraldActivities = ReturnType<typeof createActivities>
