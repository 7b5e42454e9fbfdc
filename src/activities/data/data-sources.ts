import { ApplicationFailure } from '@temporalio/common'
import postgres, { type Sql } from 'postgres'
import { BusinessError } from '../../domain/errors.js'

export interface DataSourcesOptions {
  /** Connections per source. */
  maxConnections?: number
}

/** The databases report queries may read, by name. Pools open on first use so unused sources cost nothing. */
export class DataSources {
  private readonly urls = new Map<string, string>()
  private readonly pools = new Map<string, Sql>()
  private readonly maxConnections: number

  /** `urls` maps names to postgres:// URLs: 'default' is the app's DATABASE_URL, the rest come from DATA_SOURCES. */
  constructor(urls: Record<string, string | undefined>, { maxConnections = 4 }: DataSourcesOptions = {}) {
    for (const [name, url] of Object.entries(urls)) if (url) this.urls.set(name, url)
    this.maxConnections = maxConnections
  }

  names(): string[] {
    return [...this.urls.keys()].sort()
  }

  /** Throws a non-retryable UnknownDataSource failure: only a schedule edit or a config change can fix it. */
  get(name: string): Sql {
    const existing = this.pools.get(name)
    if (existing) return existing
    const url = this.urls.get(name)
    if (!url) {
      throw ApplicationFailure.nonRetryable(
        `unknown data source "${name}"; configured: ${this.names().join(', ') || '(none)'}`,
        BusinessError.UnknownDataSource,
      )
    }
    const pool = postgres(url, {
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

  async close(): Promise<void> {
    const pools = [...this.pools.values()]
    this.pools.clear()
    await Promise.all(pools.map((pool) => pool.end({ timeout: 5 })))
  }
}
