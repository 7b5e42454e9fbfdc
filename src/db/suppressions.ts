import type { Sql } from 'postgres'
import type { SuppressionReason } from '../domain/delivery.js'

/**
 * herald.suppressions: addresses not to mail, per schedule or for all of them (schedule_id ''). Written by the
 * worker (hard bounces) and the API (one-click unsubscribe, removal by an operator); read before every delivery.
 */

export interface SuppressionRow {
  email: string
  schedule_id: string
  reason: SuppressionReason
  detail: string | null
  created_at: Date
  /** created_at as text, exact to the microsecond, for cursors. */
  created_key: string
}

/** Keeps each statement well under PostgreSQL's 65,535 parameters. */
const CHUNK = 5000

/**
 * The reason each of these lower-cased addresses is suppressed for this schedule, global suppressions
 * (schedule_id '') first.
 */
export async function reasonsFor(db: Sql, scheduleId: string, keys: string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>()
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK)
    const rows = await db<{ key: string; reason: string }[]>`
      SELECT lower(email) AS key, reason FROM herald.suppressions
       WHERE lower(email) IN ${db(chunk)} AND schedule_id IN ('', ${scheduleId})
       ORDER BY schedule_id`
    for (const row of rows) if (!result.has(row.key)) result.set(row.key, row.reason)
  }
  return result
}

/** Adds a suppression; an existing one for the same address and schedule stands as it is. */
export async function add(
  db: Sql,
  s: { email: string; scheduleId: string; reason: SuppressionReason; detail: string },
): Promise<void> {
  await db`
    INSERT INTO herald.suppressions (email, schedule_id, reason, detail)
    VALUES (${s.email}, ${s.scheduleId}, ${s.reason}, ${s.detail})
    ON CONFLICT (email, schedule_id) DO NOTHING`
}

export interface SuppressionListFilter {
  /** Lower-cased. */
  email?: string
  scheduleId?: string
  /** Resume below this entry (its `created_key`, `email` and `schedule_id`), newest first. */
  after?: { createdKey: string; email: string; scheduleId: string }
  limit: number
}

/**
 * Newest first by (created_at, email, schedule_id), for keyset paging. The cursor's instant is cast in PostgreSQL:
 * a JS Date would drop the microseconds.
 */
export async function list(db: Sql, filter: SuppressionListFilter): Promise<SuppressionRow[]> {
  const { after } = filter
  return db<SuppressionRow[]>`
    SELECT email, schedule_id, reason, detail, created_at, created_at::text AS created_key
    FROM herald.suppressions
    WHERE true
      ${filter.email ? db`AND email = ${filter.email}` : db``}
      ${filter.scheduleId !== undefined ? db`AND schedule_id = ${filter.scheduleId}` : db``}
      ${after ? db`AND (created_at, email, schedule_id) < (${after.createdKey}::text::timestamptz, ${after.email}, ${after.scheduleId})` : db``}
    ORDER BY created_at DESC, email DESC, schedule_id DESC
    LIMIT ${filter.limit}`
}

/** Removes the address's suppression for one schedule, or all of them; the number removed. */
export async function remove(db: Sql, email: string, scheduleId?: string): Promise<number> {
  const rows = await db`
    DELETE FROM herald.suppressions
    WHERE email = ${email} ${scheduleId !== undefined ? db`AND schedule_id = ${scheduleId}` : db``}
    RETURNING schedule_id`
  return rows.length
}
