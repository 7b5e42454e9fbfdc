import { Cron } from 'croner'

/**
 * Fire times for a cron expression in an IANA timezone. Pure and deterministic, so the schedule workflow
 * calls it directly (croner needs only Intl, which the workflow sandbox provides).
 *
 * DST policy (same for every zone):
 * - a wall-clock time that does not exist (spring-forward gap) fires once, right after the gap;
 * - a wall-clock time that occurs twice (fall-back overlap) fires once, on its first occurrence.
 */

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'])

export interface Timing {
  cron: string
  timezone: string
  startAt?: string | undefined
  endAt?: string | undefined
}

export function cronError(expression: string): string | undefined {
  const trimmed = expression.trim()
  if (trimmed.startsWith('@')) {
    return NICKNAMES.has(trimmed.toLowerCase()) ? undefined : `unknown cron nickname "${trimmed}"`
  }
  const fields = trimmed.split(/\s+/).length
  if (fields !== 5 && fields !== 6) return `cron must have 5 fields (or 6 with seconds), got ${fields}`
  try {
    new Cron(trimmed, { paused: true })
    return undefined
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '')
  }
}

export function isValidTimezone(timezone: string): boolean {
  if (!timezone.includes('/') && timezone !== 'UTC') return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone })
    return true
  } catch {
    return false
  }
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>()

/** Minutes east of UTC in effect at `date` in `timezone`. */
export function utcOffsetMinutes(date: Date, timezone: string): number {
  let formatter = offsetFormatters.get(timezone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' })
    offsetFormatters.set(timezone, formatter)
  }
  const name = formatter.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT'
  const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name)
  if (!match) return 0
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0)
  return match[1] === '-' ? -minutes : minutes
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+'
  const abs = Math.abs(minutes)
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
}

/** ISO 8601 local time with its offset, e.g. 2026-03-29T03:00:00+02:00. */
export function toZonedIso(date: Date, timezone: string): string {
  const offset = utcOffsetMinutes(date, timezone)
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 19)
  return `${local}${formatOffset(offset)}`
}

const LONGEST_FALL_BACK_MS = 3 * 60 * 60_000

/** True when the wall-clock time at `date` already happened earlier the same night (second pass of a fall-back). */
function isRepeatedWallTime(date: Date, timezone: string): boolean {
  const offsetNow = utcOffsetMinutes(date, timezone)
  const offsetBefore = utcOffsetMinutes(new Date(date.getTime() - LONGEST_FALL_BACK_MS), timezone)
  if (offsetBefore <= offsetNow) return false
  const firstPass = new Date(date.getTime() - (offsetBefore - offsetNow) * 60_000)
  return utcOffsetMinutes(firstPass, timezone) === offsetBefore
}

const cronCache = new Map<string, Cron>()
const CRON_CACHE_LIMIT = 1000

/** Parsed patterns are reused: a worker computes next ticks for thousands of schedules with few distinct crons. */
function cronFor(timing: Timing): Cron {
  const key = `${timing.timezone} ${timing.cron.trim()}`
  let cron = cronCache.get(key)
  if (!cron) {
    if (cronCache.size >= CRON_CACHE_LIMIT) cronCache.clear()
    cron = new Cron(timing.cron.trim(), { timezone: timing.timezone, paused: true })
    cronCache.set(key, cron)
  }
  return cron
}

/** The first fire time strictly after `after`, or null when the schedule has ended. */
export function nextFireTime(timing: Timing, after: Date): Date | null {
  const cron = cronFor(timing)
  const start = timing.startAt ? new Date(timing.startAt) : undefined
  const end = timing.endAt ? new Date(timing.endAt) : undefined
  let cursor = start && start.getTime() > after.getTime() ? new Date(start.getTime() - 1) : after
  for (let guard = 0; guard < 1000; guard++) {
    const next = cron.nextRun(cursor)
    if (!next) return null
    if (end && next.getTime() > end.getTime()) return null
    if (!isRepeatedWallTime(next, timing.timezone)) return next
    cursor = next
  }
  return null
}

/** Fire times in (after, upTo], oldest first, at most `limit`. */
export function fireTimesBetween(timing: Timing, after: Date, upTo: Date, limit = 1000): Date[] {
  const times: Date[] = []
  let cursor = after
  while (times.length < limit) {
    const next = nextFireTime(timing, cursor)
    if (!next || next.getTime() > upTo.getTime()) break
    times.push(next)
    cursor = next
  }
  return times
}

export function nextFireTimes(timing: Timing, after: Date, count: number): Date[] {
  const times: Date[] = []
  let cursor = after
  while (times.length < count) {
    const next = nextFireTime(timing, cursor)
    if (!next) break
    times.push(next)
    cursor = next
  }
  return times
}

/** The fire time before `fireTime` (start of the report period), or one cron interval back if there is none. */
export function previousFireTime(timing: Timing, fireTime: Date): Date {
  const previous = cronFor(timing).previousRuns(1, fireTime)[0]
  return previous ?? new Date(fireTime.getTime() - 24 * 60 * 60_000)
}

/** The latest fire time strictly before `before` that the schedule really fires (DST policy), or null. */
export function lastFireTimeBefore(timing: Timing, before: Date): Date | null {
  const cron = cronFor(timing)
  let cursor = before
  for (let guard = 0; guard < 1000; guard++) {
    const previous = cron.previousRuns(1, cursor)[0]
    if (!previous) return null
    if (!isRepeatedWallTime(previous, timing.timezone)) return previous
    cursor = previous
  }
  return null
}

const ONE_DAY_MS = 24 * 60 * 60_000

export interface ReportPeriod {
  start: Date
  end: Date
}

/**
 * The report period of a run started by hand at `at`: from the schedule's last tick before `at` to `at`, so it
 * covers what the next scheduled run would report, up to now. Ticks before `since` (when the schedule was created)
 * or before `startAt` never happened for this schedule: with no tick left, the period is one cron interval long
 * (the gap between the pattern's ticks around `at`, or a day) and ends at `at`. Never empty.
 */
export function triggeredRunPeriod(timing: Timing, at: Date, since?: Date): ReportPeriod {
  const bounds = [since, timing.startAt ? new Date(timing.startAt) : undefined].filter((d) => d !== undefined)
  const floor = Math.max(...bounds.map((d) => d.getTime()), Number.NEGATIVE_INFINITY)
  const end =
    timing.endAt && Date.parse(timing.endAt) < at.getTime() ? new Date(Date.parse(timing.endAt) + 1) : at
  const previous = lastFireTimeBefore(timing, end)
  if (previous && previous.getTime() >= floor && previous.getTime() < at.getTime()) {
    return { start: previous, end: at }
  }
  const cron = cronFor(timing)
  const before = cron.previousRuns(1, at)[0]
  const after = cron.nextRun(at)
  const interval = before && after ? after.getTime() - before.getTime() : ONE_DAY_MS
  return { start: new Date(at.getTime() - interval), end: at }
}

/** Deterministic jitter in [0, maxSeconds) derived from the schedule and fire time, so replays agree. */
export function jitterMs(key: string, maxSeconds: number): number {
  if (maxSeconds <= 0) return 0
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash % (maxSeconds * 1000)
}
