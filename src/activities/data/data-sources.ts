import { ApplicationFailure } from '@temporalio/common'
import postgres, { type Sql } from 'postgres'
import { inspectDataSourcePrivileges } from '../../db/data-source-privileges.js'
import { BusinessError } from '../../domain/errors.js'
import type { DataSourceSpec } from './data-source-settings.js'
import { PrivilegedDataSourceError, privilegedSourceLine } from './privileged-data-source.js'

export interface DataSourcesOptions {
  /** Connections per source. */
  maxConnections?: number
  /** Sources that may connect as a privileged role anyway (DATA_SOURCE_ALLOW_PRIVILEGED); warned about. */
  allowPrivileged?: string[]
  /** Where the loud warning about an allowed privileged source goes. */
  warn?: (line: string) => void
}

/** An open source: its pool and the schemas its queries' search_path holds. */
export interface OpenDataSource {
  sql: Sql
  schemas: string[]
}

/**
 * The databases report queries may read, by name. Pools open on first use so unused sources cost nothing; the
 * first use also checks that the source's role can only read (src/db/data-source-privileges.ts).
 */
export class DataSources {
  private readonly specs = new Map<string, DataSourceSpec>()
  private readonly pools = new Map<string, Sql>()
  private readonly checks = new Map<string, Promise<void>>()
  private readonly maxConnections: number
  private readonly allowPrivileged: Set<string>
  private readonly warn: (line: string) => void

  /** 'default' is DEFAULT_DATA_SOURCE_URL (or DATABASE_URL), the rest come from DATA_SOURCES. */
  constructor(
    sources: Record<string, string | DataSourceSpec | undefined>,
    {
      maxConnections = 4,
      allowPrivileged = [],
      warn = (line) => console.warn(`herald: ${line}`),
    }: DataSourcesOptions = {},
  ) {
    for (const [name, source] of Object.entries(sources)) {
      if (source) this.specs.set(name, typeof source === 'string' ? { url: source } : source)
    }
    this.maxConnections = maxConnections
    this.allowPrivileged = new Set(allowPrivileged)
    this.warn = warn
  }

  names(): string[] {
    return [...this.specs.keys()].sort()
  }

  /**
   * The source's pool after its privilege check. Throws a non-retryable failure for an unknown or privileged
   * source: only a schedule edit or a config change can fix either.
   */
  async open(name: string): Promise<OpenDataSource> {
    const spec = this.spec(name)
    const sql = this.pool(name, spec)
    try {
      await this.check(name, sql)
    } catch (error) {
      if (error instanceof PrivilegedDataSourceError) {
        throw ApplicationFailure.nonRetryable(error.message, BusinessError.DataSourcePrivileged)
      }
      throw error
    }
    return { sql, schemas: spec.schemas ?? ['public'] }
  }

  /** Checks every configured source (worker start): throws one PrivilegedDataSourceError naming each refusal. */
  async checkAll(): Promise<void> {
    const refusals: string[] = []
    for (const name of this.names()) {
      try {
        await this.check(name, this.pool(name, this.spec(name)))
      } catch (error) {
        if (!(error instanceof PrivilegedDataSourceError)) throw error
        refusals.push(error.message)
      }
    }
    if (refusals.length > 0) throw new PrivilegedDataSourceError(refusals.join('\n'))
  }

  private spec(name: string): DataSourceSpec {
    const spec = this.specs.get(name)
    if (!spec) {
      throw ApplicationFailure.nonRetryable(
        `unknown data source "${name}"; configured: ${this.names().join(', ') || '(none)'}`,
        BusinessError.UnknownDataSource,
      )
    }
    return spec
  }

  private pool(name: string, spec: DataSourceSpec): Sql {
    const existing = this.pools.get(name)
    if (existing) return existing
    const pool = postgres(spec.url, {
      max: this.maxConnections,
      // Report SQL differs per schedule; unnamed statements keep connections from collecting prepared plans.
      prepare: false,
      idle_timeout: 60,
      onnotice: () => {},
      connection: { application_name: `herald-query-${name}` },
    })
    this.pools.set(name, pool)
    return pool
  }

  /** Once per source and process; a connection failure is forgotten so the next use checks again. */
  private check(name: string, sql: Sql): Promise<void> {
    let check = this.checks.get(name)
    if (!check) {
      check = (async () => {
        const { role, findings } = await inspectDataSourcePrivileges(sql)
        const [worst] = findings
        if (!worst) return
        const line = privilegedSourceLine(name, role, worst, this.allowPrivileged.has(name))
        if (!this.allowPrivileged.has(name)) throw new PrivilegedDataSourceError(line)
        this.warn(line)
      })()
      check.catch((error) => {
        if (!(error instanceof PrivilegedDataSourceError)) this.checks.delete(name)
      })
      this.checks.set(name, check)
    }
    return check
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()]
    this.pools.clear()
    this.checks.clear()
    await Promise.all(pools.map((pool) => pool.end({ timeout: 5 })))
  }
}
