import type { Client } from '@temporalio/client'
import type { Logger } from 'pino'
import { LocalArtifactStore } from '../artifacts/local-artifact-store.js'
import { artifactDir, type Config, ConfigError } from '../config.js'
import { connectDatabase, type Database } from '../db/client.js'
import { migrate } from '../db/migrate.js'
import { searchAttributesCheck } from '../temporal/search-attribute-registry.js'
import { createApp } from './app.js'
import type { AppDeps } from './deps.js'
/** What the API process holds: the database (its pool also reads artifact metadata) and the rendered files. */
export interface ApiResources {
  db: Database
  artifacts: AppDeps['artifacts']
  close(): Promise<void>
}

/** Opens the API's own resources; the Temporal client is connected by the caller. No mailer, no data sources. */
export async function openApiResources(config: Config): Promise<ApiResources> {
  if (!config.DATABASE_URL) throw new ConfigError('Invalid configuration:\n  DATABASE_URL: required')
  const db = connectDatabase(config.DATABASE_URL)
  // Every process migrates on start; an advisory lock makes concurrent starts safe.
  await migrate(db)
  return {
    db,
    artifacts: new LocalArtifactStore({ dir: artifactDir(config), db }),
    close: () => db.end({ timeout: 5 }),
  }
}

/** The API wired to real parts: used by the standalone server and the embedded dev stack alike. */
export function createHeraldApp(options: {
  config: Config
  db: Database
  artifacts: AppDeps['artifacts']
  client: Client
  logger: Logger
}) {
  const { config, db, artifacts, client, logger } = options
  return createApp({
    temporal: {
      client,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      namespace: config.TEMPORAL_NAMESPACE,
      uiUrl: config.TEMPORAL_UI_URL,
      searchAttributesRegistered: searchAttributesCheck(client.connection, config.TEMPORAL_NAMESPACE),
    },
    db,
    config,
    artifacts,
    logger,
  })
}
