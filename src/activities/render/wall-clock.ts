import { utcOffsetMinutes } from '../../domain/cron.js'

const BUCKET_MS = 86_400_000

// The first zoned Intl call loads ICU's timezone data (tens of ms); pay that at start-up, not inside a render.
utcOffsetMinutes(new Date(0), 'Europe/Berlin')
const ZONED = /T.*(?:Z|[+-]\d\d(?::?\d\d)?)$/

/**
 * Converts result timestamps to the wall-clock time recipients expect, as milliseconds on a UTC scale
 * (so `new Date(ms).toISOString()` reads as local time). Instants (ending in Z or an offset) move into the
 * schedule's timezone; timestamps without a zone already are wall-clock times and stay as they are.
 */
export class WallClock {
  // Offsets change at most twice a year; caching them per UTC day keeps Intl out of the per-cell path.
  private readonly offsets = new Map<number, number>()

  constructor(readonly timezone: string) {}

  /** NaN for values that are not timestamps (e.g. 'infinity'). */
  localMs(value: string): number {
    if (ZONED.test(value)) {
      const instant = Date.parse(value)
      return Number.isNaN(instant) ? Number.NaN : instant + this.offsetMinutes(instant) * 60_000
    }
    return Date.parse(value.length > 10 ? `${value.slice(0, 23)}Z` : value)
  }

  /** Minutes east of UTC at `instant` in this timezone. */
  offsetMinutes(instant: number): number {
    const bucket = Math.floor(instant / BUCKET_MS)
    let offset = this.offsets.get(bucket)
    if (offset === undefined) {
      const start = utcOffsetMinutes(new Date(bucket * BUCKET_MS), this.timezone)
      const end = utcOffsetMinutes(new Date((bucket + 1) * BUCKET_MS - 1), this.timezone)
      // The day with a DST transition: compute each value exactly.
      if (start !== end) return utcOffsetMinutes(new Date(instant), this.timezone)
      offset = start
      if (this.offsets.size > 100_000) this.offsets.clear()
      this.offsets.set(bucket, offset)
    }
    return offset
  }

  /** 'yyyy-mm-dd hh:mm' in the timezone, or the value unchanged when it is not a timestamp. */
  format(value: string): string {
    const ms = this.localMs(value)
    if (Number.isNaN(ms)) return value
    const iso = new Date(ms).toISOString()
    return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`
  }

  /** ISO 8601 with the timezone's offset for instants; wall-clock timestamps keep their own form. */
  isoWithOffset(value: string): string {
    if (!ZONED.test(value)) return value
    const instant = Date.parse(value)
    if (Number.isNaN(instant)) return value
    const offset = this.offsetMinutes(instant)
    const local = new Date(instant + offset * 60_000).toISOString().slice(0, 19)
    const sign = offset < 0 ? '-' : '+'
    const abs = Math.abs(offset)
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  }
}
