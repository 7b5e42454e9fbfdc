import canonicalize from 'canonicalize'
import { describe, expect, it } from 'vitest'
import { sameSpec } from '../../src/api/schedules/same-spec.js'
import { scheduleSpecSchema } from '../../src/domain/schedule.js'

/** The hand-written canonical JSON Herald compared Idempotency-Key bodies with before `canonicalize`. */
function previousCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(previousCanonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${previousCanonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

const minimal = scheduleSpecSchema.parse({
  name: 'Revenue',
  cron: '0 8 * * 1-5',
  query: { sql: 'SELECT 1' },
  recipients: { to: ['team@example.com'] },
})

const everyField = scheduleSpecSchema.parse({
  name: 'Umsatz nach Region — «Woche» 📈',
  description: 'Quotes " and backslashes \\ and a tab\t and\nnew lines; control \u0001 and \u2028',
  cron: '*/15 8-18 * * 1-5',
  timezone: 'Europe/Berlin',
  startAt: '2026-01-01T00:00:00+01:00',
  endAt: '2027-01-01T00:00:00.000Z',
  jitterSeconds: 90,
  query: {
    dataSource: 'warehouse',
    sql: "SELECT region, sum(amount) FROM sales WHERE day >= $1 AND note <> 'x' GROUP BY 1",
    params: { zeta: 'z', Alpha: 1.5, alpha: -0, big: 1e21, small: 5e-7, frac: 0.1, flag: true, none: null },
    maxRows: 50_000,
    timeoutSeconds: 120,
  },
  formats: ['csv', 'pdf', 'xlsx'],
  csvBom: true,
  recipients: {
    to: ['a@example.com', 'b@example.com'],
    cc: ['c@example.com'],
    bcc: ['d@example.com'],
    lists: ['sales-leads'],
  },
  owners: ['owner@example.com'],
  mail: {
    subject: 'Umsatz {{date}}',
    body: 'Hallo,\n\nanbei der Bericht.',
    replyTo: 'reply@example.com',
    priority: 'high',
    headers: { 'X-Zeta': '1', 'X-Alpha': '2', 'X-alpha-lower': '3' },
    inlineRows: 20,
  },
  condition: {
    type: 'all',
    conditions: [
      { type: 'rowCount', op: '>', value: 0 },
      { type: 'metric', column: 'amount', aggregate: 'sum', op: '>=', value: 1234.5 },
    ],
  },
  renotifyGraceMinutes: 60,
  overlap: 'skip',
  catchup: { windowMinutes: 120, mode: 'all' },
  dataReady: { dataset: 'sales_daily', deadlineMinutes: 90, onTimeout: 'run' },
  runTimeoutMinutes: 45,
  notifyOwnersOnFailure: false,
})

/** Keys that sort differently by code unit than by locale: upper case, non-ASCII, astral (surrogate pairs). */
const awkwardKeys = {
  b: 1,
  B: 2,
  é: 3,
  e: 4,
  '\u{1F600}': 5,
  '\uFB33': 6,
  '': 7,
  '10': 8,
  '9': 9,
  nested: { z: [], a: {} },
}

describe('sameSpec (RFC 8785 via canonicalize)', () => {
  it.each([
    ['a minimal spec with its defaults', minimal],
    ['a spec with every field', everyField],
    [
      'the same spec as PostgreSQL hands it back (jsonb reorders keys)',
      JSON.parse(JSON.stringify(everyField)),
    ],
    ['awkward keys', awkwardKeys],
    ['scalars and empties', [null, true, false, 0, -1, 3.14, '', 'ü', [], {}]],
  ])('gives byte for byte the canonical text of the hand-written version: %s', (_, value) => {
    expect(canonicalize(value)).toBe(previousCanonicalJson(value))
  })

  it('treats bodies that differ only in key order as the same, and any other difference as different', () => {
    const reordered = Object.fromEntries(Object.entries(everyField).reverse())
    expect(sameSpec(everyField, reordered)).toBe(true)
    expect(sameSpec(everyField, { ...everyField, jitterSeconds: 91 })).toBe(false)
    expect(sameSpec(minimal, { ...minimal, description: undefined })).toBe(true)
  })

  it('calls a body with a lone surrogate different, not an error (the old comparison did the same)', () => {
    expect(sameSpec(minimal, { ...minimal, name: 'broken \uD800' })).toBe(false)
  })
})
