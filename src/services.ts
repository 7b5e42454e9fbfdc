import { DataSources } from './activities/data/data-sources.js'
import type { ActivityDeps } from './activities/index.js'
import { createMailer } from './activities/mail/smtp-transport.js'
import { LocalArtifactStore } from './artifacts/local-artifact-store.js'
import { artifactDir, type Config, ConfigError } from './config.js'
import { connectDatabase, type Database } from './db/client.js'
import { migrate } from './db/migrate.js'
import { publicUrl, signingSecret } from './security/signing-secret.js'
import { WorkerMetrics } from './telemetry/worker-metrics.js'

/** The long-lived resources a Herald process holds: database pools, artifact store, SMTP pool. */
export interface Services {
  db: Database
  activityDeps: ActivityDeps
  /** Herald's worker metrics, recorded by the activities, served by the worker's metrics endpoint. */
  metrics: WorkerMetrics
  close(): Promise<void>
}

export async function openServices(config: Config): Promise<Services> {
  if (!config.DATABASE_URL) throw new ConfigError('Invalid configuration:\n  DATABASE_URL: required')
  if (!config.SMTP_URL) throw new ConfigError('Invalid configuration:\n  SMTP_URL: required')
  const db = connectDatabase(config.DATABASE_URL)
  // Every process migrates on start; an advisory lock makes concurrent starts safe.
  await migrate(db)
  const dataSources = new DataSources(
    {
      default: { url: config.DEFAULT_DATA_SOURCE_URL ?? config.DATABASE_URL, schemas: config.REPORT_SCHEMAS },
      ...config.DATA_SOURCES,
    },
    { allowPrivileged: config.DATA_SOURCE_ALLOW_PRIVILEGED },
  )
  const artifacts = new LocalArtifactStore({
    dir: artifactDir(config),
    db,
    retentionDays: config.ARTIFACT_RETENTION_DAYS,
  })
  const deliveryLocks = connectDatabase(config.DATABASE_URL, {
    max: config.DELIVERY_LOCK_CONNECTIONS,
    applicationName: 'herald-delivery-locks',
  })
  const mailer = createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM })
  const metrics = new WorkerMetrics({
    db,
    onError: (err) => console.warn(`herald: metrics: schedules by status not read: ${err}`),
  })
  return {
    db,
    metrics,
    activityDeps: {
      db,
      deliveryLocks,
      dataSources,
      artifacts,
      mailer,
      config,
      publicUrl: publicUrl(config),
      secret: signingSecret(config),
      metrics,
    },
    async close() {
      mailer.close()
      await dataSources.close()
      await deliveryLocks.end({ timeout: 5 })
      await db.end({ timeout: 5 })
    },
  }
}
