import type { Client } from '@temporalio/client'
import type { Logger } from 'pino'
import type { Sql } from 'postgres'
import type { ArtifactStore } from '../activities/artifact-store.js'
import type { Attachment, ColumnInfo } from '../activities/types.js'
import type { Config } from '../config.js'
import type { ConditionOutcome } from '../domain/conditions.js'
import type { ScheduleSpec } from '../domain/schedule.js'
import type { HttpMetrics } from './middleware/metrics.js'

/** Everything the API talks to, passed in by whoever starts it (the dev stack, the server entry point, tests). */
export interface AppDeps {
  temporal: TemporalDeps
  db: Sql
  config: Config
  /** Runs a schedule's query, condition and rendering without sending mail. */
  preview: (spec: ScheduleSpec, context: { scheduleId: string }) => Promise<PreviewResult>
  smtp: SmtpCheck
  artifacts: ArtifactStore
  logger?: Logger
  rateLimit?: RateLimitOptions
}

export interface TemporalDeps {
  client: Client
  taskQueue: string
  namespace: string
  /** Temporal Web UI base URL, e.g. http://localhost:8233; links are omitted without it. */
  uiUrl?: string
  /** Upper bound for one Temporal call made while answering a request (queries and updates wait for a worker). */
  rpcTimeoutMs?: number
}

export interface PreviewResult {
  rowCount: number
  columns: ColumnInfo[]
  condition: ConditionOutcome
  attachments: Attachment[]
}

export interface SmtpCheck {
  /** Resolves when the server accepts a connection (and login); rejects with the reason otherwise. */
  verify(): Promise<{ detail?: string } | undefined | boolean>
  /** Sends a short test message. */
  sendTest(to: string): Promise<{ messageId?: string; reply?: string }>
}

export interface RateLimitOptions {
  /** Requests a key may make at once. */
  burst: number
  /** Sustained requests per second per key. */
  perSecond: number
}

export interface AppBindings {
  Variables: {
    deps: AppDeps
    metrics: HttpMetrics
    logger: Logger
    requestId: string
    /** Who made the request, e.g. `apikey:3f2a9c1d` (a hash prefix, never the key). */
    actor?: string
  }
}
