import type { ColumnInfo } from '../../domain/report-data.js'
import type { WallClock } from './wall-clock.js'

/** How values read in documents meant for people (PDF, mail body): grouped numbers, local times. */
export type CellText = (value: unknown) => string

const GROUPS = /\B(?=(\d{3})+(?!\d))/g

/** 1234567.891 → '1,234,567.89' (en-US grouping); several times faster than Intl.NumberFormat per cell. */
export function groupedNumber(value: number, fractionDigits: number): string {
  if (!Number.isFinite(value)) return String(value)
  const fixed = value.toFixed(fractionDigits)
  if (fixed.includes('e')) return fixed // beyond 1e21 toFixed gives exponent notation
  const point = fixed.indexOf('.')
  const whole = point === -1 ? fixed : fixed.slice(0, point)
  const grouped = whole.length > 3 + (whole[0] === '-' ? 1 : 0) ? whole.replace(GROUPS, ',') : whole
  const text = point === -1 ? grouped : grouped + fixed.slice(point)
  return text === '-0' || /^-0\.0*$/.test(text) ? text.slice(1) : text
}

export function cellTextFor(column: ColumnInfo, clock: WallClock): CellText {
  switch (column.type) {
    case 'integer':
      return (v) => (typeof v === 'number' ? groupedNumber(v, 0) : plain(v))
    case 'number':
      return (v) => (typeof v === 'number' ? groupedNumber(v, 2) : plain(v))
    case 'timestamp':
      return (v) => (typeof v === 'string' ? clock.format(v) : plain(v))
    case 'boolean':
      return (v) => (v === true ? 'yes' : v === false ? 'no' : plain(v))
    default:
      return plain
  }
}

function plain(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

export function isRightAligned(column: ColumnInfo): boolean {
  return column.type === 'integer' || column.type === 'number'
}
