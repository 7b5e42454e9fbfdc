import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow'
import type { RunStatus, RunTrigger } from '../activities/types.js'
import type { ScheduleSpec, ScheduleSpecInput } from '../domain/schedule.js'

/** Messages of the schedule workflow. Other services send them through the Temporal client by these names. */

export interface PauseRequest {
  note?: string
  by?: string
}
export interface TriggerRequest {
  by?: string
  reason?: string
}
export interface DataReadyNotice {
  dataset: string
  /** ISO 8601: the data is complete up to this instant. */
  asOf: string
}

export const pauseSignal = defineSignal<[PauseRequest]>('pause')
export const resumeSignal = defineSignal<[{ by?: string }?]>('resume')
export const triggerNowSignal = defineSignal<[TriggerRequest?]>('triggerNow')
export const skipNextSignal = defineSignal<[]>('skipNext')
export const dataReadySignal = defineSignal<[DataReadyNotice]>('dataReady')

/** Replaces the schedule's definition; the validator rejects bad input before anything changes. */
export const updateScheduleUpdate = defineUpdate<ScheduleSpec, [ScheduleSpecInput]>('updateSchedule')
/** Starts a run now (also while paused) and returns its id. */
export const triggerUpdate = defineUpdate<{ runId: string }, [TriggerRequest]>('trigger')
export const stateQuery = defineQuery<ScheduleState>('state')

export interface RunSummary {
  runId: string
  fireTime: string
  trigger: RunTrigger
  status: RunStatus
  reason?: string
  rowCount?: number
}

export interface FireTimeView {
  utc: string
  /** Local wall-clock time with its UTC offset, e.g. 2026-03-29T03:00:00+02:00. */
  local: string
}

export interface RunCounts {
  runs: number
  sent: number
  partial: number
  skipped: number
  failed: number
  missed: number
}

export interface ScheduleState {
  status: 'active' | 'paused' | 'completed'
  pausedNote?: string
  pausedBy?: string
  skipNext: boolean
  nextFireTimes: FireTimeView[]
  running: string[]
  buffered?: string
  lastRuns: RunSummary[]
  counts: RunCounts
}
