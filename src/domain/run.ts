import { z } from 'zod'

/**
 * A run: one tick of a schedule that was run, skipped or missed. The workflows, the activities, the API and the
 * runs table's CHECK constraint (tested against these enums) all use these shapes.
 */

export const runTriggerSchema = z.enum(['schedule', 'catchup', 'manual'])
export type RunTrigger = z.infer<typeof runTriggerSchema>

export const runStatusSchema = z.enum(['running', 'sent', 'partial', 'skipped', 'failed', 'missed'])
export type RunStatus = z.infer<typeof runStatusSchema>

export const runStepSchema = z.object({
  name: z.enum(['query', 'condition', 'render', 'deliver', 'notify']),
  status: z.enum(['ok', 'failed', 'skipped']),
  detail: z.string().optional(),
})
export type RunStep = z.infer<typeof runStepSchema>

/** One line of a schedule's recent history, as its workflow remembers it. */
export const runSummarySchema = z.object({
  runId: z.string(),
  fireTime: z.string(),
  trigger: runTriggerSchema,
  status: runStatusSchema,
  reason: z.string().optional(),
  rowCount: z.number().optional(),
})
export type RunSummary = z.infer<typeof runSummarySchema>

/** Totals since the schedule started, by outcome. */
export const runCountsSchema = z.object({
  runs: z.number().int(),
  sent: z.number().int(),
  /** Absent in states published before partial runs were counted. */
  partial: z.number().int().default(0),
  skipped: z.number().int(),
  failed: z.number().int(),
  missed: z.number().int(),
})
export type RunCounts = z.infer<typeof runCountsSchema>

/** The tick a run belongs to, with its report period in the schedule's timezone. */
export const runContextSchema = z.object({
  scheduleId: z.string(),
  scheduleName: z.string(),
  runId: z.string(),
  /** ISO 8601 UTC. */
  fireTime: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  timezone: z.string(),
  /** The schedule's artifactRetentionDays: how long this run's files are kept (unset: the worker's default). */
  artifactRetentionDays: z.number().int().positive().optional(),
})
export type RunContext = z.infer<typeof runContextSchema>
