import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { serve } from '@hono/node-server'
import { DefaultLogger, Runtime } from '@temporalio/worker'
import { pino } from 'pino'
import { API_BASE } from '../api/app.js'
import { createHeraldApp } from '../api/herald-app.js'
import { loadConfig } from '../config.js'
import { connectDatabase } from '../db/client.js'
import { seedDemoData } from '../db/demo.js'
import { migrate } from '../db/migrate.js'
import { openServices } from '../services.js'
import { connectClient, connectWorker } from '../temporal/connection.js'
import { createWorker } from '../worker.js'
import { DEMO_SCHEDULE_IDEMPOTENCY_KEY, demoScheduleSpec, ensureDemoList } from './demo.js'
import { persistentSecret } from './dev-secrets.js'
import { startEmbeddedPostgres } from './embedded-postgres.js'
import { startMailInbox } from './mail-inbox.js'
import { devReaderSource } from './reader-source.js'
import { startTemporalDevServer } from './temporal-dev-server.js'

/**
 * `npm start`: the whole Herald stack on one machine. Each of Temporal, PostgreSQL and SMTP is embedded unless its
 * env variable (TEMPORAL_ADDRESS, DATABASE_URL, SMTP_URL) points at a real one. Data lives in HERALD_DATA_DIR.
 */
const PORTS = { temporal: 7233, temporalUi: 8233, postgres: 5433, smtp: 1025, inbox: 1080 }

type Stop = () => Promise<unknown>

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') })
  const env = { ...process.env }
  const dataDir = resolve(env.HERALD_DATA_DIR ?? '.herald')
  await mkdir(dataDir, { recursive: true, mode: 0o755 })
  const stops: Stop[] = []
  const urls: [string, string][] = []
  const log = (line: string) => console.log(`herald: ${line}`)

  const shutdown = async () => {
    log('stopping…')
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(err))
    process.exit(0)
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)

  // The three backing services start side by side.
  await Promise.all([
    (async () => {
      if (env.TEMPORAL_ADDRESS) return
      const temporal = await startTemporalDevServer({
        dbFilename: join(dataDir, 'temporal.db'),
        port: PORTS.temporal,
        uiPort: PORTS.temporalUi,
        namespace: env.TEMPORAL_NAMESPACE ?? 'default',
      })
      stops.push(temporal.stop)
      env.TEMPORAL_ADDRESS = temporal.address
      env.TEMPORAL_UI_URL ??= temporal.uiUrl
      log(`Temporal dev server on ${temporal.address}`)
    })(),
    (async () => {
      if (env.DATABASE_URL) return
      const pg = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: PORTS.postgres,
        database: 'herald',
        persistent: true,
      })
      stops.push(pg.stop)
      env.DATABASE_URL = pg.url
      log(`embedded PostgreSQL on port ${PORTS.postgres}`)
    })(),
    (async () => {
      if (env.SMTP_URL) return
      const inbox = await startMailInbox({
        smtpPort: PORTS.smtp,
        webPort: PORTS.inbox,
        mailDirectory: join(dataDir, 'mail'),
      })
      stops.push(inbox.stop)
      env.SMTP_URL = inbox.smtpUrl
      urls.push(['Inbox (MailDev)', inbox.webUrl])
    })(),
  ])
  // The dev key can do everything, including the admin routes (audit log, SMTP test, suppression removal).
  env.API_KEYS ||= `admin:${await persistentSecret(dataDir, 'dev-api-key', 'hk_dev_')}`
  env.HERALD_SECRET ||= await persistentSecret(dataDir, 'dev-link-secret')
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
  const worker = await createWorker({ config, connection: workerConnection, services })
  const workerDone = worker.run()
  stops.push(async () => {
    // The SDK also stops the worker on SIGINT/SIGTERM by itself.
    if (worker.getState() === 'RUNNING') worker.shutdown()
    await workerDone
    await workerConnection.close()
  })

  const client = await connectClient(config)
  const logger = pino({ level: env.LOG_LEVEL ?? 'warn', base: { service: 'herald-api' } })
  const app = createHeraldApp({ config, services, client, logger })
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
      'Herald is running. Ctrl-C stops everything; data is kept in .herald/.',
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

main().catch((err) => {
  console.error(`herald: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
