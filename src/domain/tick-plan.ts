import {
  fireTimesBetween,
  jitterMs,
  nextFireTime,
  previousFireTime,
  type ReportPeriod,
  triggeredRunPeriod,
} from './cron.js'
import type { RunSummary, RunTrigger } from './run.js'
import type { TickPolicy, TickRecord } from './run-records.js'
import type { ScheduleSpec } from './schedule.js'

/**
 * Which ticks of a schedule are due, and what becomes of each: run on time, run late (catch-up), superseded by a
 * newer tick, missed beyond the catch-up window, skipped by the overlap policy or by skipNext. Pure: the schedule
 * workflow calls these and keeps only the waiting and the messages (docs/SCHEDULING.md explains the policies).
 */

/** A tick up to this late is on time; later ones are catch-up runs, or missed beyond the catch-up window. */
export const ON_TIME_TOLERANCE_MS = 10_000
/** Beyond this many missed ticks in one go, the rest are recorded as one range. */
export const MISSED_TICKS_RECORDED_ONE_BY_ONE = 50
/**
 * A run is never cut shorter than this, however frequent the schedule: a crashed worker or server is noticed only
 * through activity heartbeat timeouts (30 s, once up to 2 min) plus a retry, and a 60 s cap lost mail in the chaos suite.
 * Ticks that arrive meanwhile follow the overlap policy.
 */
export const MIN_RUN_TIMEOUT_MS = 10 * 60_000
/** At most this many due ticks are looked at per wake-up (a schedule down for years must not hang a task). */
const DUE_TICKS_LIMIT = 10_000
/** At most this many ticks are counted for one paused range. */
const PAUSED_TICKS_LIMIT = 100_000

/** The run id of a tick: the same tick always gets the same id, so its run and its mails happen once. */
export function runIdFor(scheduleId: string, fireTime: Date): string {
  return `run/${scheduleId}/${fireTime.toISOString()}`
}

/** The id of a range of ticks recorded as one entry (many missed, or paused): `<first run id>..<last ISO>`. */
export function rangeRunId(scheduleId: string, first: Date, last: Date): string {
  return `${runIdFor(scheduleId, first)}..${last.toISOString()}`
}

/** A tick (or range of ticks) that did not start a run: recorded in the runs table and in the workflow's history. */
export interface TickNotRun {
  record: TickRecord
  summary: RunSummary
  /** Ticks counted as missed beyond the one entry (a range stands for several). */
  alsoMissed: number
}

export interface TickToRun {
  fireTime: Date
  trigger: RunTrigger
  /** Set when the run also reports the periods of ticks it superseded: its period starts here, not at the tick before. */
  periodStart?: Date
}

/** A tick waiting for the running one to end (overlap bufferOne), carried across continue-as-new. */
export interface BufferedTick {
  fireTime: string
  trigger: RunTrigger
  /** Set once it took over the period of a tick buffered before it. */
  periodStart?: string
}

export interface DueTicks {
  /** The newest due tick: ticks up to it have been handled. Undefined when none was due. */
  cursor?: string
  /** How many ticks were due (run or not). */
  count: number
  /** Missed first, then superseded, oldest first in each. */
  notRun: TickNotRun[]
  toRun: TickToRun[]
}

type Timing = Pick<ScheduleSpec, 'cron' | 'timezone' | 'startAt' | 'endAt' | 'jitterSeconds' | 'catchup'>

function tickNotRun(
  scheduleId: string,
  fireTime: Date,
  status: TickRecord['status'],
  reason: string,
  policy: TickPolicy,
  coveredBy?: string,
): TickNotRun {
  const runId = runIdFor(scheduleId, fireTime)
  const at = fireTime.toISOString()
  return {
    record: { scheduleId, runId, fireTime: at, status, reason, policy, ...(coveredBy ? { coveredBy } : {}) },
    summary: { runId, fireTime: at, trigger: 'schedule', status, reason },
    alsoMissed: 0,
  }
}

/**
 * Ticks after `cursor` whose time (plus jitter) has come by `now`, split into on-time, catch-up, superseded and missed.
 * With `mergesLatePeriods()` (the workflow's patch decision, asked only when it matters), the run of the newest tick
 * reports the superseded ticks' periods too, so a report that is merely late is never lost.
 */
export function dueTicks(
  scheduleId: string,
  spec: Timing,
  cursor: string,
  now: number,
  mergesLatePeriods: () => boolean = () => false,
): DueTicks {
  const candidates = fireTimesBetween(spec, new Date(cursor), new Date(now), DUE_TICKS_LIMIT)
  const due: Date[] = []
  for (const t of candidates) {
    if (tickDueAt(scheduleId, spec, t) > now) break
    due.push(t)
  }
  const last = due.at(-1)
  if (!last) return { count: 0, notRun: [], toRun: [] }

  const windowMs = Math.max(spec.catchup.windowMinutes * 60_000, ON_TIME_TOLERANCE_MS)
  const missed = due.filter((t) => now - t.getTime() > windowMs)
  let toRun = due.filter((t) => now - t.getTime() <= windowMs)
  const notRun = missedTicks(scheduleId, missed, windowMs, now)
  const newest = toRun.at(-1)
  const oldest = toRun[0]
  let periodStart: Date | undefined
  if (spec.catchup.mode === 'latest' && newest && oldest && toRun.length > 1) {
    if (mergesLatePeriods()) {
      periodStart = previousFireTime(spec, oldest)
      const reason = `catch-up: superseded by the tick at ${newest.toISOString()}, whose run reports this tick's period too (mode latest)`
      const coveredBy = runIdFor(scheduleId, newest)
      for (const t of toRun.slice(0, -1)) {
        notRun.push(tickNotRun(scheduleId, t, 'skipped', reason, 'superseded', coveredBy))
      }
    } else {
      const reason = `catch-up: superseded by the tick at ${newest.toISOString()} (mode latest)`
      for (const t of toRun.slice(0, -1))
        notRun.push(tickNotRun(scheduleId, t, 'skipped', reason, 'superseded'))
    }
    toRun = [newest]
  }
  return {
    cursor: last.toISOString(),
    count: due.length,
    notRun,
    toRun: toRun.map((t) => ({
      fireTime: t,
      trigger: now - t.getTime() > ON_TIME_TOLERANCE_MS ? 'catchup' : 'schedule',
      ...(periodStart ? { periodStart } : {}),
    })),
  }
}

/** Missed ticks one by one, and beyond MISSED_TICKS_RECORDED_ONE_BY_ONE the rest as one range. */
function missedTicks(scheduleId: string, missed: Date[], windowMs: number, now: number): TickNotRun[] {
  const reason = (t: Date) =>
    `missed: ${Math.round((now - t.getTime()) / 60_000)} min late (worker or server down), outside the ${windowMs / 60_000} min catch-up window`
  const oneByOne =
    missed.length <= MISSED_TICKS_RECORDED_ONE_BY_ONE
      ? missed
      : missed.slice(0, MISSED_TICKS_RECORDED_ONE_BY_ONE - 1)
  const notRun = oneByOne.map((t) => tickNotRun(scheduleId, t, 'missed', reason(t), 'missed'))
  const rest = missed.slice(oneByOne.length)
  const first = rest[0]
  const last = rest.at(-1)
  if (first && last) {
    const runId = rangeRunId(scheduleId, first, last)
    const fireTime = first.toISOString()
    notRun.push({
      record: {
        scheduleId,
        runId,
        fireTime,
        status: 'missed',
        reason: `${rest.length} ticks from ${fireTime} to ${last.toISOString()} ${reason(last)}`,
        policy: 'missed',
      },
      summary: {
        runId,
        fireTime,
        trigger: 'schedule',
        status: 'missed',
        reason: `${rest.length} ticks missed`,
      },
      alsoMissed: rest.length - 1,
    })
  }
  return notRun
}

/** The ticks a pause kept from running, as one range entry; undefined when none fell inside the pause. */
export function pausedTicks(
  scheduleId: string,
  spec: Timing,
  cursor: string,
  now: Date,
  note: string | undefined,
): TickNotRun | undefined {
  const skipped = fireTimesBetween(spec, new Date(cursor), now, PAUSED_TICKS_LIMIT)
  const first = skipped[0]
  const last = skipped.at(-1)
  if (!first || !last) return undefined
  const quoted = note ? ` ("${note}")` : ''
  const reason = `paused${quoted}: ${skipped.length} tick(s) from ${first.toISOString()} to ${last.toISOString()} not run`
  const runId = rangeRunId(scheduleId, first, last)
  const fireTime = first.toISOString()
  return {
    record: { scheduleId, runId, fireTime, status: 'skipped', reason, policy: 'paused' },
    summary: { runId, fireTime, trigger: 'schedule', status: 'skipped', reason },
    alsoMissed: 0,
  }
}

export type OverlapDecision =
  | { action: 'run' }
  | { action: 'buffer' }
  | { action: 'merge'; runningId: string }
  | { action: 'skip'; reason: string }

/**
 * What a due tick does while other runs of the schedule are still running (the `overlap` policy). With bufferOne
 * and a tick already buffered, the new tick takes the buffered one's place and its period (`merge`) when
 * `mergesLatePeriods()` (the workflow's patch decision, asked only here); before, it was dropped.
 */
export function overlapDecision(
  overlap: ScheduleSpec['overlap'],
  running: readonly string[],
  hasBuffered: boolean,
  mergesLatePeriods: () => boolean = () => false,
): OverlapDecision {
  const [runningId] = running
  if (runningId === undefined || overlap === 'allow') return { action: 'run' }
  const busy = `overlap: run ${runningId} still running`
  if (overlap === 'bufferOne' && !hasBuffered) return { action: 'buffer' }
  if (overlap === 'bufferOne' && mergesLatePeriods()) return { action: 'merge', runningId }
  if (overlap === 'bufferOne') {
    return { action: 'skip', reason: `${busy} and one tick already buffered (policy bufferOne)` }
  }
  return { action: 'skip', reason: `${busy} (policy skip)` }
}

/**
 * A tick arriving while one is running and another buffered (bufferOne, merging): it becomes the buffered tick and
 * its run reports from where the buffered tick's period began; the buffered tick is recorded as superseded by it.
 */
export function mergeIntoBuffered(
  scheduleId: string,
  spec: Timing,
  buffered: BufferedTick,
  tick: { fireTime: Date; trigger: RunTrigger; runningId: string },
): { superseded: TickNotRun; buffered: BufferedTick } {
  const older = new Date(buffered.fireTime)
  const periodStart = buffered.periodStart ?? previousFireTime(spec, older).toISOString()
  const reason = `overlap: run ${tick.runningId} still running; superseded by the tick at ${tick.fireTime.toISOString()}, whose run reports this tick's period too (policy bufferOne)`
  return {
    superseded: tickNotRun(
      scheduleId,
      older,
      'skipped',
      reason,
      'overlap',
      runIdFor(scheduleId, tick.fireTime),
    ),
    buffered: { fireTime: tick.fireTime.toISOString(), trigger: tick.trigger, periodStart },
  }
}

/** The ticks skipNext and the overlap policy keep from running, as recorded entries. */
export function skippedTick(
  scheduleId: string,
  fireTime: Date,
  reason: string,
  policy: 'skipNext' | 'overlap',
): TickNotRun {
  return tickNotRun(scheduleId, fireTime, 'skipped', reason, policy)
}

/** How long a run may take: its configured timeout, cut to the schedule's interval, never below MIN_RUN_TIMEOUT_MS. */
export function runTimeoutMs(spec: Timing & Pick<ScheduleSpec, 'runTimeoutMinutes'>, fireTime: Date): number {
  const configured = spec.runTimeoutMinutes * 60_000
  const next = nextFireTime(spec, fireTime)
  const interval = next ? next.getTime() - fireTime.getTime() : configured
  return Math.max(MIN_RUN_TIMEOUT_MS, Math.min(configured, interval))
}

/**
 * A tick reports the interval since the tick before it, or since `periodStart` when it also reports ticks it
 * superseded; a run started by hand, since the schedule's last tick until now (`sinceLastTick`), or before that
 * fix, from the pattern's previous tick (kept for replay).
 */
export function reportPeriod(
  spec: Timing,
  fireTime: Date,
  trigger: RunTrigger,
  manual: { sinceLastTick: boolean; createdAt?: string },
  periodStart?: Date,
): ReportPeriod {
  if (trigger === 'manual' && manual.sinceLastTick) {
    return triggeredRunPeriod(spec, fireTime, manual.createdAt ? new Date(manual.createdAt) : undefined)
  }
  return { start: periodStart ?? previousFireTime(spec, fireTime), end: fireTime }
}

/** When the workflow wakes for `next`: its fire time plus the tick's deterministic jitter. */
export function tickDueAt(scheduleId: string, spec: Pick<ScheduleSpec, 'jitterSeconds'>, next: Date): number {
  return next.getTime() + jitterMs(runIdFor(scheduleId, next), spec.jitterSeconds)
}
