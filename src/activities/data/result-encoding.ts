import type { ColumnType } from '../../domain/report-data.js'

/**
 * How query results become NDJSON: PostgreSQL's text output, read raw, turned into JSON by column type.
 * Reading raw avoids the driver building Date objects only to turn them back into strings.
 */

const TYPE_BY_OID: Record<number, ColumnType> = {
  16: 'boolean',
  20: 'integer',
  21: 'integer',
  23: 'integer',
  114: 'json',
  700: 'number',
  701: 'number',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamp',
  1700: 'number',
  3802: 'json',
}

export function columnTypeOf(oid: number): ColumnType {
  return TYPE_BY_OID[oid] ?? 'text'
}

const TIMESTAMPTZ_OID = 1184

/** Encodes one non-null cell as JSON text. `numeric` receives the number for statistics (NaN when there is none). */
export type CellEncoder = (raw: Buffer) => string

export interface EncodedNumber {
  json: string
  value: number
}

export function encodeNumber(raw: Buffer): EncodedNumber {
  const value = Number(raw.toString('latin1'))
  // NaN and ±Infinity have no JSON form; they become null like a missing value.
  return Number.isFinite(value) ? { json: String(value), value } : { json: 'null', value: Number.NaN }
}

export function encoderFor(oid: number): CellEncoder {
  switch (columnTypeOf(oid)) {
    case 'boolean':
      return (raw) => (raw[0] === 0x74 ? 'true' : 'false') // 't'
    case 'json':
      return (raw) => raw.toString('utf8') // already JSON text
    case 'date':
      return (raw) => JSON.stringify(raw.toString('latin1'))
    case 'timestamp':
      return oid === TIMESTAMPTZ_OID
        ? (raw) => JSON.stringify(timestamptzToIso(raw.toString('latin1')))
        : (raw) => JSON.stringify(raw.toString('latin1').replace(' ', 'T'))
    default:
      return (raw) => JSON.stringify(raw.toString('utf8'))
  }
}

// ISO DateStyle output: 2024-01-05 10:00:00.123456+01, +05:30 or, for old local mean times, +00:53:28.
const TIMESTAMPTZ =
  /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/

/** A UTC ISO string ending in Z; values outside that shape (infinity, BC dates) are kept as PostgreSQL wrote them. */
export function timestamptzToIso(text: string): string {
  const m = TIMESTAMPTZ.exec(text)
  if (!m) return text
  const offsetSeconds =
    (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0))
  // setUTCFullYear, unlike Date.UTC, keeps years 0–99 as they are.
  const date = new Date(0)
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  date.setUTCHours(
    Number(m[4]),
    Number(m[5]),
    Number(m[6]) - offsetSeconds,
    Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)),
  )
  return date.toISOString()
}
