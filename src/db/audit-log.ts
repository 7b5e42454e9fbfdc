import type { Sql, TransactionSql } from 'postgres'

/**
 * herald.audit_log: who did what, appended by the API (actor: the key's label, never the key) and the worker
 * (actor `worker`), read through GET /audit.
 */

export interface AuditEntry {
  actor: string | null | undefined
  action: string
  scheduleId?: string | null
  detail?: Record<string, unknown>
}

export interface AuditRow {
  id: string
  at: Date
  actor: string | null
  action: string
  schedule_id: string | null
  detail: Record<string, unknown>
  at_key: string
}

export interface AuditFilter {
  actor?: string
  action?: string
  scheduleId?: string
  /** ISO 8601 instants: entries at or after `from` and before `to`. */
  from?: string
  to?: string
  /** Resume below this entry (its `at_key` and `id`), newest first. */
  after?: { atKey: string; id: string }
  limit: number
}

/** Appends one entry; inside a transaction when given one, so the entry commits with the change it records. */
export async function record(db: Sql | TransactionSql, entry: AuditEntry): Promise<void> {
  // Through JSON, so fields set to undefined are dropped as they would be in the stored document.
  const detail = JSON.parse(JSON.stringify(entry.detail ?? {}))
  await db`
    INSERT INTO herald.audit_log (actor, action, schedule_id, detail)
    VALUES (${entry.actor ?? null}, ${entry.action}, ${entry.scheduleId ?? null}, ${db.json(detail)})`
}

/** The `detail.email` of every entry with this action for one run, e.g. the owners already told about it. */
export async function emailsRecorded(
  db: Sql,
  of: { action: string; scheduleId: string; runId: string },
): Promise<string[]> {
  const rows = await db<{ email: string }[]>`
    SELECT detail->>'email' AS email FROM herald.audit_log
     WHERE action = ${of.action} AND schedule_id = ${of.scheduleId} AND detail->>'runId' = ${of.runId}`
  return rows.map((r) => r.email)
}

/** The `detail.email` of every entry with this action whose detail contains `detail`, e.g. an escalation step's. */
export async function emailsRecordedWith(
  db: Sql,
  of: { action: string; scheduleId: string; detail: Record<string, string | number> },
): Promise<string[]> {
  const rows = await db<{ email: string }[]>`
    SELECT detail->>'email' AS email FROM herald.audit_log
     WHERE action = ${of.action} AND schedule_id = ${of.scheduleId} AND detail @> ${db.json(of.detail)}`
  return rows.map((r) => r.email)
}

/**
 * Newest first by (at, id), for keyset paging. Instants are bound as text and cast in PostgreSQL: a JS Date would
 * drop the microseconds, and a page boundary inside one millisecond would skip entries.
 */
export async function list(db: Sql, filter: AuditFilter): Promise<AuditRow[]> {
  const instant = (iso: string) => db`${iso}::text::timestamptz`
  const { after } = filter
  return db<AuditRow[]>`
    SELECT id, at, actor, action, schedule_id, detail, at::text AS at_key
    FROM herald.audit_log
    WHERE true
      ${filter.actor !== undefined ? db`AND actor = ${filter.actor}` : db``}
      ${filter.action !== undefined ? db`AND action = ${filter.action}` : db``}
      ${filter.scheduleId !== undefined ? db`AND schedule_id = ${filter.scheduleId}` : db``}
      ${filter.from !== undefined ? db`AND at >= ${instant(filter.from)}` : db``}
      ${filter.to !== undefined ? db`AND at < ${instant(filter.to)}` : db``}
      ${after ? db`AND (at, id) < (${instant(after.atKey)}, ${after.id}::bigint)` : db``}
    ORDER BY at DESC, id DESC
    LIMIT ${filter.limit}`
}

/** Deletes up to `limit` entries older than `cutoff`, oldest first; returns how many went. */
export async function deleteBefore(db: Sql, cutoff: Date, limit: number): Promise<number> {
  const result = await db`
    DELETE FROM herald.audit_log
     WHERE id IN (SELECT id FROM herald.audit_log WHERE at < ${cutoff} ORDER BY at LIMIT ${limit})`
  return result.count
}
