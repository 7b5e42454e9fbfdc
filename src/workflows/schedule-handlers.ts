import * as wf from '@temporalio/workflow'
import type { AcknowledgeRequest } from '../domain/escalation.js'
import type { ScheduleSpec, ScheduleSpecInput } from '../domain/schedule.js'
import type { PauseRequest } from '../domain/schedule-messages.js'
import type { ScheduleState } from '../domain/schedule-state.js'
import {
  acknowledgeEscalationUpdate,
  dataReadySignal,
  pauseSignal,
  pauseUpdate,
  resumeSignal,
  resumeUpdate,
  skipNextSignal,
  skipNextUpdate,
  stateQuery,
  triggerNowSignal,
  triggerUpdate,
  updateScheduleUpdate,
} from './messages.js'

/** What the schedule workflow does for each message; the handlers below only route to it. */
export interface ScheduleMessageTarget {
  readonly writesRow: boolean
  pause(request: PauseRequest): void
  resume(): void
  skipNext(): void
  /** Starts a run now (also while paused); returns its run id. */
  triggerManually(): string
  dataReady(dataset: string, asOf: string): void
  /** Validates and applies a new definition; returns it with defaults filled in. */
  replaceSpec(spec: ScheduleSpecInput): ScheduleSpec
  validateSpec(spec: ScheduleSpecInput): void
  /** Refuses an acknowledgement when no escalation episode is open. */
  validateAcknowledge(): void
  acknowledgeEscalation(request: AcknowledgeRequest): unknown
  view(): ScheduleState
  /** The state after a change, once the schedule's row shows it. */
  publishedView(): Promise<ScheduleState>
}

/**
 * Signals are for other services (queued even while no worker runs); updates are the API's, and answer with the
 * state once published. Both do the same thing to the schedule.
 */
export function listenToMessages(schedule: ScheduleMessageTarget): void {
  wf.setHandler(pauseSignal, (request = {}) => schedule.pause(request))
  wf.setHandler(pauseUpdate, (request) => {
    schedule.pause(request)
    return schedule.publishedView()
  })
  wf.setHandler(resumeSignal, () => schedule.resume())
  wf.setHandler(resumeUpdate, () => {
    schedule.resume()
    return schedule.publishedView()
  })
  wf.setHandler(skipNextSignal, () => schedule.skipNext())
  wf.setHandler(skipNextUpdate, () => {
    schedule.skipNext()
    return schedule.publishedView()
  })
  wf.setHandler(triggerNowSignal, () => {
    schedule.triggerManually()
  })
  // Older executions answered at once: they keep doing so, so their histories replay.
  wf.setHandler(triggerUpdate, () => {
    const runId = schedule.triggerManually()
    return schedule.writesRow ? schedule.publishedView().then(() => ({ runId })) : { runId }
  })
  wf.setHandler(dataReadySignal, ({ dataset, asOf }) => schedule.dataReady(dataset, asOf))
  wf.setHandler(
    updateScheduleUpdate,
    (input) => {
      const spec = schedule.replaceSpec(input)
      return schedule.writesRow ? schedule.publishedView().then(() => spec) : spec
    },
    { validator: (input) => schedule.validateSpec(input) },
  )
  wf.setHandler(
    acknowledgeEscalationUpdate,
    (request) => {
      schedule.acknowledgeEscalation(request)
      return schedule.publishedView()
    },
    { validator: (_request: AcknowledgeRequest) => schedule.validateAcknowledge() },
  )
  wf.setHandler(stateQuery, () => schedule.view())
}
