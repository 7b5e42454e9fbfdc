import * as wf from '@temporalio/workflow'
import { nextFireTime, toZonedIso } from '../domain/cron.js'
import type { AcknowledgeRequest, EscalationState } from '../domain/escalation.js'
import type { RunSummary } from '../domain/run.js'
import { type ScheduleSpec, type ScheduleSpecInput, scheduleSpecSchema } from '../domain/schedule.js'
import type { PauseRequest } from '../domain/schedule-messages.js'
import type { ScheduleState } from '../domain/schedule-state.js'
import { pausedTicks, runIdFor, tickDueAt } from '../domain/tick-plan.js'
import { ScheduleEscalation } from './escalation.js'
import { listenToMessages } from './schedule-handlers.js'
import { ScheduleRow } from './schedule-row.js'
import { ScheduleRuns } from './schedule-runs.js'
import { initialState, liveView, type ScheduleCarryState } from './schedule-state.js'
import { ScheduleTicks } from './schedule-ticks.js'
import { ScheduleVisibility } from './schedule-visibility.js'
import { workflowNow, workflowNowMs } from './workflow-clock.js'

/** Bounds replay cost and history size: the schedule continues as new after this many ticks at the latest. */
const MAX_TICKS_PER_EXECUTION = 200

export interface ReportScheduleInput {
  scheduleId: string
  spec: ScheduleSpecInput
  state?: ScheduleCarryState
  /** Continue as new after this many ticks (default 200); lower in tests. */
  maxTicksPerExecution?: number
}

/**
 * One long-running workflow per report schedule (id `schedule/<scheduleId>`): sleeps on a durable timer until the
 * next cron tick in the schedule's timezone, starts a `reportRun` child per tick, and answers messages meanwhile.
 * Which ticks are due and what becomes of each is decided in src/domain/tick-plan.ts and applied by ScheduleTicks
 * (schedule-ticks.ts); the runs themselves are ScheduleRuns (schedule-runs.ts).
 */
export async function reportSchedule(input: ReportScheduleInput): Promise<ScheduleState> {
  const schedule = new ReportSchedule(
    input.scheduleId,
    parseSpec(input.spec),
    input.state,
    input.maxTicksPerExecution ?? MAX_TICKS_PER_EXECUTION,
  )
  schedule.listen()
  return schedule.run()
}

export function parseSpec(spec: ScheduleSpecInput): ScheduleSpec {
  const parsed = scheduleSpecSchema.safeParse(spec)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'schedule'}: ${i.message}`)
  throw wf.ApplicationFailure.create({
    type: 'InvalidSchedule',
    message: problems.join('; '),
    nonRetryable: true,
    details: [parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))],
  })
}

class ReportSchedule {
  readonly state: ScheduleCarryState
  private readonly runs: ScheduleRuns
  private readonly ticks: ScheduleTicks
  private wake = false
  private readonly row: ScheduleRow
  private readonly visibility: ScheduleVisibility
  private readonly escalation = new ScheduleEscalation(this)

  constructor(
    readonly scheduleId: string,
    public spec: ScheduleSpec,
    state: ScheduleCarryState | undefined,
    private readonly maxTicksPerExecution: number,
  ) {
    this.state = state ?? initialState(workflowNow().toISOString())
    this.runs = new ScheduleRuns(this)
    this.ticks = new ScheduleTicks(this, this.runs)
    // A local activity holds the workflow task, and with it the command that starts a tick's run.
    this.row = new ScheduleRow(this.scheduleId, () => !this.runs.startingChildren)
    this.visibility = new ScheduleVisibility(this.scheduleId)
  }

  listen(): void {
    listenToMessages(this)
  }

  async run(): Promise<ScheduleState> {
    this.row.start()
    for (;;) {
      if (!this.state.paused) this.ticks.startDue()
      this.ticks.startBufferedIfIdle()
      await this.ticks.flush()

      const next = this.state.paused ? undefined : nextFireTime(this.spec, new Date(this.state.cursor))
      const idle = this.runs.size === 0 && !this.state.buffered && this.escalation.idle
      if (next === null && idle) {
        const final = this.view('completed')
        this.visibility.show(final, this.spec)
        await this.row.final(final, this.spec)
        return final
      }
      if (idle && this.shouldContinueAsNew()) {
        await wf.condition(() => wf.allHandlersFinished() && this.row.isIdle())
        await this.ticks.flush()
        return wf.continueAsNew<typeof reportSchedule>({
          scheduleId: this.scheduleId,
          spec: this.spec,
          state: this.state,
          maxTicksPerExecution: this.maxTicksPerExecution,
        })
      }

      const view = this.view()
      this.row.offer(view, this.spec)
      this.visibility.show(view, this.spec)
      this.wake = false
      if (next) {
        const dueAt = tickDueAt(this.scheduleId, this.spec, next)
        const summary = `sleep until the tick of ${toZonedIso(next, this.spec.timezone)}`
        await wf.condition(() => this.wake, Math.max(1, dueAt - workflowNowMs()), { summary })
      } else {
        await wf.condition(() => this.wake)
      }
    }
  }

  runEnded(): void {
    this.wakeUp()
  }

  runRecorded(run: RunSummary, conditionHeld?: boolean): void {
    this.escalation.observe(run, conditionHeld)
  }

  validateAcknowledge(): void {
    this.escalation.validateAcknowledge()
  }

  acknowledgeEscalation(request: AcknowledgeRequest): EscalationState {
    return this.escalation.acknowledge(request)
  }

  get writesRow(): boolean {
    return this.row.writesRow
  }

  publishedView(): Promise<ScheduleState> {
    return this.row.answer(this.view(), this.spec)
  }

  pause({ note, by }: PauseRequest): void {
    this.state.paused ??= { note, by, since: workflowNow().toISOString() }
    this.state.paused.note = note
    this.state.paused.by = by
    this.wakeUp()
  }

  dataReady(dataset: string, asOf: string): void {
    const known = this.state.dataReady[dataset]
    if (!known || Date.parse(asOf) > Date.parse(known)) this.state.dataReady[dataset] = asOf
  }

  replaceSpec(input: ScheduleSpecInput): ScheduleSpec {
    this.spec = parseSpec(input)
    // A new cron must not fire ticks it would have had in the past.
    const now = workflowNow().toISOString()
    if (this.state.cursor < now) this.state.cursor = now
    this.wakeUp()
    return this.spec
  }

  validateSpec(input: ScheduleSpecInput): void {
    parseSpec(input)
  }

  skipNext(): void {
    this.state.skipNext = true
    this.wakeUp()
  }

  private shouldContinueAsNew(): boolean {
    return wf.workflowInfo().continueAsNewSuggested || this.ticks.thisExecution >= this.maxTicksPerExecution
  }

  wakeUp(): void {
    this.wake = true
  }

  triggerManually(): string {
    const now = workflowNow()
    const runId = runIdFor(this.scheduleId, now)
    // Two triggers in the same workflow task share a fire time: one run, not two.
    if (!this.runs.has(runId)) this.runs.launch(now, 'manual')
    return runId
  }

  resume(): void {
    const paused = this.state.paused
    if (!paused) return
    const now = workflowNow()
    const skipped = pausedTicks(this.scheduleId, this.spec, this.state.cursor, now, paused.note)
    if (skipped) this.ticks.note(skipped)
    this.state.cursor = now.toISOString()
    this.state.paused = undefined
    this.wakeUp()
  }

  view(status?: ScheduleState['status']): ScheduleState {
    return liveView(this.spec, this.state, this.runs.ids, workflowNowMs(), status)
  }
}
