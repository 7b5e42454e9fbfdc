import { mkdir } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import { serve } from '@hono/node-server'
import { DefaultLogger } from '@temporalio/worker'
import { pino } from 'pino'
import { API_BASE } from '../api/app.js'
import { createHeraldApp } from '../api/herald-app.js'
import { type Config, loadConfig } from '../config.js'
import { connectDatabase } from '../db/client.js'
import { seedDemoData } from '../db/demo.js'
import { migrate } from '../db/migrate.js'
import { openServices } from '../services.js'
import { serveWorkerMetrics } from '../telemetry/metrics-server.js'
import { clientTracingInterceptors, startTracing } from '../telemetry/tracing.js'
import { installWorkerRuntime } from '../telemetry/worker-runtime.js'
import { connectClient, connectWorker } from '../temporal/connection.js'
import { ensureRetentionWorkflow } from '../temporal/retention-workflow.js'
import { createWorker } from '../worker.js'
import { DEMO_SCHEDULE_IDEMPOTENCY_KEY, demoScheduleSpec, ensureDemoList } from './demo.js'
import { persistentSecret } from './dev-secrets.js'
import { leaveShutdownSignalsToCaller, startEmbeddedPostgres } from './embedded-postgres.js'
import { startMailInbox } from './mail-inbox.js'
import { OwnedProcesses } from './owned-processes.js'
import { assertPortsFree, type NeededPort } from './port-check.js'
import { devReaderSource } from './reader-source.js'
import { describeStartupError } from './startup-error.js'
import { startTemporalDevServer } from './temporal-dev-server.js'

/**
 * `npm start`: the whole Herald stack on one machine. Each of Temporal, PostgreSQL and SMTP is embedded unless its
 * env variable (TEMPORAL_ADDRESS, DATABASE_URL, SMTP_URL) points at a real one. Data lives in HERALD_DATA_DIR.
 */
type Stop = () => Promise<unknown>

/** What to undo, in reverse: on Ctrl-C and also when start-up fails half-way, so a failed start leaves nothing running. */
const stops: Stop[] = []

let stopping: Promise<void> | undefined

/** Runs once; a second caller (a failure during Ctrl-C) waits for the same ordered shutdown. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(err))
  })()
  return stopping
}

async function main(): Promise<void> {
  const env = { ...process.env }
  const settings = loadConfig(env)
  // Worker and API share this process: one SDK runtime, installed before any connection, and one tracer provider.
  const runtime = await installWorkerRuntime(settings, new DefaultLogger('WARN'))
  const tracing = startTracing(settings, 'herald')
  const dataDir = resolve(settings.HERALD_DATA_DIR)
  await mkdir(dataDir, { recursive: true, mode: 0o755 })
  const urls: [string, string][] = []
  const log = (line: string) => console.log(`herald: ${line}`)

  const shutdown = async () => {
    log('stopping…')
    await stopAll()
    process.exit(0)
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  process.once('SIGHUP', shutdown) // a closed terminal
  leaveShutdownSignalsToCaller()

  // Servers a crashed earlier start left running on this data folder go first, so their ports are free again.
  const records = new OwnedProcesses(dataDir)
  await records.stopLeftovers(log)
  await assertPortsFree(neededPorts(env, settings))

  // The three backing services start side by side.
  const started = await Promise.allSettled([
    (async () => {
      if (env.TEMPORAL_ADDRESS) return
      const temporal = await startTemporalDevServer({
        dbFilename: join(dataDir, 'temporal.db'),
        port: settings.DEV_TEMPORAL_PORT,
        uiPort: settings.DEV_TEMPORAL_UI_PORT,
        namespace: settings.TEMPORAL_NAMESPACE,
        logFile: join(dataDir, 'temporal.log'),
        records,
        // The UI decrypts payloads through the API (docs/SECURITY.md, What Temporal stores).
        uiCodecEndpoint: `http://localhost:${settings.API_PORT}${API_BASE}/codec`,
      })
      stops.push(temporal.stop)
      env.TEMPORAL_ADDRESS = temporal.address
      env.TEMPORAL_UI_URL ??= temporal.uiUrl
      // The dev UI has no login, so it cannot send an API key: its codec calls from this machine need none.
      env.CODEC_AUTH ??= 'local-ui'
      env.CODEC_CORS_ORIGINS ??= `${temporal.uiUrl},http://127.0.0.1:${settings.DEV_TEMPORAL_UI_PORT}`
      log(`Temporal dev server on ${temporal.address}`)
    })(),
    (async () => {
      if (env.DATABASE_URL) return
      const pg = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: settings.DEV_POSTGRES_PORT,
        database: 'herald',
        persistent: true,
        records,
      })
      stops.push(pg.stop)
      env.DATABASE_URL = pg.url
      log(`embedded PostgreSQL on port ${settings.DEV_POSTGRES_PORT}`)
    })(),
    (async () => {
      if (env.SMTP_URL) return
      const inbox = await startMailInbox({
        smtpPort: settings.DEV_SMTP_PORT,
        webPort: settings.DEV_INBOX_PORT,
        mailDirectory: join(dataDir, 'mail'),
      })
      stops.push(inbox.stop)
      env.SMTP_URL = inbox.smtpUrl
      urls.push(['Inbox (MailDev)', inbox.webUrl])
    })(),
  ])
  const failures = started.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []))
  if (failures.length > 0) throw failures.length === 1 ? failures[0] : new AggregateError(failures)
  // The dev key can do everything, including the admin routes (audit log, SMTP test, suppression removal).
  env.API_KEYS ||= `admin:${await persistentSecret(dataDir, 'dev-api-key', 'hk_dev_')}`
  env.HERALD_SECRET ||= await persistentSecret(dataDir, 'dev-link-secret')
  // Payloads in Temporal are encrypted in dev too; to rotate, put a new `id:key` first in the file, keep the old.
  env.PAYLOAD_ENCRYPTION_KEYS ||= await persistentSecret(dataDir, 'dev-payload-keys', 'dev-1:', 32)
  env.HERALD_DATA_DIR = dataDir
  let config = loadConfig(env)

  const migrator = connectDatabase(config.DATABASE_URL!, { max: 1 })
  await migrate(migrator)
  const demo = await seedDemoData(migrator)
  await ensureDemoList(migrator)
  // Report queries run as a least-privileged reader role (README: Report queries and privileges).
  if (!config.DEFAULT_DATA_SOURCE_URL) {
    const reader = await devReaderSource(migrator, {
      dataDir,
      databaseUrl: config.DATABASE_URL!,
      schemas: config.REPORT_SCHEMAS,
      log,
    })
    if (reader) config = loadConfig({ ...env, DEFAULT_DATA_SOURCE_URL: reader })
  }
  await migrator.end()
  log(`demo data: ${demo.orders} orders${demo.created ? ' (created)' : ''}`)

  const services = await openServices(config)
  stops.push(() => services.close())
  const workerConnection = await connectWorker(config)
  const worker = await createWorker({ config, connection: workerConnection, services, tracing })
  const workerDone = worker.run()
  stops.push(async () => {
    // The SDK also stops the worker on SIGINT/SIGTERM by itself.
    if (worker.getState() === 'RUNNING') worker.shutdown()
    await workerDone
    await workerConnection.close()
  })

  if (config.WORKER_METRICS_PORT !== undefined) {
    const metrics = await serveWorkerMetrics({
      port: config.WORKER_METRICS_PORT,
      metrics: services.metrics,
      runtime,
    })
    stops.push(() => metrics.close())
    urls.push(['Worker metrics', `http://localhost:${metrics.port}/metrics`])
  }
  if (tracing) stops.push(() => tracing.shutdown())
  const client = await connectClient(config, undefined, clientTracingInterceptors(tracing))
  // Retention: expired files and old records are deleted by a workflow of its own (docs/DELIVERY.md).
  await ensureRetentionWorkflow(client, { taskQueue: config.TEMPORAL_TASK_QUEUE })
  const logger = pino({ level: env.LOG_LEVEL ?? 'warn', base: { service: 'herald-api' } })
  // The API gets the database and the client only; the worker's services stay the worker's.
  const { db, artifacts } = services.activityDeps
  const app = createHeraldApp({ config, db, artifacts, client, logger })
  const server = serve({ fetch: app.fetch, port: config.API_PORT })
  stops.push(async () => {
    await new Promise((r) => server.close(r))
    await client.connection.close()
  })

  const apiKey = (config.API_KEYS.find((k) => k.scope === 'admin') ?? config.API_KEYS[0]!).key
  const created = await app.request(`${API_BASE}/schedules`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': DEMO_SCHEDULE_IDEMPOTENCY_KEY,
    },
    body: JSON.stringify(demoScheduleSpec),
  })
  const demoSchedule = (await created.json()) as { id?: string; detail?: string }
  if (!created.ok)
    throw new Error(`could not create the demo schedule: ${demoSchedule.detail ?? created.status}`)
  // First start: one run right away, so the first report is in the inbox now, not at the next minute.
  if (created.status === 201) {
    const triggered = await app.request(`${API_BASE}/schedules/${demoSchedule.id}/trigger`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'first start of the demo' }),
    })
    if (!triggered.ok)
      log(`could not trigger the demo schedule (${triggered.status}); it runs every minute anyway`)
  }

  const api = `http://localhost:${config.API_PORT}${API_BASE}`
  urls.unshift(['API', api], ['API docs', `${api}/docs`])
  if (config.TEMPORAL_UI_URL) urls.push(['Temporal UI', config.TEMPORAL_UI_URL])
  const width = Math.max(...urls.map(([name]) => name.length))
  console.log(
    [
      '',
      `Herald is running. Ctrl-C stops everything; data is kept in ${shownPath(dataDir)}/.`,
      '',
      ...urls.map(([name, url]) => `  ${name.padEnd(width)}  ${url}`),
      `  ${'API key'.padEnd(width)}  ${apiKey}`,
      '',
      `  Demo schedule ${demoSchedule.id}: "${demoScheduleSpec.name}", every minute (Europe/Berlin), PDF + Excel.`,
      `  Try: curl -H "Authorization: Bearer ${apiKey}" ${api}/schedules/${demoSchedule.id}`,
      '',
    ].join('\n'),
  )
  await workerDone
}

/** Relative to the cwd when inside it (`.herald`), else absolute. */
function shownPath(path: string): string {
  const inside = relative(process.cwd(), path)
  return inside && !inside.startsWith('..') ? inside : path
}

/** Each port a server of this start binds, with the setting that moves it; only for the servers it embeds. */
function neededPorts(env: NodeJS.ProcessEnv, settings: Config): NeededPort[] {
  const host = '127.0.0.1'
  return [
    ...(env.TEMPORAL_ADDRESS
      ? []
      : [
          {
            port: settings.DEV_TEMPORAL_PORT,
            component: 'Temporal dev server',
            setting: 'DEV_TEMPORAL_PORT',
            host,
          },
          {
            port: settings.DEV_TEMPORAL_UI_PORT,
            component: 'Temporal UI',
            setting: 'DEV_TEMPORAL_UI_PORT',
            host,
          },
        ]),
    ...(env.DATABASE_URL
      ? []
      : [
          {
            port: settings.DEV_POSTGRES_PORT,
            component: 'embedded PostgreSQL',
            setting: 'DEV_POSTGRES_PORT',
            host,
          },
        ]),
    ...(env.SMTP_URL
      ? []
      : [
          { port: settings.DEV_SMTP_PORT, component: 'MailDev SMTP server', setting: 'DEV_SMTP_PORT', host },
          { port: settings.DEV_INBOX_PORT, component: 'MailDev inbox', setting: 'DEV_INBOX_PORT', host },
        ]),
    { port: settings.API_PORT, component: 'Herald API', setting: 'API_PORT' },
  ]
}

main().catch(async (err) => {
  const lines = describeStartupError(err).split('\n')
  console.error(lines.map((line) => (line.startsWith(' ') ? line : `herald: ${line}`)).join('\n'))
  await stopAll()
  process.exit(1)
})
