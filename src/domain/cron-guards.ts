import { Cron } from 'croner'
import { nextFireTime, type Timing } from './cron.js'

/**
 * Guards against schedules that make no sense: a cron that never fires, or one that fires faster than the operator
 * allows. Pure: `now` and the limit are arguments, so the API applies them with its clock and config, while the
 * workflow, which must keep accepting what it accepted before, never runs them.
 */

/** A cron with no fire time this far ahead is taken to never fire (it is usually 30 February or 31 April). */
export const NEVER_FIRES_HORIZON_YEARS = 5
/** How many upcoming ticks, and how far ahead, the rhythm check looks at. */
const RHYTHM_SAMPLE_TICKS = 1000
const RHYTHM_SAMPLE_MS = 367 * 24 * 60 * 60_000

export interface TickGap {
  /** Seconds between the two closest consecutive ticks in the sample. */
  seconds: number
  /** The first of those two ticks, as wall-clock time (UTC notation). */
  from: Date
}

/** The first fire time within the horizon, or undefined when there is none. */
export function firstFireTimeWithin(
  timing: Pick<Timing, 'cron' | 'timezone'>,
  now: Date,
  years = NEVER_FIRES_HORIZON_YEARS,
): Date | undefined {
  const first = nextFireTime({ cron: timing.cron, timezone: timing.timezone }, now)
  const horizon = new Date(now)
  horizon.setUTCFullYear(horizon.getUTCFullYear() + years)
  return first && first.getTime() <= horizon.getTime() ? first : undefined
}

/**
 * The shortest gap between consecutive ticks, over the next 1000 ticks or the next year, whichever ends first;
 * it stops at the first gap below `stopBelowSeconds`. Ticks are taken in consecutive order, so a cron that is fast
 * only at some hours (`*\/10 * 8 * * *`) shows its fast gaps within its first firing hour. It measures the cron's
 * wall-clock rhythm (as in UTC): a DST shift moves one tick a year and is not the cron's frequency, and croner
 * steps through plain UTC about ten times faster than through a timezone.
 */
export function shortestTickGap(cron: string, now: Date, stopBelowSeconds = 0): TickGap | undefined {
  const pattern = new Cron(cron.trim(), { paused: true, utcOffset: 0 })
  const until = now.getTime() + RHYTHM_SAMPLE_MS
  let shortest: TickGap | undefined
  let previous = pattern.nextRun(now)
  for (let i = 1; previous && i < RHYTHM_SAMPLE_TICKS && previous.getTime() <= until; i++) {
    const next = pattern.nextRun(previous)
    if (!next) break
    const seconds = (next.getTime() - previous.getTime()) / 1000
    if (!shortest || seconds < shortest.seconds) shortest = { seconds, from: previous }
    if (seconds < stopBelowSeconds) break
    previous = next
  }
  return shortest
}

/**
 * Why this cron makes no sense as a schedule, or undefined when it is fine: it never fires within the horizon, or
 * it fires more often than every `minTickSeconds` (0 allows any rhythm).
 */
export function cronScheduleProblem(
  timing: Pick<Timing, 'cron' | 'timezone'>,
  options: { now: Date; minTickSeconds: number },
): string | undefined {
  const { now, minTickSeconds } = options
  if (!firstFireTimeWithin(timing, now)) {
    return `cron "${timing.cron}" has no fire time in the next ${NEVER_FIRES_HORIZON_YEARS} years`
  }
  if (minTickSeconds <= 0) return undefined
  const gap = shortestTickGap(timing.cron, now, minTickSeconds)
  if (gap && gap.seconds < minTickSeconds) {
    const at = gap.from.toISOString().slice(0, 19).replace('T', ' ')
    return `cron "${timing.cron}" fires every ${gap.seconds} s at its fastest (from ${at} wall-clock time); the minimum interval is ${minTickSeconds} s (MIN_TICK_SECONDS)`
  }
  return undefined
}
