import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import { ApplicationFailure } from '@temporalio/common'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { DataSources } from '../../src/activities/data/data-sources.js'
import { bindNamedParams } from '../../src/activities/data/named-params.js'
import { createDataActivities } from '../../src/activities/data/run-query.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { connectDatabase, type Database } from '../../src/db/client.js'
import { BusinessError } from '../../src/domain/errors.js'
import type { QueryInput } from '../../src/domain/report-data.js'
import type { RunContext } from '../../src/domain/run.js'
import { TEST_READER_ROLE } from '../support/reader-role.js'

let db: Database
let dir: string
let artifacts: LocalArtifactStore
let dataSources: DataSources
let activities: ReturnType<typeof createDataActivities>

const run: RunContext = {
  scheduleId: 'sch-data',
  scheduleName: 'Data test',
  runId: 'run-data',
  fireTime: '2024-03-01T08:00:00.000Z',
  periodStart: '2024-02-29T08:00:00.000Z',
  periodEnd: '2024-03-01T08:00:00.000Z',
  timezone: 'Europe/Berlin',
}

function input(sql: string, extra: Partial<QueryInput['query']> = {}, runId = run.runId): QueryInput {
  return { run: { ...run, runId }, query: { dataSource: 'default', sql, params: {}, ...extra } }
}

async function rowsOf(resultRef: string): Promise<unknown[][]> {
  const body = await text(await artifacts.open(resultRef))
  return body
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ApplicationFailure)
  const failure = error as ApplicationFailure
  expect(failure.nonRetryable).toBe(true)
  return failure
}

beforeAll(async () => {
  db = connectDatabase(inject('databaseUrl'))
  dir = await mkdtemp(join(tmpdir(), 'herald-data-'))
  artifacts = new LocalArtifactStore({ dir, db })
  dataSources = new DataSources({ default: { url: inject('readerDatabaseUrl'), schemas: ['demo'] } })
  activities = createDataActivities({
    dataSources,
    artifacts,
    defaults: { maxRows: 100_000, timeoutMs: 30_000 },
  })
  await db.unsafe(`CREATE SCHEMA IF NOT EXISTS data_test;
    DROP TABLE IF EXISTS data_test.readings;
    CREATE TABLE data_test.readings (id int PRIMARY KEY, value numeric(10, 2) NOT NULL);
    CREATE SEQUENCE IF NOT EXISTS data_test.counter;
    GRANT USAGE ON SCHEMA data_test TO ${TEST_READER_ROLE};
    GRANT SELECT ON data_test.readings TO ${TEST_READER_ROLE};
    GRANT USAGE ON SEQUENCE data_test.counter TO ${TEST_READER_ROLE}`)
  await db`INSERT INTO data_test.readings SELECT g, g * 1.5 FROM generate_series(1, 50) g`
})

afterAll(async () => {
  await dataSources.close()
  await db.end()
  await rm(dir, { recursive: true, force: true })
})

describe('bindNamedParams', () => {
  it('numbers each name once and leaves literals, identifiers, comments, dollar quotes and casts alone', () => {
    const sql = `SELECT ':nope', ":nope_col", $tag$ :nope $tag$, E'it\\'s :nope', x::int -- :nope
      /* :nope /* nested :nope */ still :nope */
      FROM t WHERE a = :a AND b BETWEEN :a AND :b::date`
    const bound = bindNamedParams(sql, { a: 1, b: '2024-01-01' })
    expect(bound.names).toEqual(['a', 'b'])
    expect(bound.params).toEqual([1, '2024-01-01'])
    expect(bound.text).toContain('WHERE a = $1 AND b BETWEEN $1 AND $2::date')
    expect(bound.text).toContain("':nope'")
    expect(bound.text).toContain('x::int')
    expect(bound.text).toContain('still :nope */')
  })

  it('names the unknown placeholder and what is available', () => {
    expect(() => bindNamedParams('SELECT :region', { period_start: 'x' })).toThrow(
      /unknown query parameter :region; available: :period_start/,
    )
  })
})

describe('runQuery', () => {
  it('types columns from PostgreSQL and writes JSON values in column order', async () => {
    const result = await activities.runQuery(
      input(`SELECT 1::int2 AS small, 2::int4 AS medium, 9007199254740::int8 AS big, 12.50::numeric AS amount,
                    2.5::float8 AS ratio, true AS flag, DATE '2024-02-29' AS day,
                    TIMESTAMP '2024-02-29 13:45:10.5' AS local_time,
                    TIMESTAMPTZ '2024-02-29 13:45:10+00' AS instant,
                    '{"a": [1, 2]}'::jsonb AS doc, 'Łódź "quoted"' AS city, NULL::int AS nothing`),
    )
    expect(result.columns).toEqual([
      { name: 'small', type: 'integer' },
      { name: 'medium', type: 'integer' },
      { name: 'big', type: 'integer' },
      { name: 'amount', type: 'number' },
      { name: 'ratio', type: 'number' },
      { name: 'flag', type: 'boolean' },
      { name: 'day', type: 'date' },
      { name: 'local_time', type: 'timestamp' },
      { name: 'instant', type: 'timestamp' },
      { name: 'doc', type: 'json' },
      { name: 'city', type: 'text' },
      { name: 'nothing', type: 'integer' },
    ])
    expect(result.rowCount).toBe(1)
    expect(await rowsOf(result.resultRef)).toEqual([
      [
        1,
        2,
        9007199254740,
        12.5,
        2.5,
        true,
        '2024-02-29',
        '2024-02-29T13:45:10.5',
        '2024-02-29T13:45:10.000Z',
        { a: [1, 2] },
        'Łódź "quoted"',
        null,
      ],
    ])
    const meta = await artifacts.stat(result.resultRef)
    expect(meta).toMatchObject({ runId: run.runId, contentType: 'application/x-ndjson' })
  })

  it('binds user parameters and the run period built-ins', async () => {
    const result = await activities.runQuery(
      input(
        `SELECT :fire_time::timestamptz AS fired, :period_start::timestamptz AS from_, :period_end AS to_,
                :country AS country, :min_id::int + 1 AS next_id, :flag::boolean AS flag`,
        { params: { country: 'PL', min_id: 41, flag: true } },
      ),
    )
    expect(await rowsOf(result.resultRef)).toEqual([
      ['2024-03-01T08:00:00.000Z', '2024-02-29T08:00:00.000Z', '2024-03-01T08:00:00.000Z', 'PL', 42, true],
    ])
  })

  it('runs in the schedule timezone so date casts follow the local calendar', async () => {
    // 23:30 UTC on 29 Feb is already 1 March in Berlin.
    const result = await activities.runQuery(
      input(`SELECT (TIMESTAMPTZ '2024-02-29 23:30:00+00')::date AS day`),
    )
    expect(await rowsOf(result.resultRef)).toEqual([['2024-03-01']])
  })

  it('summarises numeric columns for conditions', async () => {
    const result = await activities.runQuery(
      input('SELECT id, value, id::text AS label FROM data_test.readings WHERE id <= :upto ORDER BY id', {
        params: { upto: 4 },
      }),
    )
    expect(result.rowCount).toBe(4)
    expect(result.numericColumns).toEqual({
      id: { count: 4, sum: 10, min: 1, max: 4 },
      value: { count: 4, sum: 15, min: 1.5, max: 6 },
    })
  })

  it('streams results larger than one cursor batch', async () => {
    const result = await activities.runQuery(
      input('SELECT g, g * 2 AS twice FROM generate_series(1, 2500) g'),
    )
    expect(result.rowCount).toBe(2500)
    const rows = await rowsOf(result.resultRef)
    expect(rows).toHaveLength(2500)
    expect(rows[2499]).toEqual([2500, 5000])
    expect(result.numericColumns.g).toEqual({ count: 2500, sum: (2500 * 2501) / 2, min: 1, max: 2500 })
  })

  it('reports the columns of an empty result', async () => {
    const result = await activities.runQuery(input('SELECT id, value FROM data_test.readings WHERE false'))
    expect(result.rowCount).toBe(0)
    expect(result.columns).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'value', type: 'number' },
    ])
    expect(result.numericColumns.id).toEqual({ count: 0, sum: 0, min: null, max: null })
    expect(await rowsOf(result.resultRef)).toEqual([])
  })

  it('keeps the fingerprint stable across runs and changes it when the data changes', async () => {
    const sql = 'SELECT id, value FROM data_test.readings ORDER BY id'
    const first = await activities.runQuery(input(sql))
    const second = await activities.runQuery(input(sql))
    expect(first.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect(second.fingerprint).toBe(first.fingerprint)
    await db`UPDATE data_test.readings SET value = value + 1 WHERE id = 7`
    const third = await activities.runQuery(input(sql))
    expect(third.fingerprint).not.toBe(first.fingerprint)
  })

  describe('refuses to write, even when the static check is bypassed', () => {
    it('rejects a data-modifying CTE', async () => {
      const failure = await failureOf(
        activities.runQuery(
          input(
            `WITH added AS (INSERT INTO demo.regions VALUES (99, 'Nowhere', 'XX') RETURNING id) SELECT * FROM added`,
          ),
        ),
      )
      expect(failure.type).toBe(BusinessError.QueryNotReadOnly)
      const rows = await db`SELECT 1 FROM demo.regions WHERE id = 99`
      expect(rows).toHaveLength(0)
    })

    it('rejects nextval()', async () => {
      const failure = await failureOf(activities.runQuery(input(`SELECT nextval('data_test.counter')`)))
      expect(failure.type).toBe(BusinessError.QueryNotReadOnly)
    })

    it('rejects switching the transaction to read-write', async () => {
      const failure = await failureOf(
        activities.runQuery(input(`SELECT set_config('transaction_read_only', 'off', false)`)),
      )
      expect(failure.type).toBe(BusinessError.QueryNotReadOnly)
    })

    it('does not let session settings leak into the pooled connection', async () => {
      const single = new DataSources(
        { default: { url: inject('readerDatabaseUrl'), schemas: ['demo'] } },
        { maxConnections: 1 },
      )
      try {
        const own = createDataActivities({
          dataSources: single,
          artifacts,
          defaults: { maxRows: 10, timeoutMs: 10_000 },
        })
        await own.runQuery(input(`SELECT set_config('search_path', 'nowhere', false)`))
        const after = await own.runQuery(input("SELECT current_setting('search_path')"))
        expect(await rowsOf(after.resultRef)).toEqual([['pg_catalog, "demo", pg_temp']])
      } finally {
        await single.close()
      }
    })
  })

  it('stops a slow query at its timeout', async () => {
    const failure = await failureOf(activities.runQuery(input('SELECT pg_sleep(5)', { timeoutSeconds: 1 })))
    expect(failure.type).toBe(BusinessError.QueryTimeout)
  })

  it('fails with the row cap in the message and stores nothing', async () => {
    const failure = await failureOf(
      activities.runQuery(input('SELECT g FROM generate_series(1, 1500) g', { maxRows: 1000 }, 'run-capped')),
    )
    expect(failure.type).toBe(BusinessError.RowCapExceeded)
    expect(failure.message).toContain('1000')
    expect(await db`SELECT 1 FROM herald.artifacts WHERE run_id = 'run-capped'`).toHaveLength(0)
  })

  it('allows exactly the row cap', async () => {
    const result = await activities.runQuery(
      input('SELECT g FROM generate_series(1, 1000) g', { maxRows: 1000 }),
    )
    expect(result.rowCount).toBe(1000)
  })

  it("passes on PostgreSQL's message for invalid SQL", async () => {
    const missing = await failureOf(activities.runQuery(input('SELECT * FROM demo.no_such_table')))
    expect(missing.type).toBe(BusinessError.QueryInvalid)
    expect(missing.message).toContain('relation "demo.no_such_table" does not exist')

    const syntax = await failureOf(activities.runQuery(input('SELEC 1')))
    expect(syntax.type).toBe(BusinessError.QueryInvalid)
    expect(syntax.message).toContain('syntax error')

    const badValue = await failureOf(activities.runQuery(input('SELECT :n::int', { params: { n: 'many' } })))
    expect(badValue.type).toBe(BusinessError.QueryInvalid)
  })

  it('rejects an unknown placeholder as an invalid query', async () => {
    const failure = await failureOf(activities.runQuery(input('SELECT :region')))
    expect(failure.type).toBe(BusinessError.QueryInvalid)
    expect(failure.message).toContain(':region')
  })

  it('rejects an unknown data source', async () => {
    const failure = await failureOf(activities.runQuery(input('SELECT 1', { dataSource: 'warehouse' })))
    expect(failure.type).toBe(BusinessError.UnknownDataSource)
  })

  it('keeps connection failures retryable', async () => {
    const unreachable = new DataSources({ default: 'postgres://herald:herald@127.0.0.1:1/none' })
    try {
      const own = createDataActivities({
        dataSources: unreachable,
        artifacts,
        defaults: { maxRows: 10, timeoutMs: 5000 },
      })
      const error = await own.runQuery(input('SELECT 1')).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(Error)
      expect(error).not.toBeInstanceOf(ApplicationFailure)
    } finally {
      await unreachable.close()
    }
  })
})
