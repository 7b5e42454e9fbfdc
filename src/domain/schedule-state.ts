import { z } from 'zod'
import { runCountsSchema, runSummarySchema } from './run.js'

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
})
export type ScheduleState = z.infer<typeof scheduleStateSchema>

/** The state as published to herald.schedules.live_state. */
export const scheduleSnapshotSchema = z.object({
  scheduleId: z.string(),
  state: scheduleStateSchema,
  /** Workflow time of the snapshot (ISO 8601). */
  asOf: z.string(),
})
export type ScheduleSnapshot = z.infer<typeof scheduleSnapshotSchema>
