import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { Client, Connection } from '@temporalio/client'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { Worker } from '@temporalio/worker'
import { pino } from 'pino'
import { inject } from 'vitest'
import { DataSources } from '../../src/activities/data/data-sources.js'
import { createDataActivities } from '../../src/activities/data/run-query.js'
import { createLedgerActivities } from '../../src/activities/ledger/index.js'
import { createSmtpCheckActivities } from '../../src/activities/mail/smtp-check.js'
import { createMailer, type Mailer } from '../../src/activities/mail/smtp-transport.js'
import { createRenderActivities } from '../../src/activities/render/render-report.js'
import { createApp } from '../../src/api/app.js'
import type { AppDeps, RateLimitOptions } from '../../src/api/deps.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { loadConfig } from '../../src/config.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import type { ScheduleSpecInput } from '../../src/domain/schedule.js'
import { searchAttributesCheck } from '../../src/temporal/search-attribute-registry.js'
import { freePort } from '../support/ports.js'
import { TestSmtpServer } from '../support/smtp.js'
import { dataConverterOf, workflowBundle } from '../support/temporal.js'

export const API_KEY = 'test-key-alpha-0123456789'
export const OTHER_API_KEY = 'test-key-beta-9876543210'
export const auth = { Authorization: `Bearer ${API_KEY}` }
export const jsonHeaders = { ...auth, 'Content-Type': 'application/json' }

let counter = 0
export const unique = (prefix: string) =>
  `${prefix}-${process.pid}-${++counter}-${Math.floor(performance.now())}`

export function reportSpec(overrides: Partial<ScheduleSpecInput> = {}): ScheduleSpecInput {
  return {
    name: unique('Revenue by region'),
    // Far from any tick the test could reach: time-skipping only advances while a test awaits a workflow result.
    cron: '0 8 1 1 *',
    timezone: 'Europe/Berlin',
    query: {
      sql: 'SELECT r.name AS region, count(*)::int AS customers FROM demo.regions r JOIN demo.customers c ON c.region_id = r.id GROUP BY r.name ORDER BY r.name',
    },
    recipients: { to: ['team@example.com'] },
    owners: ['owner@example.com'],
    mail: { subject: 'Revenue report' },
    formats: ['csv', 'xlsx'],
    ...overrides,
  }
}

/** A Temporal client whose server does not exist: every call fails fast with UNAVAILABLE (no gRPC retries). */
export async function unreachableTemporalClient(): Promise<Client> {
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, interceptors: [] })
  return new Client({ connection })
}

/** Captures the JSON log lines the app writes, to check what is (not) logged. */
export function capturingLogger() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk))
      callback()
    },
  })
  return { logger: pino({ level: 'info' }, stream), lines }
}

export interface Harness {
  app: ReturnType<typeof createApp>
  db: Database
  deps: AppDeps
  smtp: TestSmtpServer
  taskQueue: string
  artifacts: LocalArtifactStore
  /** The activities a worker for this harness runs: what preview and the SMTP checks use, on its parts. */
  activities: HarnessActivities
  close(): Promise<void>
}

export type HarnessActivities = ReturnType<typeof createLedgerActivities> &
  ReturnType<typeof createDataActivities> &
  ReturnType<typeof createRenderActivities> &
  ReturnType<typeof createSmtpCheckActivities>

export interface HarnessOptions {
  env?: TestWorkflowEnvironment
  client?: Client
  apiKeys?: string
  rateLimit?: RateLimitOptions
  logger?: pino.Logger
  db?: Database
  rpcTimeoutMs?: number
  workTimeoutMs?: number
}

/**
 * The API wired to real parts: PostgreSQL, a Temporal test server, an SMTP server. Preview and the SMTP checks run
 * on a worker (createApiWorker) with the real activities on the harness's data source, artifacts and SMTP server.
 */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const databaseUrl = inject('databaseUrl')
  const db = connectDatabase(databaseUrl, { max: 4 })
  const smtp = new TestSmtpServer()
  await smtp.start()
  const dir = await mkdtemp(join(tmpdir(), 'herald-api-artifacts-'))
  const artifacts = new LocalArtifactStore({ dir, db })
  // Previews run queries as the reader role, as a deployed Herald does.
  const readerDatabaseUrl = inject('readerDatabaseUrl')
  const dataSources = new DataSources(
    { default: { url: readerDatabaseUrl, schemas: ['demo'] } },
    { maxConnections: 2 },
  )
  const mailer: Mailer = createMailer({ smtpUrl: smtp.url, from: 'Herald <herald@example.com>', pool: false })
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    DEFAULT_DATA_SOURCE_URL: readerDatabaseUrl,
    API_KEYS: options.apiKeys ?? `${API_KEY},${OTHER_API_KEY}`,
    TEMPORAL_UI_URL: 'http://localhost:8233',
    PUBLIC_URL: 'https://herald.example.com',
    LOG_LEVEL: 'silent',
  })
  const { runQuery } = createDataActivities({
    dataSources,
    artifacts,
    defaults: { maxRows: 10_000, timeoutMs: 10_000 },
  })
  const { renderReport } = createRenderActivities({ artifacts })
  const client = options.client ?? options.env?.client
  if (!client) throw new Error('createHarness needs a Temporal env or client')
  const taskQueue = unique('api-tq')
  const deps: AppDeps = {
    temporal: {
      client,
      taskQueue,
      namespace: 'default',
      uiUrl: config.TEMPORAL_UI_URL,
      rpcTimeoutMs: options.rpcTimeoutMs ?? 30_000,
      workTimeoutMs: options.workTimeoutMs,
      searchAttributesRegistered: searchAttributesCheck(client.connection, 'default'),
    },
    db: options.db ?? db,
    config,
    artifacts,
    logger: options.logger ?? pino({ level: 'silent' }),
    rateLimit: options.rateLimit,
  }
  return {
    app: createApp(deps),
    db,
    deps,
    smtp,
    taskQueue,
    artifacts,
    activities: {
      ...createLedgerActivities({ db }),
      runQuery,
      renderReport,
      ...createSmtpCheckActivities({ mailer }),
    },
    async close() {
      mailer.close()
      await dataSources.close()
      await smtp.stop()
      await db.end({ timeout: 5 })
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A worker for the harness's task queue running the real workflows with the harness's real activities (ledger on
 * the test database, queries as the reader role, rendering, SMTP checks), so schedules publish their live state
 * and previews run as in production. `overrides` replaces single activities. No tick fires during the API tests.
 */
export async function createApiWorker(
  env: TestWorkflowEnvironment,
  h: Pick<Harness, 'taskQueue' | 'activities'>,
  overrides: Partial<HarnessActivities> = {},
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue: h.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...h.activities, ...overrides },
    dataConverter: dataConverterOf(env),
  })
}

/** Reads a response body as JSON and checks it is a problem document. */
export async function problemOf(res: Response) {
  return (await res.json()) as {
    type: string
    title: string
    status: number
    detail: string
    instance?: string
    errors?: { path: string; message: string }[]
  }
}
