import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { PrivilegedDataSourceError } from '../src/activities/data/privileged-data-source.js'
import { loadConfig } from '../src/config.js'
import { connectDatabase, type Database } from '../src/db/client.js'
import { readerUrl } from '../src/db/reader-role.js'
import { openServices } from '../src/services.js'
import { createWorker } from '../src/worker.js'
import { createTimeSkippingEnv, workflowBundle } from './support/temporal.js'

/** The worker refuses a data source whose role can do more than read, unless DATA_SOURCE_ALLOW_PRIVILEGED names it. */

const run = promisify(execFile)
const root = new URL('../', import.meta.url).pathname
const REFUSAL =
  'herald: data source "default" connects as "herald", a superuser; report queries need a read-only role (README: Report queries and privileges). Set DATA_SOURCE_ALLOW_PRIVILEGED=default to run anyway.'
const WRITER_ROLE = 'herald_writer_check'

let env: TestWorkflowEnvironment
let db: Database
let dir: string
let queues = 0

function baseEnv(extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: inject('databaseUrl'),
    SMTP_URL: 'smtp://127.0.0.1:1',
    API_KEYS: 'worker-start-key-0123456789',
    HERALD_SECRET: 'worker-start-secret-0123456789',
    // A queue per worker, so two workers of this file never share one.
    TEMPORAL_TASK_QUEUE: `worker-start-${process.pid}-${++queues}`,
    ARTIFACT_DIR: dir,
    ...extra,
  }
}

/** Starts a worker the way src/worker.ts and npm start do: openServices, then createWorker. */
async function startWorker(extra: Record<string, string>) {
  const config = loadConfig(baseEnv(extra))
  const services = await openServices(config)
  try {
    const worker = await createWorker({
      config,
      connection: env.nativeConnection,
      services,
      workflowBundle: await workflowBundle(),
    })
    // It starts: polls, then shuts down at once.
    await worker.runUntil(async () => {})
    expect(worker.getState()).toBe('STOPPED')
  } finally {
    await services.close()
  }
}

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  db = connectDatabase(inject('databaseUrl'), { max: 2 })
  dir = await mkdtemp(join(tmpdir(), 'herald-worker-start-'))
  // A role that can only read, except for one INSERT grant: still refused.
  await db.unsafe(`DROP ROLE IF EXISTS ${WRITER_ROLE}`).catch(() => {})
  await db.unsafe(`CREATE ROLE ${WRITER_ROLE} LOGIN PASSWORD 'writer'`)
  await db.unsafe(`GRANT USAGE ON SCHEMA demo TO ${WRITER_ROLE}`)
  await db.unsafe(`GRANT SELECT, INSERT ON demo.regions TO ${WRITER_ROLE}`)
})

afterAll(async () => {
  await db?.unsafe(
    `REVOKE ALL ON demo.regions FROM ${WRITER_ROLE}; REVOKE ALL ON SCHEMA demo FROM ${WRITER_ROLE}`,
  )
  await db?.unsafe(`DROP ROLE IF EXISTS ${WRITER_ROLE}`)
  await db?.end()
  await env?.teardown()
  await rm(dir, { recursive: true, force: true })
})

describe('worker start-up check of data sources', () => {
  it('npm run worker exits with one line naming the source and the privilege when the source is a superuser', async () => {
    const failed = await run(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: root,
      env: { ...process.env, ...baseEnv(), TEMPORAL_ADDRESS: env.address },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failed?.code).toBe(1)
    expect(failed?.stderr.trim()).toBe(REFUSAL)
  })

  it('createWorker refuses a superuser default source, then starts with the opt-out and warns', async () => {
    const refused = await startWorker({}).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toBeInstanceOf(PrivilegedDataSourceError)
    expect(`herald: ${(refused as Error).message}`).toBe(REFUSAL)

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      await startWorker({ DATA_SOURCE_ALLOW_PRIVILEGED: 'default' })
      expect(warn.mock.calls.map((c) => String(c[0]))).toContain(
        'herald: WARNING: data source "default" connects as "herald", a superuser; running anyway because DATA_SOURCE_ALLOW_PRIVILEGED names it. Report queries can do whatever that role can (README: Report queries and privileges).',
      )
    } finally {
      warn.mockRestore()
    }
  })

  it('starts without a warning when the default source is the reader role', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      await startWorker({ DEFAULT_DATA_SOURCE_URL: inject('readerDatabaseUrl') })
      expect(warn.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('data source'))).toEqual([])
    } finally {
      warn.mockRestore()
    }
  })

  it('refuses a named source whose role may INSERT into a table', async () => {
    const refused = await startWorker({
      DEFAULT_DATA_SOURCE_URL: inject('readerDatabaseUrl'),
      DATA_SOURCES: JSON.stringify({
        warehouse: { url: readerUrl(inject('databaseUrl'), WRITER_ROLE, 'writer'), schemas: ['demo'] },
      }),
    }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect((refused as Error).message).toBe(
      'data source "warehouse" connects as "herald_writer_check", a role with INSERT on demo.regions; report queries need a read-only role (README: Report queries and privileges). Set DATA_SOURCE_ALLOW_PRIVILEGED=warehouse to run anyway.',
    )
  })
})
