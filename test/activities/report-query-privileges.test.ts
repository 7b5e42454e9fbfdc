import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import { ApplicationFailure } from '@temporalio/common'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { DataSources } from '../../src/activities/data/data-sources.js'
import { createDataActivities } from '../../src/activities/data/run-query.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import { BusinessError } from '../../src/domain/errors.js'
import type { QueryInput } from '../../src/domain/report-data.js'

/**
 * What a report query can reach, tried through the real query activity with the `default` source wired as
 * openServices wires it (the reader role, REPORT_SCHEMAS=demo): files, programs, other sessions and Herald's own
 * tables are all refused with a permission error the schedule's author can read.
 */

let db: Database
let dir: string
let artifacts: LocalArtifactStore
let dataSources: DataSources
let runQuery: ReturnType<typeof createDataActivities>['runQuery']

function input(sql: string, dataSource = 'default'): QueryInput {
  return {
    run: {
      scheduleId: 'sch-privileges',
      scheduleName: 'Privileges',
      runId: `run-privileges-${Math.random().toString(36).slice(2)}`,
      fireTime: '2024-03-01T08:00:00.000Z',
      periodStart: '2024-02-29T08:00:00.000Z',
      periodEnd: '2024-03-01T08:00:00.000Z',
      timezone: 'UTC',
    },
    query: { dataSource, sql, params: {} },
  }
}

async function rows(sql: string): Promise<unknown[][]> {
  const result = await runQuery(input(sql))
  return (await text(await artifacts.open(result.resultRef)))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
}

async function refusal(sql: string, dataSource = 'default'): Promise<ApplicationFailure> {
  const error = await runQuery(input(sql, dataSource)).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, sql).toBeInstanceOf(ApplicationFailure)
  expect((error as ApplicationFailure).nonRetryable).toBe(true)
  return error as ApplicationFailure
}

beforeAll(async () => {
  db = connectDatabase(inject('databaseUrl'), { max: 2, applicationName: 'herald-privileges-test' })
  dir = await mkdtemp(join(tmpdir(), 'herald-privileges-'))
  artifacts = new LocalArtifactStore({ dir, db })
  dataSources = new DataSources(
    {
      default: { url: inject('readerDatabaseUrl'), schemas: ['demo'] },
      // Herald's own superuser as a named source: refused at its first use.
      owner: { url: inject('databaseUrl'), schemas: ['demo'] },
    },
    { maxConnections: 2 },
  )
  ;({ runQuery } = createDataActivities({
    dataSources,
    artifacts,
    defaults: { maxRows: 10_000, timeoutMs: 20_000 },
  }))
  // A Herald session with a known query text, for the pg_stat_activity and signal checks.
  await db`SELECT 'herald-owner-session-marker' AS marker`
})

afterAll(async () => {
  await dataSources?.close()
  await db?.end()
  await rm(dir, { recursive: true, force: true })
})

describe('the default data source', () => {
  it('is not a superuser', async () => {
    expect(await rows('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).toEqual([[false]])
  })

  it.each([
    ["SELECT pg_read_file('/etc/hostname')", 'permission denied for function pg_read_file'],
    ["SELECT pg_read_binary_file('/etc/hostname')", 'permission denied for function pg_read_binary_file'],
    ["SELECT pg_ls_dir('.')", 'permission denied for function pg_ls_dir'],
    ["SELECT pg_stat_file('postgresql.conf')", 'permission denied for function pg_stat_file'],
    ["SELECT lo_import('/etc/hostname')", 'permission denied for function lo_import'],
    ["SELECT lo_export(1, '/tmp/herald-lo-export')", 'permission denied for function lo_export'],
    ["COPY (SELECT 1) TO PROGRAM 'true'", 'permission denied to COPY to or from an external program'],
    ["COPY (SELECT 1) TO '/tmp/herald-copy-out'", 'permission denied to COPY to a file'],
    ['SELECT pg_reload_conf()', 'permission denied for function pg_reload_conf'],
    ['SELECT count(*) FROM herald.runs', 'permission denied for schema herald'],
    ['SELECT count(*) FROM herald.deliveries', 'permission denied for schema herald'],
    ['SELECT pg_advisory_lock(4247001)', 'permission denied for function pg_advisory_lock'],
    ["SELECT set_config('role', 'herald', true)", 'permission denied to set role "herald"'],
    [
      "SELECT set_config('temp_file_limit', '-1', true)",
      'permission denied to set parameter "temp_file_limit"',
    ],
  ])('refuses %s', async (sql, message) => {
    const failure = await refusal(sql)
    expect(failure.type).toBe(BusinessError.QueryInvalid)
    expect(failure.message).toContain(message)
    expect(failure.message).toContain('report queries run as a read-only role')
  })

  it.each([
    ['pg_terminate_backend', 'pg_terminate_backend(pid)'],
    ['pg_cancel_backend', 'pg_cancel_backend(pid)'],
  ])('cannot signal Herald’s own sessions with %s', async (fn, call) => {
    const failure = await refusal(
      `SELECT ${call} FROM pg_stat_activity WHERE application_name = 'herald-privileges-test'`,
    )
    expect(failure.message).toContain(`permission denied for function ${fn}`)
    expect(await db`SELECT 1 AS alive`).toHaveLength(1)
  })

  it('sees no Herald table in information_schema and no other session’s query text', async () => {
    expect(
      await rows("SELECT count(*)::int FROM information_schema.tables WHERE table_schema = 'herald'"),
    ).toEqual([[0]])
    const sessions = await rows(
      "SELECT query FROM pg_stat_activity WHERE application_name = 'herald-privileges-test'",
    )
    expect(sessions.length).toBeGreaterThan(0)
    expect(sessions.every(([query]) => query === '<insufficient privilege>')).toBe(true)
  })

  it("runs with the source's schemas as search_path and capped settings", async () => {
    expect(await rows('SELECT count(*)::int FROM regions')).toEqual([[8]])
    expect(
      await rows(`SELECT current_setting('search_path'), current_setting('temp_file_limit'),
                         current_setting('work_mem'), current_setting('lock_timeout'),
                         current_setting('idle_in_transaction_session_timeout'),
                         current_setting('statement_timeout')`),
    ).toEqual([['pg_catalog, "demo", pg_temp', '1GB', '64MB', '10s', '20s', '20s']])
  })

  it('cannot reach Herald tables by widening its search_path', async () => {
    const failure = await refusal(
      "SELECT set_config('search_path', 'herald', true), (SELECT count(*) FROM herald.schedules)",
    )
    expect(failure.message).toContain('permission denied for schema herald')
  })
})

describe('a named data source', () => {
  it('is refused at its first use when its role is a superuser', async () => {
    const failure = await refusal('SELECT 1', 'owner')
    expect(failure.type).toBe(BusinessError.DataSourcePrivileged)
    expect(failure.message).toContain('data source "owner" connects as "herald", a superuser')
    expect(failure.message).toContain('DATA_SOURCE_ALLOW_PRIVILEGED=owner')
  })
})
