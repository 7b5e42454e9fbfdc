import { createHash } from 'node:crypto'
import { Context } from '@temporalio/activity'
import { ApplicationFailure } from '@temporalio/common'
import postgres from 'postgres'
import type { ArtifactStore } from '../../artifacts/artifact-store.js'
import { withReportQuery } from '../../db/report-query.js'
import type { ColumnStats } from '../../domain/conditions.js'
import { BusinessError } from '../../domain/errors.js'
import type { ColumnInfo, QueryInput, QueryResult } from '../../domain/report-data.js'
import { secondsSince, type WorkerMetrics } from '../../telemetry/worker-metrics.js'
import { heartbeatProgress } from '../heartbeats.js'
import type { DataSources } from './data-sources.js'
import { bindNamedParams, type ParamValue, UnknownQueryParameter } from './named-params.js'
import { type CellEncoder, columnTypeOf, encodeNumber, encoderFor } from './result-encoding.js'

export interface DataActivityDeps {
  dataSources: Pick<DataSources, 'open'>
  artifacts: ArtifactStore
  /** System limits; a schedule may ask for fewer rows but not more, and for its own timeout. */
  defaults: { maxRows: number; timeoutMs: number }
  metrics?: WorkerMetrics
}

export const RESULT_CONTENT_TYPE = 'application/x-ndjson'
const CURSOR_BATCH_ROWS = 1000
const HEARTBEAT_EVERY_MS = 2000

interface DriverColumn {
  name: string
  type: number
}

type RawRow = (Buffer | null)[]

export function createDataActivities({ dataSources, artifacts, defaults, metrics }: DataActivityDeps) {
  return {
    /** Runs a schedule's query read-only and stores its rows as an NDJSON artifact; only a summary returns. */
    async runQuery(input: QueryInput): Promise<QueryResult> {
      const { run, query } = input
      const maxRows = Math.min(query.maxRows ?? defaults.maxRows, defaults.maxRows)
      const timeoutMs = query.timeoutSeconds ? query.timeoutSeconds * 1000 : defaults.timeoutMs
      const bound = bindQuery(input)
      const dataSource = query.dataSource ?? 'default'
      const { sql, schemas } = await dataSources.open(dataSource)
      const started = performance.now()
      let rows: number | undefined
      try {
        const settings = { timeoutMs, schemas, timezone: run.timezone }
        return await withReportQuery(sql, bound, settings, async (cursor) => {
          const reader = new ResultReader(maxRows, Date.now() + timeoutMs)
          const stored = await artifacts.write(
            {
              runId: run.runId,
              filename: `${run.runId}-result.ndjson`,
              contentType: RESULT_CONTENT_TYPE,
              retentionDays: run.artifactRetentionDays,
            },
            reader.lines(cursor),
          )
          const result = reader.result(
            stored.id,
            (cursor as unknown as { statement?: { columns?: DriverColumn[] } }).statement,
          )
          rows = result.rowCount
          return result
        })
      } catch (error) {
        throw toFailure(error)
      } finally {
        metrics?.queried(dataSource, secondsSince(started), rows)
      }
    },
  }
}

function bindQuery({ run, query }: QueryInput) {
  // The run's own period wins over a user parameter of the same name: it is what the report is about.
  const values: Record<string, ParamValue> = {
    ...query.params,
    fire_time: run.fireTime,
    period_start: run.periodStart,
    period_end: run.periodEnd,
  }
  try {
    return bindNamedParams(query.sql, values)
  } catch (error) {
    if (error instanceof UnknownQueryParameter) {
      throw ApplicationFailure.nonRetryable(error.message, BusinessError.QueryInvalid)
    }
    throw error
  }
}

/** Turns raw result batches into NDJSON while counting, fingerprinting and summing numeric columns. */
class ResultReader {
  rowCount = 0
  private readonly hash = createHash('sha256')
  private columns: DriverColumn[] | undefined
  private encoders: CellEncoder[] = []
  private numeric: boolean[] = []
  private stats: ColumnStats[] = []
  private readonly activity = currentActivity()
  private lastHeartbeat = Date.now()

  constructor(
    private readonly maxRows: number,
    private readonly deadline: number,
  ) {}

  async *lines(query: { cursor(rows: number): AsyncIterable<RawRow[]> }): AsyncGenerator<string> {
    for await (const batch of query.cursor(CURSOR_BATCH_ROWS)) {
      if (!this.columns) this.prepare((batch as unknown as { columns: DriverColumn[] }).columns)
      if (this.rowCount + batch.length > this.maxRows) {
        throw ApplicationFailure.nonRetryable(
          `query returned more than ${this.maxRows} rows (the row cap); narrow the query or lower its period`,
          BusinessError.RowCapExceeded,
        )
      }
      let chunk = ''
      for (const row of batch) chunk += `${this.encodeRow(row)}\n`
      this.rowCount += batch.length
      this.hash.update(chunk)
      yield chunk
      this.checkIn()
    }
  }

  result(resultRef: string, statement: { columns?: DriverColumn[] } | undefined): QueryResult {
    if (!this.columns) this.prepare(statement?.columns ?? [])
    const columns: ColumnInfo[] = this.columns!.map((c) => ({ name: c.name, type: columnTypeOf(c.type) }))
    const numericColumns: Record<string, ColumnStats> = {}
    columns.forEach((column, i) => {
      if (this.numeric[i]) numericColumns[column.name] ??= this.stats[i]!
    })
    return {
      resultRef,
      columns,
      rowCount: this.rowCount,
      fingerprint: this.hash.digest('hex'),
      numericColumns,
    }
  }

  private prepare(columns: DriverColumn[]) {
    this.columns = columns
    this.encoders = columns.map((c) => encoderFor(c.type))
    this.numeric = columns.map((c) => {
      const type = columnTypeOf(c.type)
      return type === 'integer' || type === 'number'
    })
    this.stats = columns.map(() => ({ count: 0, sum: 0, min: null, max: null }))
  }

  private encodeRow(row: RawRow): string {
    let line = '['
    for (let i = 0; i < row.length; i++) {
      if (i > 0) line += ','
      const raw = row[i]
      if (raw === null || raw === undefined) {
        line += 'null'
      } else if (this.numeric[i]) {
        const { json, value } = encodeNumber(raw)
        line += json
        if (!Number.isNaN(value)) addToStats(this.stats[i]!, value)
      } else {
        line += this.encoders[i]!(raw)
      }
    }
    return `${line}]`
  }

  /** Between batches: enforce the overall deadline (statement_timeout restarts per fetch), heartbeat, honour cancel. */
  private checkIn() {
    const now = Date.now()
    if (now > this.deadline) {
      throw ApplicationFailure.nonRetryable(
        'query exceeded its time limit while streaming rows',
        BusinessError.QueryTimeout,
      )
    }
    if (!this.activity) return
    if (this.activity.cancellationSignal.aborted) throw this.activity.cancellationSignal.reason
    if (now - this.lastHeartbeat >= HEARTBEAT_EVERY_MS) {
      heartbeatProgress(this.activity, { rows: this.rowCount })
      this.lastHeartbeat = now
    }
  }
}

function addToStats(stats: ColumnStats, value: number) {
  stats.count++
  stats.sum += value
  if (stats.min === null || value < stats.min) stats.min = value
  if (stats.max === null || value > stats.max) stats.max = value
}

/** The activity context when running inside a worker; undefined when called directly (tests, scripts). */
function currentActivity(): Context | undefined {
  try {
    return Context.current()
  } catch {
    return undefined
  }
}

/** SQLSTATE classes a schedule's author must fix: syntax and access rule violations, data exceptions, … */
const INVALID_QUERY_CLASSES = new Set(['0A', '21', '22', '2F', '3F', '42', 'P0'])

function toFailure(error: unknown): unknown {
  if (!(error instanceof postgres.PostgresError)) return error // connection trouble and the like: retry
  const code = error.code
  if (code === '25006' || code === '25001') {
    return ApplicationFailure.nonRetryable(
      `query must be read-only: ${error.message}`,
      BusinessError.QueryNotReadOnly,
    )
  }
  if (code === '42501') {
    return ApplicationFailure.nonRetryable(
      `${error.message}: report queries run as a read-only role that reads only its data source's schemas`,
      BusinessError.QueryInvalid,
    )
  }
  if (code === '57014') {
    return ApplicationFailure.nonRetryable(`query timed out: ${error.message}`, BusinessError.QueryTimeout)
  }
  if (INVALID_QUERY_CLASSES.has(code.slice(0, 2))) {
    const hint = error.hint ? ` (${error.hint})` : ''
    return ApplicationFailure.nonRetryable(`${error.message}${hint}`, BusinessError.QueryInvalid)
  }
  return error
}
