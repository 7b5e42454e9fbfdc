import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common'
import * as wf from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import { toZonedIso } from '../domain/cron.js'
import type { RunContext, RunSummary, RunTrigger } from '../domain/run.js'
import type { ScheduleSpec } from '../domain/schedule.js'
import { runSummaryLine } from '../domain/schedule-description.js'
import { reportPeriod, runIdFor, runTimeoutMs } from '../domain/tick-plan.js'
import { LEDGER_POLICY, NOTIFY_POLICY } from './activity-policies.js'
import { failureMessage } from './failure-message.js'
import { type ReportRunInput, reportRun } from './report-run.js'
import { rememberRun, type ScheduleCarryState } from './schedule-state.js'
import { isIndexed, runSearchAttributes } from './search-attributes.js'

const { recordRunFinished } = wf.proxyActivities<HeraldActivities>(LEDGER_POLICY)
const { notifyOwners } = wf.proxyActivities<HeraldActivities>(NOTIFY_POLICY)

/**
 * Runs started by hand report from the schedule's last tick since its creation (or one cron interval) up to the
 * trigger; before, from the pattern's last tick, which right after creation was seconds ago (docs/SCHEDULING.md).
 */
const MANUAL_RUN_PERIOD_PATCH = 'manual-run-period-from-last-scheduled-tick'

/** What the runs need of their schedule: its id, its current definition and its carried state. */
export interface RunsOwner {
  readonly scheduleId: string
  readonly spec: ScheduleSpec
  readonly state: ScheduleCarryState
  /** A run ended: the schedule's loop looks again (a buffered tick may start). */
  runEnded(): void
  /** A run's outcome was remembered (escalation counts it); `conditionHeld` when its condition was evaluated. */
  runRecorded(run: RunSummary, conditionHeld?: boolean): void
}

/**
 * The schedule's runs in progress: each is a `reportRun` child workflow (id = run id), started in the background so
 * the schedule keeps handling ticks and messages meanwhile, and remembered in the carried state when it ends.
 */
export class ScheduleRuns {
  private readonly running = new Set<string>()
  /** Runs whose child workflow start has not been confirmed yet. */
  private starting = 0

  constructor(private readonly owner: RunsOwner) {}

  get ids(): string[] {
    return [...this.running]
  }

  get size(): number {
    return this.running.size
  }

  has(runId: string): boolean {
    return this.running.has(runId)
  }

  /** A child start is in flight: a local activity now would hold the workflow task that carries it. */
  get startingChildren(): boolean {
    return this.starting > 0
  }

  /** `periodStart`: the run also reports the periods of ticks it superseded (tick-plan.ts, reportPeriod). */
  launch(fireTime: Date, trigger: RunTrigger, periodStart?: Date): void {
    const runId = runIdFor(this.owner.scheduleId, fireTime)
    this.running.add(runId)
    const spec = this.owner.spec
    void this.execute(fireTime, trigger, runId, spec, periodStart).finally(() => {
      this.running.delete(runId)
      this.owner.runEnded()
    })
  }

  private async execute(
    fireTime: Date,
    trigger: RunTrigger,
    runId: string,
    spec: ScheduleSpec,
    periodStart: Date | undefined,
  ): Promise<void> {
    const run = this.runContext(fireTime, runId, trigger, spec, periodStart)
    const { state } = this.owner
    try {
      const dataNotReady = trigger === 'manual' ? undefined : await this.waitForData(spec, run)
      const input: ReportRunInput = { run, trigger, spec, previous: state.previous, dataNotReady }
      this.starting++
      const indexed = isIndexed(wf.workflowInfo().typedSearchAttributes)
      const child = await wf
        .startChild(reportRun, {
          workflowId: runId,
          args: [input],
          workflowExecutionTimeout: runTimeoutMs(spec, fireTime),
          parentClosePolicy: 'REQUEST_CANCEL',
          staticSummary: runSummaryLine(spec, run.fireTime, trigger),
          staticDetails: `period ${toZonedIso(new Date(run.periodStart), spec.timezone)} – ${toZonedIso(new Date(run.periodEnd), spec.timezone)}`,
          ...(indexed
            ? {
                typedSearchAttributes: runSearchAttributes(this.owner.scheduleId, spec, {
                  fireTime: run.fireTime,
                  trigger,
                  outcome: 'running',
                }),
              }
            : {}),
        })
        .finally(() => this.starting--)
      const result = await child.result()
      state.previous = result.next
      const summary: RunSummary = {
        runId,
        fireTime: run.fireTime,
        trigger,
        status: result.status,
        reason: result.reason,
        rowCount: result.rowCount,
      }
      rememberRun(state, summary)
      this.owner.runRecorded(summary, result.conditionHeld)
    } catch (err) {
      if (wf.isCancellation(err)) return
      if (err instanceof WorkflowExecutionAlreadyStartedError) return
      await this.recordRunFailure(run, trigger, spec, err)
    }
  }

  private runContext(
    fireTime: Date,
    runId: string,
    trigger: RunTrigger,
    spec: ScheduleSpec,
    periodStart: Date | undefined,
  ): RunContext {
    const { state } = this.owner
    // patched() only for manual runs, as before: it writes a marker into the history.
    const sinceLastTick = trigger === 'manual' && wf.patched(MANUAL_RUN_PERIOD_PATCH)
    const manual = { sinceLastTick, createdAt: state.createdAt }
    const period = reportPeriod(spec, fireTime, trigger, manual, periodStart)
    return {
      scheduleId: this.owner.scheduleId,
      scheduleName: spec.name,
      runId,
      fireTime: fireTime.toISOString(),
      periodStart: period.start.toISOString(),
      periodEnd: period.end.toISOString(),
      timezone: spec.timezone,
      // Only data: it rides in activity inputs, which replay does not compare, so no patch is needed.
      ...(spec.artifactRetentionDays ? { artifactRetentionDays: spec.artifactRetentionDays } : {}),
    }
  }

  /** The run itself never finished (timed out or was terminated): record it here so the failure is not lost. */
  private async recordRunFailure(run: RunContext, trigger: RunTrigger, spec: ScheduleSpec, err: unknown) {
    const reason = `run did not finish: ${failureMessage(err)}`
    const summary: RunSummary = {
      runId: run.runId,
      fireTime: run.fireTime,
      trigger,
      status: 'failed',
      reason,
    }
    rememberRun(this.owner.state, summary)
    this.owner.runRecorded(summary)
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
      const asOf = this.owner.state.dataReady[gate.dataset]
      return asOf !== undefined && Date.parse(asOf) >= Date.parse(run.periodStart)
    }
    const ready = await wf.condition(isReady, gate.deadlineMinutes * 60_000)
    if (ready || gate.onTimeout === 'run') return undefined
    return `DataNotReady: dataset "${gate.dataset}" was not announced ready for the period starting ${run.periodStart} within ${gate.deadlineMinutes} min`
  }
}
