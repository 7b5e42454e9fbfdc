import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow'
import type { AcknowledgeRequest } from '../domain/escalation.js'
import type { ScheduleSpec, ScheduleSpecInput } from '../domain/schedule.js'
import type {
  DataReadyNotice,
  PauseRequest,
  ResumeRequest,
  SkipNextRequest,
  TriggeredRun,
  TriggerRequest,
} from '../domain/schedule-messages.js'
import type { ScheduleState } from '../domain/schedule-state.js'

/** Messages of the schedule workflow. Other services send them through the Temporal client by these names. */

export const pauseSignal = defineSignal<[PauseRequest]>('pause')
export const resumeSignal = defineSignal<[ResumeRequest?]>('resume')
export const triggerNowSignal = defineSignal<[TriggerRequest?]>('triggerNow')
export const skipNextSignal = defineSignal<[]>('skipNext')
export const dataReadySignal = defineSignal<[DataReadyNotice]>('dataReady')

/**
 * The API's way to change a schedule: each update answers with the state the workflow has published (so a read
 * right after sees the change), where a signal would only be queued. Signals stay for other services.
 */
export const pauseUpdate = defineUpdate<ScheduleState, [PauseRequest]>('pauseSchedule')
export const resumeUpdate = defineUpdate<ScheduleState, [ResumeRequest]>('resumeSchedule')
export const skipNextUpdate = defineUpdate<ScheduleState, [SkipNextRequest]>('skipNextTick')

/** Replaces the schedule's definition; the validator rejects bad input before anything changes. */
export const updateScheduleUpdate = defineUpdate<ScheduleSpec, [ScheduleSpecInput]>('updateSchedule')
/** Starts a run now (also while paused) and returns its id. */
export const triggerUpdate = defineUpdate<TriggeredRun, [TriggerRequest]>('trigger')
/** Stops the open escalation episode's further steps; refused (NoEscalationOpen) when none is open. */
export const acknowledgeEscalationUpdate = defineUpdate<ScheduleState, [AcknowledgeRequest]>(
  'acknowledgeEscalation',
)
export const stateQuery = defineQuery<ScheduleState>('state')
