import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Client } from '@temporalio/client'
import { DefaultLogger, Runtime } from '@temporalio/worker'
import { API_BASE } from '../../src/api/app.js'
import { artifactDir, type Config, loadConfig } from '../../src/config.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import { seedDemoData } from '../../src/db/demo.js'
import { migrate } from '../../src/db/migrate.js'
import { ensureReaderRole, readerUrl } from '../../src/db/reader-role.js'
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres.js'
import { startTemporalDevServer } from '../../src/dev/temporal-dev-server.js'
import type { ScheduleSpec } from '../../src/domain/schedule.js'
import { connectClient } from '../../src/temporal/connection.js'
import { freePort } from '../../test/support/ports.js'
import { answers, type ChildService, outputContains, startChildService } from './child-service.js'
import { type MailSink, startMailSink } from './mail-sink.js'

/**
 * A throw-away Herald stack for one benchmark: Temporal dev server (SQLite file, ports 17233/18233 so a running
 * `npm start` is left alone), embedded PostgreSQL migrated with the demo data, and an in-process SMTP sink.
 * Herald's worker and API run as child processes started from their real entry points (src/worker.ts, which
 * calls createWorker with openServices; src/api/server.ts).
 */
export const BENCH_TEMPORAL_PORT = 17233
export const BENCH_TEMPORAL_UI_PORT = 18233
/** Rate limiting is per API key (20 req/s); load tests spread requests over this many keys. */
export const BENCH_API_KEY_COUNT = 20

const WORKER_SCRIPT = fileURLToPath(new URL('../../src/worker.ts', import.meta.url))
const API_SCRIPT = fileURLToPath(new URL('../../src/api/server.ts', import.meta.url))
const NATIVE_WORKER_SCRIPT = fileURLToPath(new URL('./native-worker.ts', import.meta.url))
const LIMIT_RUNNER_SCRIPT = fileURLToPath(new URL('./limit-runner.ts', import.meta.url))
export const NATIVE_TASK_QUEUE = 'herald-native-bench'
const BENCH_READER = {
  role: 'herald_reader',
  password: 'herald_reader_bench',
  schemas: ['demo'],
  revokeFromPublic: true,
}

export interface BenchStack {
  dir: string
  config: Config
  /** Environment for Herald processes started for this stack. */
  env: NodeJS.ProcessEnv
  db: Database
  client: Client
  sink: MailSink
  apiKeys: string[]
  /** The Temporal dev server's process (measured with its descendants). */
  temporalPid: number
  /** The embedded PostgreSQL's postmaster (measured with its backends and helpers). */
  postgresPid: number
  temporalDbBytes(): Promise<number>
  /** Files in the artifact store (rendered reports, query results) and their total size. */
  artifactUsage(): Promise<{ files: number; bytes: number }>
  startHeraldWorker(): Promise<ChildService>
  startNativeWorker(): Promise<ChildService>
  startApi(): Promise<{ service: ChildService; baseUrl: string }>
  /** The burst's limit baseline (limit-runner.ts), ready and waiting for `at`. */
  startLimitRunner(options: LimitRun): Promise<ChildService>
  stop(): Promise<void>
}

export interface LimitRun {
  runs: number
  at: Date
  spec: ScheduleSpec
  schedulePrefix: string
  concurrency: number
}

export async function startBenchStack(name: string): Promise<BenchStack> {
  Runtime.install({ logger: new DefaultLogger('WARN') })
  const dir = await mkdtemp(join(tmpdir(), `herald-bench-${name}-`))
  // As root, PostgreSQL runs as `postgres`, which must be able to enter this directory.
  await chmod(dir, 0o755)
  const stops: (() => Promise<unknown>)[] = []
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => console.error(err))
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const temporalDb = join(dir, 'temporal.db')
    const pgPort = await freePort()
    const [temporal, pg, sink] = await Promise.all([
      startTemporalDevServer({
        dbFilename: temporalDb,
        port: BENCH_TEMPORAL_PORT,
        uiPort: BENCH_TEMPORAL_UI_PORT,
        namespace: 'default',
      }),
      startEmbeddedPostgres({
        dataDir: join(dir, 'postgres'),
        port: pgPort,
        database: 'herald',
        persistent: false,
      }),
      startMailSink(),
    ])
    stops.push(temporal.stop, pg.stop, sink.stop)
    const postgresPid = Number.parseInt(
      (await readFile(join(dir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]!,
      10,
    )

    const apiKeys = Array.from({ length: BENCH_API_KEY_COUNT }, (_, i) => `hk_bench_key_${i}_${name}`)
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'herald',
      DATABASE_URL: pg.url,
      // Report queries run as a reader role, as in a real deployment (created below, after the demo data).
      DEFAULT_DATA_SOURCE_URL: readerUrl(pg.url, BENCH_READER.role, BENCH_READER.password),
      SMTP_URL: sink.url,
      API_KEYS: apiKeys.map((key) => `admin:${key}`).join(','),
      HERALD_SECRET: 'bench-link-secret-0123456789',
      HERALD_DATA_DIR: join(dir, 'herald'),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    }
    const config = loadConfig(env)

    const migrator = connectDatabase(pg.url, { max: 1 })
    await migrate(migrator)
    await seedDemoData(migrator)
    await ensureReaderRole(migrator, BENCH_READER)
    await migrator.end()
    const db = connectDatabase(pg.url, { max: 5, applicationName: 'herald-bench' })
    stops.push(() => db.end({ timeout: 5 }))
    const client = await connectClient(config)
    stops.push(() => client.connection.close())

    const started = (service: ChildService) => {
      stops.push(service.stop)
      return service
    }
    return {
      dir,
      config,
      env,
      db,
      client,
      sink,
      apiKeys,
      temporalPid: temporal.pid,
      postgresPid,
      artifactUsage: () => directoryUsage(artifactDir(config)),
      temporalDbBytes: async () => {
        let total = 0
        for (const suffix of ['', '-wal', '-shm'])
          total += await stat(temporalDb + suffix).then(
            (s) => s.size,
            () => 0,
          )
        return total
      },
      startHeraldWorker: async () =>
        started(
          await startChildService({
            script: WORKER_SCRIPT,
            env,
            logFile: join(dir, 'worker.log'),
            ready: outputContains('Herald worker polling'),
          }),
        ),
      startNativeWorker: async () =>
        started(
          await startChildService({
            script: NATIVE_WORKER_SCRIPT,
            env: { ...env, TEMPORAL_TASK_QUEUE: NATIVE_TASK_QUEUE },
            logFile: join(dir, 'native-worker.log'),
            ready: outputContains('native bench worker polling'),
          }),
        ),
      startApi: async () => {
        const port = await freePort()
        const baseUrl = `http://127.0.0.1:${port}${API_BASE}`
        const service = await startChildService({
          script: API_SCRIPT,
          env: { ...env, API_PORT: String(port) },
          logFile: join(dir, 'api.log'),
          ready: answers(`${baseUrl}/healthz`),
        })
        return { service: started(service), baseUrl }
      },
      startLimitRunner: async (run) =>
        started(
          await startChildService({
            script: LIMIT_RUNNER_SCRIPT,
            env: {
              ...env,
              LIMIT_RUNS: String(run.runs),
              LIMIT_AT: String(run.at.getTime()),
              LIMIT_SPEC: JSON.stringify(run.spec),
              LIMIT_SCHEDULE_PREFIX: run.schedulePrefix,
              LIMIT_CONCURRENCY: String(run.concurrency),
            },
            logFile: join(dir, 'limit-runner.log'),
            ready: outputContains('limit runner ready'),
          }),
        ),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}

/** Runs the benchmark body against a fresh stack and always tears the stack down. */
export async function withBenchStack(
  name: string,
  body: (stack: BenchStack) => Promise<void>,
): Promise<void> {
  const stack = await startBenchStack(name)
  try {
    await body(stack)
  } finally {
    await stack.stop()
  }
}

/** Files directly in `dir` (the artifact store is flat) and their bytes; nothing yet when it does not exist. */
async function directoryUsage(dir: string): Promise<{ files: number; bytes: number }> {
  const names = await readdir(dir).catch(() => [] as string[])
  const sizes = await Promise.all(
    names.map((name) =>
      stat(join(dir, name)).then(
        (s) => (s.isFile() ? s.size : 0),
        () => 0,
      ),
    ),
  )
  return { files: names.length, bytes: sizes.reduce((a, b) => a + b, 0) }
}

export const sleep = (msToWait: number) => new Promise((r) => setTimeout(r, msToWait))
