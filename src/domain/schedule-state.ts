import { z } from 'zod'
import { escalationStateSchema } from './escalation.js'
import { runCountsSchema, runSummarySchema } from './run.js'
import { scheduleSpecSchema } from './schedule.js'

/** The schedule workflow's live state: its answer to the `state` query, and the snapshot it publishes. */

/** A schedule's lifecycle as the schedules table stores it; `deleted` exists only there. */
export const scheduleStatusSchema = z.enum(['active', 'paused', 'completed', 'deleted'])
export type ScheduleStatus = z.infer<typeof scheduleStatusSchema>

export const liveStatusSchema = scheduleStatusSchema.exclude(['deleted'])
export type LiveStatus = z.infer<typeof liveStatusSchema>

export const fireTimeViewSchema = z.object({
  utc: z.string(),
  /** Local wall-clock time with its UTC offset, e.g. 2026-03-29T03:00:00+02:00. */
  local: z.string(),
})
export type FireTimeView = z.infer<typeof fireTimeViewSchema>

export const scheduleStateSchema = z.object({
  status: liveStatusSchema,
  pausedNote: z.string().optional(),
  pausedBy: z.string().optional(),
  skipNext: z.boolean(),
  nextFireTimes: z.array(fireTimeViewSchema),
  /** Run ids in progress; absent in states published by older workflow code. */
  running: z.array(z.string()).default([]),
  /** Fire time of the one tick waiting for a running run to finish (overlap `bufferOne`). */
  buffered: z.string().optional(),
  lastRuns: z.array(runSummarySchema),
  counts: runCountsSchema,
  /** Present once a schedule with an escalation policy has counted a run (docs/SCHEDULING.md, "Escalation"). */
  escalation: escalationStateSchema.optional(),
})
export type ScheduleState = z.infer<typeof scheduleStateSchema>

/**
 * What the schedule workflow publishes to its herald.schedules row on every change: its live state (and status),
 * and its definition. The workflow is the only writer of these after the row is created.
 */
export const scheduleSnapshotSchema = z.object({
  scheduleId: z.string(),
  state: scheduleStateSchema,
  /** The definition in force; absent in snapshots of workflow code from before the workflow wrote it. */
  spec: scheduleSpecSchema.optional(),
  /** Workflow time of the snapshot (ISO 8601): a snapshot never replaces a newer one of the same workflow. */
  asOf: z.string(),
})
export type ScheduleSnapshot = z.infer<typeof scheduleSnapshotSchema>
