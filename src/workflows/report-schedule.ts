import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common'
import * as wf from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import {
  fireTimesBetween,
  jitterMs,
  nextFireTime,
  nextFireTimes,
  previousFireTime,
  type ReportPeriod,
  toZonedIso,
  triggeredRunPeriod,
} from '../domain/cron.js'
import type { RunContext, RunSummary, RunTrigger } from '../domain/run.js'
import type { TickRecord } from '../domain/run-records.js'
import { type ScheduleSpec, type ScheduleSpecInput, scheduleSpecSchema } from '../domain/schedule.js'
import type { ScheduleState } from '../domain/schedule-state.js'
import { LEDGER_POLICY, NOTIFY_POLICY, SNAPSHOT_POLICY } from './activity-policies.js'
import { failureMessage } from './failure-message.js'
import {
  dataReadySignal,
  pauseSignal,
  resumeSignal,
  skipNextSignal,
  stateQuery,
  triggerNowSignal,
  triggerUpdate,
  updateScheduleUpdate,
} from './messages.js'
import { type ReportRunInput, reportRun } from './report-run.js'
import { initialState, rememberRun, type ScheduleCarryState } from './schedule-state.js'
import { SnapshotPublisher } from './snapshot-publisher.js'
import { workflowNow, workflowNowMs } from './workflow-clock.js'

const { recordTick, recordRunFinished } = wf.proxyActivities<HeraldActivities>(LEDGER_POLICY)
const { notifyOwners } = wf.proxyActivities<HeraldActivities>(NOTIFY_POLICY)
const { publishScheduleState } = wf.proxyLocalActivities<HeraldActivities>(SNAPSHOT_POLICY)

/** Executions started before live-state snapshots existed replay without them (see docs/SCHEDULING.md). */
const SNAPSHOTS_PATCH = 'live-state-snapshots'
/**
 * Runs started by hand report from the schedule's last tick since its creation (or one cron interval) up to the
 * trigger; before, from the pattern's last tick, which right after creation was seconds ago (docs/SCHEDULING.md).
 */
const MANUAL_RUN_PERIOD_PATCH = 'manual-run-period-from-last-scheduled-tick'
/** A schedule that has ended waits at most this long for the database to take its final snapshot. */
const FINAL_SNAPSHOT_WAIT = '1 hour'

/** A tick up to this late is on time; later ones are catch-up runs, or missed beyond the catch-up window. */
const ON_TIME_TOLERANCE_MS = 10_000
/** Bounds replay cost and history size: the schedule continues as new after this many ticks at the latest. */
const MAX_TICKS_PER_EXECUTION = 200
const MISSED_TICKS_RECORDED_ONE_BY_ONE = 50
/**
 * A run is never cut shorter than this, however frequent the schedule: a crashed worker or server is noticed only
 * through activity heartbeat timeouts (30 s, once up to 2 min) plus a retry, and a 60 s cap lost mail in the chaos suite.
 * Ticks that arrive meanwhile follow the overlap policy.
 */
const MIN_RUN_TIMEOUT_MS = 10 * 60_000

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
  private readonly state: ScheduleCarryState
  private readonly running = new Set<string>()
  private readonly pendingRecords: TickRecord[] = []
  private wake = false
  private ticksThisExecution = 0
  private readonly snapshots: SnapshotPublisher<ScheduleState>
  /** Runs whose child workflow start has not been confirmed yet: snapshots wait, so a tick never waits for one. */
  private childrenStarting = 0

  constructor(
    private readonly scheduleId: string,
    private spec: ScheduleSpec,
    state: ScheduleCarryState | undefined,
    private readonly maxTicksPerExecution: number,
  ) {
    this.state = state ?? initialState(workflowNow().toISOString())
    this.snapshots = new SnapshotPublisher(
      (view, asOf) => publishScheduleState({ scheduleId: this.scheduleId, state: view, asOf }),
      // A local activity holds the workflow task, and with it the command that starts a tick's run.
      () => this.childrenStarting === 0,
    )
  }

  listen(): void {
    wf.setHandler(pauseSignal, ({ note, by } = {}) => {
      this.state.paused ??= { note, by, since: workflowNow().toISOString() }
      this.state.paused.note = note
      this.state.paused.by = by
      this.wakeUp()
    })
    wf.setHandler(resumeSignal, () => this.resume())
    wf.setHandler(skipNextSignal, () => {
      this.state.skipNext = true
      this.wakeUp()
    })
    wf.setHandler(triggerNowSignal, () => {
      this.triggerManually()
    })
    wf.setHandler(triggerUpdate, () => ({ runId: this.triggerManually() }))
    wf.setHandler(dataReadySignal, ({ dataset, asOf }) => {
      const known = this.state.dataReady[dataset]
      if (!known || Date.parse(asOf) > Date.parse(known)) this.state.dataReady[dataset] = asOf
    })
    wf.setHandler(
      updateScheduleUpdate,
      (spec) => {
        this.spec = parseSpec(spec)
        // A new cron must not fire ticks it would have had in the past.
        const now = workflowNow().toISOString()
        if (this.state.cursor < now) this.state.cursor = now
        this.wakeUp()
        return this.spec
      },
      { validator: (spec) => void parseSpec(spec) },
    )
    wf.setHandler(stateQuery, () => this.view())
  }

  async run(): Promise<ScheduleState> {
    const publishing = wf.patched(SNAPSHOTS_PATCH)
    if (publishing) void this.snapshots.run()
    for (;;) {
      if (!this.state.paused) this.startDueTicks()
      this.startBufferedRunIfIdle()
      await this.flushRecords()

      const next = this.state.paused ? undefined : nextFireTime(this.spec, new Date(this.state.cursor))
      const idle = this.running.size === 0 && !this.state.buffered
      if (next === null && idle) {
        const final = this.view('completed')
        this.snapshots.offer(final)
        if (publishing) await wf.condition(() => this.snapshots.isCurrent(), FINAL_SNAPSHOT_WAIT)
        return final
      }
      if (idle && this.shouldContinueAsNew()) {
        await wf.condition(() => wf.allHandlersFinished() && this.snapshots.isIdle())
        await this.flushRecords()
        return wf.continueAsNew<typeof reportSchedule>({
          scheduleId: this.scheduleId,
          spec: this.spec,
          state: this.state,
          maxTicksPerExecution: this.maxTicksPerExecution,
        })
      }

      this.snapshots.offer(this.view())
      this.wake = false
      if (next) {
        const dueAt = next.getTime() + jitterMs(this.runIdFor(next), this.spec.jitterSeconds)
        await wf.condition(() => this.wake, Math.max(1, dueAt - workflowNowMs()))
      } else {
        await wf.condition(() => this.wake)
      }
    }
  }

  private shouldContinueAsNew(): boolean {
    return wf.workflowInfo().continueAsNewSuggested || this.ticksThisExecution >= this.maxTicksPerExecution
  }

  private wakeUp(): void {
    this.wake = true
  }

  private runIdFor(fireTime: Date): string {
    return `run/${this.scheduleId}/${fireTime.toISOString()}`
  }

  /** Ticks whose time (plus jitter) has come, split into on-time, catch-up, superseded and missed. */
  private startDueTicks(): void {
    const now = workflowNowMs()
    const candidates = fireTimesBetween(this.spec, new Date(this.state.cursor), new Date(now), 10_000)
    const due: Date[] = []
    for (const t of candidates) {
      if (t.getTime() + jitterMs(this.runIdFor(t), this.spec.jitterSeconds) > now) break
      due.push(t)
    }
    const last = due.at(-1)
    if (!last) return
    this.state.cursor = last.toISOString()
    this.ticksThisExecution += due.length

    const windowMs = Math.max(this.spec.catchup.windowMinutes * 60_000, ON_TIME_TOLERANCE_MS)
    const missed = due.filter((t) => now - t.getTime() > windowMs)
    let toRun = due.filter((t) => now - t.getTime() <= windowMs)
    this.recordMissed(missed, windowMs)
    const newest = toRun.at(-1)
    if (this.spec.catchup.mode === 'latest' && newest && toRun.length > 1) {
      for (const t of toRun.slice(0, -1)) {
        this.recordTick(
          t,
          'skipped',
          `catch-up: superseded by the tick at ${newest.toISOString()} (mode latest)`,
        )
      }
      toRun = [newest]
    }
    for (const t of toRun) this.onTick(t, now - t.getTime() > ON_TIME_TOLERANCE_MS ? 'catchup' : 'schedule')
  }

  private recordMissed(missed: Date[], windowMs: number): void {
    const reason = (t: Date) =>
      `missed: ${Math.round((workflowNowMs() - t.getTime()) / 60_000)} min late (worker or server down), outside the ${windowMs / 60_000} min catch-up window`
    const oneByOne =
      missed.length <= MISSED_TICKS_RECORDED_ONE_BY_ONE
        ? missed
        : missed.slice(0, MISSED_TICKS_RECORDED_ONE_BY_ONE - 1)
    for (const t of oneByOne) this.recordTick(t, 'missed', reason(t))
    const rest = missed.slice(oneByOne.length)
    const first = rest[0]
    const last = rest.at(-1)
    if (first && last) {
      this.pendingRecords.push({
        scheduleId: this.scheduleId,
        runId: `${this.runIdFor(first)}..${last.toISOString()}`,
        fireTime: first.toISOString(),
        status: 'missed',
        reason: `${rest.length} ticks from ${first.toISOString()} to ${last.toISOString()} ${reason(last)}`,
      })
      this.state.counts.missed += rest.length - 1
      rememberRun(this.state, {
        runId: `${this.runIdFor(first)}..${last.toISOString()}`,
        fireTime: first.toISOString(),
        trigger: 'schedule',
        status: 'missed',
        reason: `${rest.length} ticks missed`,
      })
    }
  }

  private recordTick(fireTime: Date, status: 'skipped' | 'missed', reason: string): void {
    const runId = this.runIdFor(fireTime)
    this.pendingRecords.push({
      scheduleId: this.scheduleId,
      runId,
      fireTime: fireTime.toISOString(),
      status,
      reason,
    })
    rememberRun(this.state, { runId, fireTime: fireTime.toISOString(), trigger: 'schedule', status, reason })
  }

  private async flushRecords(): Promise<void> {
    const records = this.pendingRecords.splice(0)
    await Promise.all(records.map((r) => recordTick(r)))
  }

  private onTick(fireTime: Date, trigger: RunTrigger): void {
    if (this.state.skipNext) {
      this.state.skipNext = false
      this.recordTick(fireTime, 'skipped', 'skipNext: this tick was skipped on request')
      return
    }
    if (this.running.size === 0 || this.spec.overlap === 'allow') {
      this.launch(fireTime, trigger)
      return
    }
    const busy = `overlap: run ${[...this.running][0]} still running`
    if (this.spec.overlap === 'bufferOne' && !this.state.buffered) {
      this.state.buffered = { fireTime: fireTime.toISOString(), trigger }
    } else if (this.spec.overlap === 'bufferOne') {
      this.recordTick(fireTime, 'skipped', `${busy} and one tick already buffered (policy bufferOne)`)
    } else {
      this.recordTick(fireTime, 'skipped', `${busy} (policy skip)`)
    }
  }

  private startBufferedRunIfIdle(): void {
    const buffered = this.state.buffered
    if (!buffered || this.running.size > 0) return
    this.state.buffered = undefined
    this.launch(new Date(buffered.fireTime), buffered.trigger)
  }

  private triggerManually(): string {
    const now = workflowNow()
    const runId = this.runIdFor(now)
    // Two triggers in the same workflow task share a fire time: one run, not two.
    if (!this.running.has(runId)) this.launch(now, 'manual')
    return runId
  }

  private resume(): void {
    const paused = this.state.paused
    if (!paused) return
    const now = workflowNow()
    const skipped = fireTimesBetween(this.spec, new Date(this.state.cursor), now, 100_000)
    const first = skipped[0]
    const last = skipped.at(-1)
    if (first && last) {
      const note = paused.note ? ` ("${paused.note}")` : ''
      const reason = `paused${note}: ${skipped.length} tick(s) from ${first.toISOString()} to ${last.toISOString()} not run`
      this.pendingRecords.push({
        scheduleId: this.scheduleId,
        runId: `${this.runIdFor(first)}..${last.toISOString()}`,
        fireTime: first.toISOString(),
        status: 'skipped',
        reason,
      })
      rememberRun(this.state, {
        runId: `${this.runIdFor(first)}..${last.toISOString()}`,
        fireTime: first.toISOString(),
        trigger: 'schedule',
        status: 'skipped',
        reason,
      })
    }
    this.state.cursor = now.toISOString()
    this.state.paused = undefined
    this.wakeUp()
  }

  private runContext(fireTime: Date, runId: string, trigger: RunTrigger): RunContext {
    const period = this.reportPeriod(fireTime, trigger)
    return {
      scheduleId: this.scheduleId,
      scheduleName: this.spec.name,
      runId,
      fireTime: fireTime.toISOString(),
      periodStart: period.start.toISOString(),
      periodEnd: period.end.toISOString(),
      timezone: this.spec.timezone,
    }
  }

  /** A tick reports the interval since the tick before it; a run started by hand, since the last tick until now. */
  private reportPeriod(fireTime: Date, trigger: RunTrigger): ReportPeriod {
    if (trigger === 'manual' && wf.patched(MANUAL_RUN_PERIOD_PATCH)) {
      const createdAt = this.state.createdAt ? new Date(this.state.createdAt) : undefined
      return triggeredRunPeriod(this.spec, fireTime, createdAt)
    }
    return { start: previousFireTime(this.spec, fireTime), end: fireTime }
  }

  private runTimeoutMs(fireTime: Date): number {
    const configured = this.spec.runTimeoutMinutes * 60_000
    const next = nextFireTime(this.spec, fireTime)
    const interval = next ? next.getTime() - fireTime.getTime() : configured
    return Math.max(MIN_RUN_TIMEOUT_MS, Math.min(configured, interval))
  }

  /** Starts the run in the background; the main loop keeps handling ticks and messages meanwhile. */
  private launch(fireTime: Date, trigger: RunTrigger): void {
    const runId = this.runIdFor(fireTime)
    this.running.add(runId)
    const spec = this.spec
    void this.execute(fireTime, trigger, runId, spec).finally(() => {
      this.running.delete(runId)
      this.wakeUp()
    })
  }

  private async execute(
    fireTime: Date,
    trigger: RunTrigger,
    runId: string,
    spec: ScheduleSpec,
  ): Promise<void> {
    const run = this.runContext(fireTime, runId, trigger)
    try {
      const dataNotReady = trigger === 'manual' ? undefined : await this.waitForData(spec, run)
      const input: ReportRunInput = { run, trigger, spec, previous: this.state.previous, dataNotReady }
      this.childrenStarting++
      const child = await wf
        .startChild(reportRun, {
          workflowId: runId,
          args: [input],
          workflowExecutionTimeout: this.runTimeoutMs(fireTime),
          parentClosePolicy: 'REQUEST_CANCEL',
        })
        .finally(() => this.childrenStarting--)
      const result = await child.result()
      this.state.previous = result.next
      this.remember({
        runId,
        fireTime: run.fireTime,
        trigger,
        status: result.status,
        reason: result.reason,
        rowCount: result.rowCount,
      })
    } catch (err) {
      if (wf.isCancellation(err)) return
      if (err instanceof WorkflowExecutionAlreadyStartedError) return
      await this.recordRunFailure(run, trigger, spec, err)
    }
  }

  private remember(summary: RunSummary): void {
    rememberRun(this.state, summary)
  }

  /** The run itself never finished (timed out or was terminated): record it here so the failure is not lost. */
  private async recordRunFailure(run: RunContext, trigger: RunTrigger, spec: ScheduleSpec, err: unknown) {
    const reason = `run did not finish: ${failureMessage(err)}`
    this.remember({ runId: run.runId, fireTime: run.fireTime, trigger, status: 'failed', reason })
    await recordRunFinished({ runId: run.runId, status: 'failed', reason, error: reason, steps: [] })
    if (spec.notifyOwnersOnFailure && spec.owners.length > 0) {
      await notifyOwners({ run, owners: spec.owners, error: reason }).catch(() => undefined)
    }
  }

  /** Upstream gating: waits for a dataReady signal covering the report period, up to the deadline. */
  private async waitForData(spec: ScheduleSpec, run: RunContext): Promise<string | undefined> {
    const gate = spec.dataReady
    if (!gate) return undefined
    const isReady = () => {
      const asOf = this.state.dataReady[gate.dataset]
      return asOf !== undefined && Date.parse(asOf) >= Date.parse(run.periodStart)
    }
    const ready = await wf.condition(isReady, gate.deadlineMinutes * 60_000)
    if (ready || gate.onTimeout === 'run') return undefined
    return `DataNotReady: dataset "${gate.dataset}" was not announced ready for the period starting ${run.periodStart} within ${gate.deadlineMinutes} min`
  }

  private view(status?: ScheduleState['status']): ScheduleState {
    const from = new Date(Math.max(Date.parse(this.state.cursor), workflowNowMs()))
    return {
      status: status ?? (this.state.paused ? 'paused' : 'active'),
      pausedNote: this.state.paused?.note,
      pausedBy: this.state.paused?.by,
      skipNext: this.state.skipNext,
      nextFireTimes:
        status === 'completed'
          ? []
          : nextFireTimes(this.spec, from, 5).map((t) => ({
              utc: t.toISOString(),
              local: toZonedIso(t, this.spec.timezone),
            })),
      running: [...this.running],
      buffered: this.state.buffered?.fireTime,
      lastRuns: this.state.lastRuns,
      counts: this.state.counts,
    }
  }
}
