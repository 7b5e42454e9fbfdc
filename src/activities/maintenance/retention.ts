import { asyncLocalStorage } from '@temporalio/activity'
import type { ArtifactStore } from '../../artifacts/artifact-store.js'
import * as auditLog from '../../db/audit-log.js'
import type { Database } from '../../db/client.js'
import * as deliveries from '../../db/deliveries.js'
import * as runs from '../../db/runs.js'
import { type RetentionPass, type RetentionPassInput, retentionCutoff } from '../../domain/retention.js'
import type { WorkerMetrics } from '../../telemetry/worker-metrics.js'
import { heartbeatProgress } from '../heartbeats.js'

export interface RetentionDeps {
  db: Database
  artifacts: ArtifactStore
  /** RECORD_RETENTION_DAYS and RETENTION_INTERVAL_MINUTES, read at each pass. */
  settings: { recordRetentionDays: number; intervalMinutes: number }
  metrics?: WorkerMetrics
  /** Rows (or files) per statement: small enough to keep each short, so deletes never hold locks for long. */
  batchSize?: number
  /** Batches per kind in one pass: the pass stays a bounded activity; `more` asks for the next pass at once. */
  maxBatches?: number
}

export const DEFAULT_RETENTION_BATCH = 500
export const DEFAULT_RETENTION_MAX_BATCHES = 20

/** The retention workflow's activity (herald-maintenance/retention): one cleanup pass up to the workflow's time. */
export function createRetentionActivities(deps: RetentionDeps) {
  return {
    async cleanupExpiredData(input: RetentionPassInput): Promise<RetentionPass> {
      return runRetentionPass(deps, new Date(input.now))
    },
  }
}

/**
 * Deletes, as of `now`, runs older than the record retention with their delivery ledger rows, then audit entries
 * as old, then expired files (content and row), each in bounded batches. Records go first: a run deleted for its
 * age no longer holds its expired files back. Files a running run or an unsettled delivery needs are never touched
 * (LocalArtifactStore.deleteExpired).
 */
export async function runRetentionPass(deps: RetentionDeps, now: Date): Promise<RetentionPass> {
  const batchSize = deps.batchSize ?? DEFAULT_RETENTION_BATCH
  const maxBatches = deps.maxBatches ?? DEFAULT_RETENTION_MAX_BATCHES
  const cutoff = retentionCutoff(now, deps.settings.recordRetentionDays)
  const pass: RetentionPass = {
    files: 0,
    bytes: 0,
    runs: 0,
    deliveries: 0,
    auditRows: 0,
    more: false,
    nextPassMinutes: deps.settings.intervalMinutes,
  }
  const progress = () => {
    const context = asyncLocalStorage.getStore()
    if (context) heartbeatProgress(context, { ...pass })
  }

  /** Runs `batch` until one comes back short; false when maxBatches stopped it first. */
  const inBatches = async (batch: () => Promise<number>): Promise<boolean> => {
    for (let i = 0; i < maxBatches; i++) {
      const done = await batch()
      progress()
      if (done < batchSize) return true
    }
    return false
  }

  const runsDone = await inBatches(async () => {
    const ids = await runs.startedBefore(deps.db, cutoff, batchSize)
    // Ledger rows before their run: a crash in between leaves a run without deliveries, never the reverse.
    const ledgerRows = await deliveries.deleteOfRuns(deps.db, ids)
    const runRows = await runs.deleteByIds(deps.db, ids)
    pass.deliveries += ledgerRows
    pass.runs += runRows
    deps.metrics?.retentionDeleted({ deliveries: ledgerRows, runs: runRows })
    return ids.length
  })
  const auditDone = await inBatches(async () => {
    const deleted = await auditLog.deleteBefore(deps.db, cutoff, batchSize)
    pass.auditRows += deleted
    deps.metrics?.retentionDeleted({ audit_log: deleted })
    return deleted
  })
  const filesDone = await inBatches(async () => {
    const deleted = await deps.artifacts.deleteExpired({ now, limit: batchSize })
    pass.files += deleted.files
    pass.bytes += deleted.bytes
    deps.metrics?.retentionDeleted({ artifacts: deleted.files }, deleted.bytes)
    return deleted.files
  })
  pass.more = !(runsDone && auditDone && filesDone)
  return pass
}
