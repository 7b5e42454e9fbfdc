import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Database } from '../db/client.js'
import * as schedules from '../db/schedules.js'

/**
 * Herald's own worker metrics (docs/OBSERVABILITY.md lists each), in a registry of the worker's own. Activities
 * record them, never workflow code: a replayed workflow would count twice, an activity runs once per attempt.
 */
export class WorkerMetrics {
  readonly registry = new Registry()

  private readonly runs = new Counter({
    name: 'herald_runs_total',
    help: 'Runs recorded as finished (sent, partial, failed, skipped) and ticks recorded as not run (skipped, missed), by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })

  private readonly deliveries = new Counter({
    name: 'herald_deliveries_total',
    help: 'Recipients settled by a delivery attempt, by ledger status and SMTP reply class (2xx, 4xx, 5xx, none).',
    labelNames: ['status', 'reply_class'] as const,
    registers: [this.registry],
  })

  private readonly tickLateness = new Histogram({
    name: 'herald_tick_lateness_seconds',
    help: "From a run's fire time to the start of its first activity, by trigger (catch-up runs are late by design).",
    labelNames: ['trigger'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  })

  private readonly renderDuration = new Histogram({
    name: 'herald_render_duration_seconds',
    help: 'Time to render one attachment, by format.',
    labelNames: ['format'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  })

  private readonly renderBytes = new Histogram({
    name: 'herald_render_bytes',
    help: 'Size of one rendered attachment, by format.',
    labelNames: ['format'] as const,
    // 1 KiB … 64 MiB
    buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536].map((k) => k * 1024),
    registers: [this.registry],
  })

  private readonly queryDuration = new Histogram({
    name: 'herald_query_duration_seconds',
    help: 'Time to run a report query and store its rows, by data source and outcome (ok, error).',
    labelNames: ['data_source', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  })

  private readonly queryRows = new Histogram({
    name: 'herald_query_rows',
    help: 'Rows a report query returned, by data source.',
    labelNames: ['data_source'] as const,
    buckets: [0, 1, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
    registers: [this.registry],
  })

  private readonly ledgerRetries = new Counter({
    name: 'herald_delivery_ledger_retries_total',
    help: 'Recipients a delivery attempt found in the ledger from an earlier attempt: resent (failed or interrupted before) or already_settled (not mailed again).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  })

  private readonly retentionRows = new Counter({
    name: 'herald_retention_deleted_rows_total',
    help: 'Rows the retention cleanup deleted, by table (artifacts: one per file, runs, deliveries, audit_log).',
    labelNames: ['table'] as const,
    registers: [this.registry],
  })

  private readonly retentionBytes = new Counter({
    name: 'herald_retention_deleted_bytes_total',
    help: 'Bytes of expired files (query results, rendered reports) the retention cleanup deleted.',
    registers: [this.registry],
  })

  /** `db` feeds the schedules gauge; `onError` hears when reading it fails (the gauge is then empty for a scrape). */
  constructor(options: { db?: Database; onError?: (err: unknown) => void } = {}) {
    const { db, onError } = options
    new Gauge({
      name: 'herald_schedules',
      help: 'Schedules by status, read from herald.schedules at scrape time (the same number on every worker).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        if (!db) return
        this.reset()
        try {
          for (const { status, count } of await schedules.countByStatus(db)) this.set({ status }, count)
        } catch (err) {
          // A database outage empties this gauge for one scrape instead of failing every metric.
          onError?.(err)
        }
      },
    })
  }

  runRecorded(outcome: string): void {
    this.runs.inc({ outcome })
  }

  recipientSettled(status: string, reply: string | undefined): void {
    this.deliveries.inc({ status, reply_class: smtpReplyClass(reply) })
  }

  runStarted(trigger: string, fireTime: string, startedAtMs: number): void {
    this.tickLateness.observe({ trigger }, Math.max(0, (startedAtMs - Date.parse(fireTime)) / 1000))
  }

  rendered(format: string, seconds: number, bytes: number): void {
    this.renderDuration.observe({ format }, seconds)
    this.renderBytes.observe({ format }, bytes)
  }

  queried(dataSource: string, seconds: number, rows: number | undefined): void {
    this.queryDuration.observe(
      { data_source: dataSource, outcome: rows === undefined ? 'error' : 'ok' },
      seconds,
    )
    if (rows !== undefined) this.queryRows.observe({ data_source: dataSource }, rows)
  }

  ledgerRetry(kind: 'resent' | 'already_settled'): void {
    this.ledgerRetries.inc({ kind })
  }

  /** What one batch of the retention cleanup deleted: rows by table (a file counts as its artifacts row), bytes. */
  retentionDeleted(rows: Partial<Record<RetentionTable, number>>, bytes = 0): void {
    for (const [table, count] of Object.entries(rows)) if (count) this.retentionRows.inc({ table }, count)
    if (bytes) this.retentionBytes.inc(bytes)
  }

  /** The Prometheus text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics()
  }
}

export type RetentionTable = 'artifacts' | 'runs' | 'deliveries' | 'audit_log'

/** `250 2.0.0 Ok` → `2xx`; a client-side error (connection refused, timeout) has no reply: `none`. */
export function smtpReplyClass(reply: string | undefined): '2xx' | '3xx' | '4xx' | '5xx' | 'none' {
  const first = /^([2-5])\d\d[\s-]/.exec(`${reply ?? ''} `)?.[1]
  return first ? (`${first}xx` as '2xx') : 'none'
}

/** Seconds since a `performance.now()` reading. */
export const secondsSince = (startedMs: number) => (performance.now() - startedMs) / 1000
