import { getHeapStatistics } from 'node:v8'
import type { Config } from '../config.js'

/**
 * The worker's workflow cache size when WORKER_MAX_CACHED_WORKFLOWS is unset, from the measured cost of a cached
 * workflow (docs/BENCHMARKS.md, 2026-12-02, `npm run bench:memory`): the heap the worker has, less its own 96 MB
 * and 256 MB kept for activities (rendering, query results), at 2.54 MB per cached schedule or run workflow.
 * A fixed default (it was 2,000, about 5 GB of workflows) outgrew any default Node heap and crashed the worker.
 */
export const WORKER_BASE_HEAP_MB = 96
export const ACTIVITY_HEADROOM_MB = 256
export const CACHED_WORKFLOW_MB = 2.54
/** Below this the worker would replay on almost every task; a small heap still gets a working cache. */
export const MIN_WORKFLOW_CACHE = 20

export function workflowCacheSizeFor(heapLimitMb: number): number {
  const available = heapLimitMb - WORKER_BASE_HEAP_MB - ACTIVITY_HEADROOM_MB
  return Math.max(MIN_WORKFLOW_CACHE, Math.floor(available / CACHED_WORKFLOW_MB))
}

/** The setting when given, else the size this process's heap limit (`--max-old-space-size`) allows. */
export function workflowCacheSize(config: Pick<Config, 'WORKER_MAX_CACHED_WORKFLOWS'>): number {
  return (
    config.WORKER_MAX_CACHED_WORKFLOWS ??
    workflowCacheSizeFor(getHeapStatistics().heap_size_limit / 1024 / 1024)
  )
}
