import * as wf from '@temporalio/workflow'
import type { HeraldActivities } from '../activities/index.js'
import type { RunTrigger } from '../domain/run.js'
import type { TickRecord } from '../domain/run-records.js'
import type { ScheduleSpec } from '../domain/schedule.js'
import {
  dueTicks,
  mergeIntoBuffered,
  overlapDecision,
  skippedTick,
  type TickNotRun,
} from '../domain/tick-plan.js'
import { LEDGER_POLICY } from './activity-policies.js'
import type { ScheduleRuns } from './schedule-runs.js'
import { rememberRun, type ScheduleCarryState } from './schedule-state.js'
import { workflowNowMs } from './workflow-clock.js'

const { recordTick } = wf.proxyActivities<HeraldActivities>(LEDGER_POLICY)

/**
 * Ticks that cannot run on their own (superseded in catch-up, or a third tick under bufferOne) hand their period to
 * the run that replaces them instead of being dropped (docs/SCHEDULING.md). Histories from before keep their drops.
 */
const LATE_TICKS_MERGE_PATCH = 'late-ticks-hand-their-period-to-the-next-run'

/** Asked only where merging would change what happens, so older histories replay their drops unchanged. */
function mergesLatePeriods(): boolean {
  return wf.patched(LATE_TICKS_MERGE_PATCH)
}

/** What the ticks need of their schedule: its id, its current definition and its carried state. */
interface TicksOwner {
  readonly scheduleId: string
  readonly spec: ScheduleSpec
  readonly state: ScheduleCarryState
}

/**
 * What becomes of each due tick (src/domain/tick-plan.ts decides, this applies): a run, the buffered tick, a merge
 * into the buffered tick, or a record of why it did not run, written to the runs table at the next flush.
 */
export class ScheduleTicks {
  private readonly pending: TickRecord[] = []
  /** Ticks handled in this execution: the schedule continues as new after a bounded number. */
  thisExecution = 0

  constructor(
    private readonly owner: TicksOwner,
    private readonly runs: ScheduleRuns,
  ) {}

  startDue(): void {
    const due = dueTicks(
      this.owner.scheduleId,
      this.owner.spec,
      this.owner.state.cursor,
      workflowNowMs(),
      mergesLatePeriods,
    )
    if (!due.cursor) return
    this.owner.state.cursor = due.cursor
    this.thisExecution += due.count
    for (const tick of due.notRun) this.note(tick)
    for (const tick of due.toRun) this.onTick(tick.fireTime, tick.trigger, tick.periodStart)
  }

  /** A tick that does not run is recorded (runs table) and remembered (state query), never dropped silently. */
  note(tick: TickNotRun): void {
    this.pending.push(tick.record)
    this.owner.state.counts.missed += tick.alsoMissed
    rememberRun(this.owner.state, tick.summary)
  }

  async flush(): Promise<void> {
    const records = this.pending.splice(0)
    await Promise.all(records.map((r) => recordTick(r)))
  }

  private onTick(fireTime: Date, trigger: RunTrigger, periodStart?: Date): void {
    if (this.owner.state.skipNext) {
      this.owner.state.skipNext = false
      this.note(
        skippedTick(
          this.owner.scheduleId,
          fireTime,
          'skipNext: this tick was skipped on request',
          'skipNext',
        ),
      )
      return
    }
    const { buffered } = this.owner.state
    const decision = overlapDecision(
      this.owner.spec.overlap,
      this.runs.ids,
      buffered !== undefined,
      mergesLatePeriods,
    )
    if (decision.action === 'run') {
      this.runs.launch(fireTime, trigger, periodStart)
    } else if (decision.action === 'buffer') {
      this.owner.state.buffered = {
        fireTime: fireTime.toISOString(),
        trigger,
        ...(periodStart ? { periodStart: periodStart.toISOString() } : {}),
      }
    } else if (decision.action === 'merge' && buffered) {
      const merged = mergeIntoBuffered(this.owner.scheduleId, this.owner.spec, buffered, {
        fireTime,
        trigger,
        runningId: decision.runningId,
      })
      this.note(merged.superseded)
      this.owner.state.buffered = merged.buffered
    } else if (decision.action === 'skip') {
      this.note(skippedTick(this.owner.scheduleId, fireTime, decision.reason, 'overlap'))
    }
  }

  startBufferedIfIdle(): void {
    const buffered = this.owner.state.buffered
    if (!buffered || this.runs.size > 0) return
    this.owner.state.buffered = undefined
    const periodStart = buffered.periodStart ? new Date(buffered.periodStart) : undefined
    this.runs.launch(new Date(buffered.fireTime), buffered.trigger, periodStart)
  }
}
