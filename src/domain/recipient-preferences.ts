import { z } from 'zod'
import { utcOffsetMinutes } from './cron.js'
import { timezoneName } from './schedule.js'

/**
 * A recipient's preferences (an email address for now): which channels may reach them, a quiet-hours window in
 * their own timezone, and a daily cap on report mails. Pure: the run workflow splits its recipients with
 * `splitByQuietHours`, the mail activity checks the cap with `localDay`.
 */

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a time of day as HH:MM (00:00 to 23:59)' })

export const quietHoursSchema = z
  .object({
    /** Local time the quiet hours begin, e.g. 22:00. */
    start: clockTime,
    /** Local time they end, e.g. 07:00; before `start` when they cross midnight. */
    end: clockTime,
    timezone: timezoneName,
  })
  .refine((q) => q.start !== q.end, { message: 'start and end must differ', path: ['end'] })
export type QuietHours = z.infer<typeof quietHoursSchema>

export const recipientPreferencesSchema = z.object({
  channels: z.object({ email: z.boolean().default(true) }).default({ email: true }),
  quietHours: quietHoursSchema.nullable().default(null),
  /** Report mails per local day (in the quiet hours' timezone, else UTC); null for no cap. */
  dailyCap: z.number().int().min(1).max(1000).nullable().default(null),
})
export type RecipientPreferences = z.infer<typeof recipientPreferencesSchema>
export type RecipientPreferencesInput = z.input<typeof recipientPreferencesSchema>

/** The timezone whose day the daily cap counts. */
export const capTimezone = (preferences: RecipientPreferences) => preferences.quietHours?.timezone ?? 'UTC'

const MINUTE_MS = 60_000
const DAY_MS = 24 * 60 * MINUTE_MS
const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5))

/** The wall-clock reading of `at` in `timezone`, as a UTC-based date (read it with getUTC*). */
function wallClock(at: Date, timezone: string): Date {
  return new Date(at.getTime() + utcOffsetMinutes(at, timezone) * MINUTE_MS)
}

/**
 * The first instant whose wall clock in `timezone` shows `localMs` (a wall-clock time as UTC-based ms): the earlier
 * of two in a fall-back hour, and the end of the gap when a spring-forward skips it.
 */
export function instantOfWallClock(localMs: number, timezone: string): Date {
  const before = utcOffsetMinutes(new Date(localMs - DAY_MS), timezone)
  const after = utcOffsetMinutes(new Date(localMs + DAY_MS), timezone)
  const candidates = [localMs - before * MINUTE_MS, localMs - after * MINUTE_MS].sort((a, b) => a - b)
  for (const t of candidates) {
    if (wallClock(new Date(t), timezone).getTime() === localMs) return new Date(t)
  }
  // In a gap: the clock jumps over localMs; the transition is the first instant showing a later time.
  let lo = candidates[0]! // shows a time before localMs
  let hi = candidates[1]! // shows a time after it
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS
    if (wallClock(new Date(mid), timezone).getTime() >= localMs) hi = mid
    else lo = mid
  }
  return new Date(hi)
}

/** When the quiet hours that hold at `now` end; undefined when `now` is outside them. DST-aware. */
export function quietHoursEnd(quiet: QuietHours, now: Date): Date | undefined {
  const local = wallClock(now, quiet.timezone)
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes()
  const start = minutesOf(quiet.start)
  const end = minutesOf(quiet.end)
  const crossesMidnight = start > end
  const inside = crossesMidnight ? minute >= start || minute < end : minute >= start && minute < end
  if (!inside) return undefined
  const today = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate())
  const endDay = crossesMidnight && minute >= start ? today + DAY_MS : today
  return instantOfWallClock(endDay + end * MINUTE_MS, quiet.timezone)
}

/** A recipient (ledger key) and their quiet hours, as the preferences activity returns them. */
export interface RecipientQuietHours {
  recipient: string
  quietHours: QuietHours
}

export interface DeferredGroup {
  /** ISO instant the group's quiet hours end. */
  until: string
  recipients: string[]
  /** Timezones of the group's windows, for the timer's summary. */
  timezones: string[]
}

export interface QuietHoursSplit {
  /** Recipients in quiet hours now, grouped by the end of their window, soonest first. */
  deferred: DeferredGroup[]
}

/**
 * Which recipients are in their quiet hours at `now`, grouped by when those end. Everyone else is mailed now.
 * Only recipients with quiet hours are passed in; the rest are never deferred.
 */
export function splitByQuietHours(recipients: RecipientQuietHours[], now: Date): QuietHoursSplit {
  const groups = new Map<string, DeferredGroup>()
  for (const { recipient, quietHours } of recipients) {
    const end = quietHoursEnd(quietHours, now)
    if (!end) continue
    const until = end.toISOString()
    const group = groups.get(until) ?? { until, recipients: [], timezones: [] }
    group.recipients.push(recipient)
    if (!group.timezones.includes(quietHours.timezone)) group.timezones.push(quietHours.timezone)
    groups.set(until, group)
  }
  return { deferred: [...groups.values()].sort((a, b) => a.until.localeCompare(b.until)) }
}

/** The local calendar day holding `at` in `timezone`: its date and its UTC bounds (23 or 25 hours across DST). */
export function localDay(at: Date, timezone: string): { date: string; start: Date; end: Date } {
  const local = wallClock(at, timezone)
  const midnight = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate())
  return {
    date: new Date(midnight).toISOString().slice(0, 10),
    start: instantOfWallClock(midnight, timezone),
    end: instantOfWallClock(midnight + DAY_MS, timezone),
  }
}
