import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { connectDatabase, type Database } from '../../src/db/client.js'
import { deliveryStatusSchema, suppressionReasonSchema } from '../../src/domain/delivery.js'
import { deliveryChannelSchema, destinationKindSchema } from '../../src/domain/destination.js'
import { runStatusSchema, runTriggerSchema } from '../../src/domain/run.js'
import { scheduleStatusSchema } from '../../src/domain/schedule-state.js'

/** Each CHECK constraint on an enum-like column allows exactly the values of the domain's zod enum. */

let db: Database

beforeAll(() => {
  db = connectDatabase(inject('databaseUrl'))
})
afterAll(async () => {
  await db.end()
})

/** The quoted values of a `CHECK (column = ANY (ARRAY['a'::text, …]))` constraint, as PostgreSQL prints it. */
async function allowedValues(table: string, column: string): Promise<string[]> {
  const rows = await db<{ def: string }[]>`
    SELECT pg_get_constraintdef(c.oid) AS def
      FROM pg_constraint c
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
     WHERE c.contype = 'c' AND c.conrelid = ${`herald.${table}`}::regclass AND a.attname = ${column}`
  expect(rows, `one CHECK on herald.${table}.${column}`).toHaveLength(1)
  return [...rows[0]!.def.matchAll(/'([^']*)'/g)].map((m) => m[1]!).sort()
}

describe('SQL CHECK constraints follow the domain enums', () => {
  const cases: [string, string, readonly string[]][] = [
    ['schedules', 'status', scheduleStatusSchema.options],
    ['runs', 'status', runStatusSchema.options],
    ['runs', 'trigger', runTriggerSchema.options],
    ['deliveries', 'status', deliveryStatusSchema.options],
    ['suppressions', 'reason', suppressionReasonSchema.options],
    ['deliveries', 'channel', deliveryChannelSchema.options],
    ['destinations', 'kind', destinationKindSchema.options],
  ]
  it.each(cases)('herald.%s.%s', async (table, column, options) => {
    expect(await allowedValues(table, column)).toEqual([...options].sort())
  })
})
