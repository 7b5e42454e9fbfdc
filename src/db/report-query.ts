import type { PendingRawQuery, Row, Sql, TransactionSql } from 'postgres'

/**
 * A schedule's report query against its data source: the author's statement (data, bound by the caller) run in a
 * READ ONLY transaction with Herald's per-query settings, its rows read through a cursor as raw bytes.
 */

/** Per-query caps beside statement_timeout; temp_file_limit needs superuser to set, so it is fixed on the reader role. */
const LOCK_TIMEOUT_MS = 10_000
const WORK_MEM = '64MB'

export interface ReportQuerySettings {
  /** statement_timeout and idle_in_transaction_session_timeout; lock_timeout is at most this. */
  timeoutMs: number
  /** The data source's schemas: the whole search_path, between pg_catalog and pg_temp. */
  schemas: string[]
  /** The schedule's timezone. */
  timezone: string
}

/** The statement with `$n` placeholders and their values. */
export interface ReportStatement {
  text: string
  params: (string | number | boolean | null)[]
}

/** The running statement, in raw mode: `cursor(n)` yields batches of rows of undecoded cells. */
export type ReportRows = PendingRawQuery<Row[]>

/** Carries the result out of sql.begin() while still ending the transaction with ROLLBACK. */
class Rollback<T> {
  constructor(readonly value: T) {}
}

/** Runs `statement` read-only under `settings` and hands it to `consume`, which reads its rows; always rolls back. */
export async function withReportQuery<T>(
  sql: Sql,
  statement: ReportStatement,
  settings: ReportQuerySettings,
  consume: (rows: ReportRows) => Promise<T>,
): Promise<T> {
  return readOnly(sql, async (tx) => {
    // SET LOCAL through set_config so the values are bound, not spliced. The schedule's timezone makes
    // date_trunc('day', …) and ::date casts in report SQL follow the recipients' calendar. The search_path
    // holds only the source's schemas, with pg_catalog first and pg_temp last so nothing shadows built-ins.
    const { timeoutMs } = settings
    await tx`SELECT set_config('statement_timeout', ${String(timeoutMs)}, true),
                    set_config('lock_timeout', ${String(Math.min(LOCK_TIMEOUT_MS, timeoutMs))}, true),
                    set_config('idle_in_transaction_session_timeout', ${String(timeoutMs)}, true),
                    set_config('work_mem', ${WORK_MEM}, true),
                    set_config('search_path', ${searchPath(settings.schemas)}, true),
                    set_config('TimeZone', ${settings.timezone}, true),
                    set_config('DateStyle', 'ISO, YMD', true)`
    return consume(tx.unsafe<Row[]>(statement.text, statement.params).raw())
  })
}

function searchPath(schemas: string[]): string {
  return ['pg_catalog', ...schemas.map((s) => `"${s.replaceAll('"', '""')}"`), 'pg_temp'].join(', ')
}

async function readOnly<T>(sql: Sql, body: (tx: TransactionSql) => Promise<T>): Promise<T> {
  try {
    await sql.begin('read only', async (tx) => {
      // ROLLBACK, not COMMIT: it also undoes session settings a query changed with set_config(…, false),
      // so nothing leaks into the pooled connection.
      throw new Rollback(await body(tx))
    })
  } catch (outcome) {
    if (outcome instanceof Rollback) return outcome.value as T
    throw outcome
  }
  throw new Error('unreachable: the read-only transaction always rolls back')
}
