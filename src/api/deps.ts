import type { Client } from '@temporalio/client'
import type { Logger } from 'pino'
import type { Sql } from 'postgres'
import type { ArtifactStore } from '../artifacts/artifact-store.js'
import type { Config } from '../config.js'
import type { HttpMetrics } from './middleware/metrics.js'

/**
 * Everything the API talks to, passed in by whoever starts it (the dev stack, the server entry point, tests): the
 * database and Temporal. Report work (queries, rendering, mail) runs on the worker, started through the client.
 */
export interface AppDeps {
  temporal: TemporalDeps
  db: Sql
  config: Config
  /** Serves the files the worker rendered (signed download links); the API only reads them. */
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
  /** Upper bound for work a request waits for on the worker (a preview, an SMTP check); also without a worker. */
  workTimeoutMs?: number
  /** Whether the namespace has Herald's search attributes; without it (or on false) workflows start unindexed. */
  searchAttributesRegistered?: () => Promise<boolean>
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
