import type { ColumnInfo } from '../types.js'
import type { WallClock } from './wall-clock.js'

/** How values read in documents meant for people (PDF, mail body): grouped numbers, local times. */
export type CellText = (value: unknown) => string

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const numberFormat = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })

export function cellTextFor(column: ColumnInfo, clock: WallClock): CellText {
  switch (column.type) {
    case 'integer':
      return (v) => (typeof v === 'number' ? integerFormat.format(v) : plain(v))
    case 'number':
      return (v) => (typeof v === 'number' ? numberFormat.format(v) : plain(v))
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
