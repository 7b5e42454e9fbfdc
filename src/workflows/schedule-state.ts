import { nextFireTimes, toZonedIso } from '../domain/cron.js'
import type { EscalationState } from '../domain/escalation.js'
import type { RunCounts, RunSummary } from '../domain/run.js'
import type { ScheduleSpec } from '../domain/schedule.js'
import type { ScheduleState } from '../domain/schedule-state.js'
import type { BufferedTick } from '../domain/tick-plan.js'
import type { PreviousResult } from './previous-result.js'

/** Everything the schedule workflow carries across continueAsNew. Plain data, so it serialises as-is. */
export interface ScheduleCarryState {
  /** Ticks at or before this instant (ISO) have been handled: run, skipped or recorded as missed. */
  cursor: string
  paused?: { note?: string; by?: string; since: string }
  skipNext: boolean
  buffered?: BufferedTick
  lastRuns: RunSummary[]
  counts: RunCounts
  previous: PreviousResult
  /** Latest `asOf` announced per dataset by dataReady signals. */
  dataReady: Record<string, string>
  /** When the schedule started (ISO): earlier ticks never happened for it. Absent in older schedules. */
  createdAt?: string
  /** Consecutive counted runs and the open escalation episode; absent until a schedule with a policy counts one. */
  escalation?: EscalationState
}

export const LAST_RUNS_KEPT = 20

export function initialState(createdAt: string): ScheduleCarryState {
  return {
    cursor: createdAt,
    createdAt,
    skipNext: false,
    lastRuns: [],
    counts: { runs: 0, sent: 0, partial: 0, skipped: 0, failed: 0, missed: 0 },
    previous: {},
    dataReady: {},
  }
}

/** Adds a finished (or skipped/missed) tick to the counters and the short history shown by the state query. */
export function rememberRun(state: ScheduleCarryState, run: RunSummary): void {
  state.lastRuns = [run, ...state.lastRuns.filter((r) => r.runId !== run.runId)].slice(0, LAST_RUNS_KEPT)
  state.counts.runs++
  if (run.status === 'sent') state.counts.sent++
  else if (run.status === 'partial') state.counts.partial++
  else if (run.status === 'skipped') state.counts.skipped++
  else if (run.status === 'failed') state.counts.failed++
  else if (run.status === 'missed') state.counts.missed++
}

/** The live state the `state` query answers and the snapshot publishes; `completed` once no tick is left. */
export function liveView(
  spec: ScheduleSpec,
  state: ScheduleCarryState,
  running: string[],
  nowMs: number,
  status?: ScheduleState['status'],
): ScheduleState {
  const from = new Date(Math.max(Date.parse(state.cursor), nowMs))
  return {
    status: status ?? (state.paused ? 'paused' : 'active'),
    pausedNote: state.paused?.note,
    pausedBy: state.paused?.by,
    skipNext: state.skipNext,
    nextFireTimes:
      status === 'completed'
        ? []
        : nextFireTimes(spec, from, 5).map((t) => ({
            utc: t.toISOString(),
            local: toZonedIso(t, spec.timezone),
          })),
    running,
    buffered: state.buffered?.fireTime,
    lastRuns: state.lastRuns,
    counts: state.counts,
    ...(state.escalation ? { escalation: state.escalation } : {}),
  }
}
