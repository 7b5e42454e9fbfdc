import * as wf from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import {
  type AcknowledgeRequest,
  acknowledgeProblem,
  applyRun,
  type EscalationNotice,
  type EscalationPolicy,
  type EscalationState,
  escalationVerdict,
  initialEscalation,
} from '../domain/escalation.js'
import type { RunSummary } from '../domain/run.js'
import type { ScheduleSpec } from '../domain/schedule.js'
import { DESTINATION_DELIVERY_POLICY, ESCALATION_POLICY } from './activity-policies.js'
import { failureMessage } from './failure-message.js'
import type { ScheduleCarryState } from './schedule-state.js'
import { workflowNow } from './workflow-clock.js'

const { notifyEscalation } = wf.proxyActivities<HeraldActivities>(ESCALATION_POLICY)
const { postEscalation } = wf.proxyActivities<HeraldActivities>(DESTINATION_DELIVERY_POLICY)

/** Schedules recorded before escalation existed replay without its activities. */
export const ESCALATION_PATCH = 'schedule-escalation'

/** The failure type of an acknowledgement with no open episode; the API answers it with a 409. */
export const NO_ESCALATION_OPEN = 'NoEscalationOpen'

export interface EscalationOwner {
  readonly scheduleId: string
  readonly spec: ScheduleSpec
  readonly state: ScheduleCarryState
  /** Something shown by the state query changed: publish it. */
  wakeUp(): void
}

/**
 * A schedule's escalation policy at work (src/domain/escalation.ts decides): every finished run is counted, each
 * step that comes due is notified once by the `notifyEscalation` activity (whose ledger makes a retry skip whoever
 * was already told), in the background so ticks go on. Its state rides in the carried state.
 */
export class ScheduleEscalation {
  private inFlight = 0

  constructor(private readonly owner: EscalationOwner) {}

  /** No notification in flight: the schedule may continue as new. */
  get idle(): boolean {
    return this.inFlight === 0
  }

  /** A run of the schedule ended or failed to finish; `conditionHeld` is its condition's outcome, when evaluated. */
  observe(run: RunSummary, conditionHeld?: boolean): void {
    const { spec, state } = this.owner
    const policy = spec.escalation
    if (!policy || !wf.patched(ESCALATION_PATCH)) return
    state.escalation ??= initialEscalation()
    const escalation = state.escalation
    const verdict = escalationVerdict(policy, spec.condition.type, { status: run.status, conditionHeld })
    const due = applyRun(escalation, policy, verdict, run, workflowNow().toISOString())
    for (const step of due) void this.notify(policy, escalation, step, run)
    if (verdict !== 'neutral') this.owner.wakeUp()
  }

  validateAcknowledge(): void {
    const problem = acknowledgeProblem(this.owner.state.escalation)
    if (problem) {
      throw wf.ApplicationFailure.create({ type: NO_ESCALATION_OPEN, message: problem, nonRetryable: true })
    }
  }

  /** Stops the open episode's further steps; a step already being notified still completes. */
  acknowledge(request: AcknowledgeRequest): EscalationState {
    const escalation = this.owner.state.escalation!
    const episode = escalation.episode!
    episode.acknowledged ??= { at: workflowNow().toISOString(), by: request.by, note: request.note }
    this.owner.wakeUp()
    return escalation
  }

  private async notify(
    policy: EscalationPolicy,
    escalation: EscalationState,
    step: number,
    run: RunSummary,
  ): Promise<void> {
    const episode = escalation.episode!
    const entry = episode.steps.find((s) => s.step === step)!
    const { spec, scheduleId } = this.owner
    const notice: EscalationNotice = {
      scheduleId,
      scheduleName: spec.name,
      timezone: spec.timezone,
      episodeId: episode.id,
      step,
      afterConsecutive: entry.afterConsecutive,
      consecutive: escalation.consecutive,
      runId: run.runId,
      fireTime: run.fireTime,
      status: run.status,
      reason: run.reason,
      notify: policy.steps[step]!.notify,
    }
    const { notify, destinations } = policy.steps[step]!
    const summary = `escalation step ${step + 1}: ${escalation.consecutive} runs in a row`
    this.inFlight++
    try {
      const mailed =
        notify.to.length + notify.lists.length > 0
          ? notifyEscalation.executeWithOptions({ summary }, [notice])
          : undefined
      // Older code had no destinations in steps, so a step without them starts only the mail, as before.
      const posted = destinations.map((destinationId) =>
        postEscalation.executeWithOptions({ summary: `${summary}, post to ${destinationId}` }, [
          { notice, destinationId },
        ]),
      )
      // Every activity ends before the step does: the schedule continues as new only with none in flight.
      const outcomes = await Promise.allSettled([...(mailed ? [mailed] : []), ...posted])
      const failed = outcomes.some((o) => o.status === 'rejected')
      entry.status = failed ? 'failed' : 'notified'
      entry.detail = outcomes
        .map((o) => (o.status === 'fulfilled' ? o.value : failureMessage(o.reason)))
        .join('; ')
    } finally {
      this.inFlight--
      this.owner.wakeUp()
    }
  }
}
