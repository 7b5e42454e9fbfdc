import { getHeapStatistics } from 'node:v8'
import { describe, expect, it } from 'vitest'
import {
  MIN_WORKFLOW_CACHE,
  workflowCacheSize,
  workflowCacheSizeFor,
} from '../../src/temporal/workflow-cache-size.js'

describe('the workflow cache size', () => {
  // The measured figures of docs/BENCHMARKS.md (2026-12-02): 96 MB base, 256 MB for activities, 2.54 MB a workflow.
  it.each([
    [512, 62],
    [1024, 264],
    [2048, 667],
    [4096, 1474],
  ])('a %i MB heap caches %i workflows', (heapMb, cached) => {
    expect(workflowCacheSizeFor(heapMb)).toBe(cached)
  })

  it('never falls below a working minimum on a tiny heap', () => {
    expect(workflowCacheSizeFor(256)).toBe(MIN_WORKFLOW_CACHE)
  })

  it('takes the setting when given, else sizes from this process heap limit', () => {
    expect(workflowCacheSize({ WORKER_MAX_CACHED_WORKFLOWS: 500 })).toBe(500)
    const heapMb = getHeapStatistics().heap_size_limit / 1024 / 1024
    expect(workflowCacheSize({ WORKER_MAX_CACHED_WORKFLOWS: undefined })).toBe(workflowCacheSizeFor(heapMb))
  })
})
