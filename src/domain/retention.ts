import { z } from 'zod'

/**
 * Retention: how long rendered files and records are kept, and how long a download link may live. Pure and
 * workflow-safe; the cleanup itself is an activity (src/activities/maintenance/retention.ts).
 */

/** An upper bound for every retention setting (100 years): larger values only hide typos. */
export const MAX_RETENTION_DAYS = 36_500

/** ARTIFACT_RETENTION_DAYS when unset: a month of a daily report's files. */
export const DEFAULT_ARTIFACT_RETENTION_DAYS = 30

const DAY_MS = 86_400_000

/** When a file stored at `storedAt` expires, kept `retentionDays` days. */
export function artifactExpiry(storedAt: Date, retentionDays: number): Date {
  return new Date(storedAt.getTime() + retentionDays * DAY_MS)
}

/** The records cut-off of a pass at `now`: rows older than this go. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS)
}

/** A download link never outlives its file: the expiry it asks for, capped at the file's. */
export function linkExpiry(wanted: Date, fileExpiresAt: Date): Date {
  return wanted.getTime() <= fileExpiresAt.getTime() ? wanted : fileExpiresAt
}

export const retentionPassInputSchema = z.object({
  /** The instant the pass deletes up to (ISO 8601): workflow time, so a test can move it. */
  now: z.string(),
})
export type RetentionPassInput = z.infer<typeof retentionPassInputSchema>

/** What one cleanup pass deleted, and when the next one is due. */
export const retentionPassSchema = z.object({
  files: z.number().int(),
  bytes: z.number().int(),
  runs: z.number().int(),
  deliveries: z.number().int(),
  auditRows: z.number().int(),
  /** A pass deletes a bounded number of batches; true when it stopped with more due, so the next starts now. */
  more: z.boolean(),
  /** Minutes until the next pass (RETENTION_INTERVAL_MINUTES, read by the worker at each pass). */
  nextPassMinutes: z.number().int().positive(),
})
export type RetentionPass = z.infer<typeof retentionPassSchema>
