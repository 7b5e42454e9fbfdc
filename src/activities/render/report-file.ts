import type { RunContext } from '../../domain/run.js'
import type { ReportFormat } from '../../domain/schedule.js'
import { WallClock } from './wall-clock.js'

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
}

// Letters NFKD does not split into base letter + accent.
const TRANSLITERATIONS: Record<string, string> = {
  ł: 'l',
  ø: 'o',
  đ: 'd',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  þ: 'th',
}

/** 'Umsatz Łódź (täglich)' → 'umsatz-lodz-taglich': safe in every mail client and filesystem. */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[łøđßæœþ]/g, (ch) => TRANSLITERATIONS[ch] ?? ch)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '')
  return slug || 'report'
}

/** `<schedule slug>-<fire date in the schedule's timezone>.<format>` */
export function reportFilename(run: RunContext, format: ReportFormat): string {
  const day = new Date(new WallClock(run.timezone).localMs(run.fireTime)).toISOString().slice(0, 10)
  return `${slugify(run.scheduleName)}-${day}.${format}`
}
