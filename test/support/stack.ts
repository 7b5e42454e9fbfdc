import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '@temporalio/client'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { pino } from 'pino'
import { inject } from 'vitest'
import { type ApiResources, createHeraldApp, openApiResources } from '../../src/api/herald-app.js'
import { type Config, loadConfig } from '../../src/config.js'
import { openServices, type Services } from '../../src/services.js'
import type { Tracing } from '../../src/telemetry/tracing.js'
import { createWorker } from '../../src/worker.js'
import { TestSmtpServer } from './smtp.js'
import { createLocalEnv, type LocalEnvOptions, TEST_PAYLOAD_KEYS, workflowBundle } from './temporal.js'

/**
 * Herald as deployed, on real parts: a Temporal dev server, the suite's PostgreSQL, an in-process SMTP server, the
 * worker with the real activities, and the API with its own database pool and a Temporal client, nothing of the
 * worker's. For end-to-end tests; each file builds one in beforeAll and stops it in afterAll.
 */
export interface HeraldStack {
  env: TestWorkflowEnvironment
  smtp: TestSmtpServer
  config: Config
  services: Services
  api: ApiResources
  app: ReturnType<typeof createHeraldApp>
  stop(): Promise<void>
}

export interface HeraldStackOptions {
  /** Names the task queue, the artifact directory and the secret, so files never share them. */
  name: string
  apiKeys: string
  /** More settings (PUBLIC_URL, TEMPORAL_UI_URL, WORKER_METRICS_PORT, …). */
  settings?: Record<string, string>
  /** Faults to arm on the SMTP server before it starts. */
  arm?: (smtp: TestSmtpServer) => void
  /**
   * Runs after the config is loaded, before the first Temporal connection (the SDK runtime, a tracer); a tracing
   * it returns is given to the worker.
   */
  beforeTemporal?: (config: Config) => Promise<{ tracing?: Tracing } | undefined>
  /** The API's Temporal client; by default the environment's (it encrypts as connectClient does). */
  client?: (env: TestWorkflowEnvironment) => Client
  /** The dev server's options, e.g. its Web UI; payloads stay encrypted unless this says otherwise. */
  temporal?: LocalEnvOptions
}

export async function startHeraldStack(options: HeraldStackOptions): Promise<HeraldStack> {
  const smtp = new TestSmtpServer()
  options.arm?.(smtp)
  await smtp.start()
  const artifactDir = await mkdtemp(join(tmpdir(), `herald-${options.name}-`))
  // The embedded PostgreSQL runs as another user when tests run as root.
  await chmod(artifactDir, 0o755)
  const config = loadConfig({
    DATABASE_URL: inject('databaseUrl'),
    DEFAULT_DATA_SOURCE_URL: inject('readerDatabaseUrl'),
    SMTP_URL: smtp.url,
    API_KEYS: options.apiKeys,
    HERALD_SECRET: `${options.name}-secret-0123456789abcdef`,
    TEMPORAL_TASK_QUEUE: `${options.name}-${process.pid}`,
    ARTIFACT_DIR: artifactDir,
    PAYLOAD_ENCRYPTION_KEYS: TEST_PAYLOAD_KEYS,
    ...options.settings,
  })
  const { tracing } = (await options.beforeTemporal?.(config)) ?? {}
  const env = await createLocalEnv(options.temporal)
  const services = await openServices(config)
  const worker = await createWorker({
    config,
    connection: env.nativeConnection,
    services,
    workflowBundle: await workflowBundle(),
    tracing,
  })
  const workerRun = worker.run()
  const api = await openApiResources(config)
  const client = options.client?.(env) ?? env.client
  const app = createHeraldApp({ ...api, config, client, logger: pino({ level: 'silent' }) })
  return {
    env,
    smtp,
    config,
    services,
    api,
    app,
    async stop() {
      worker.shutdown()
      await workerRun
      await services.close()
      await api.close()
      await smtp.stop()
      await env.teardown()
      await rm(artifactDir, { recursive: true, force: true })
    },
  }
}
