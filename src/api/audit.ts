import type { Sql } from 'postgres'

/** Appends to herald.audit_log; every change made through the API leaves a line saying who did what. */
export async function audit(
  db: Sql,
  entry: { actor: string | undefined; action: string; scheduleId?: string; detail?: Record<string, unknown> },
): Promise<void> {
  await db`
    INSERT INTO herald.audit_log (actor, action, schedule_id, detail)
    VALUES (${entry.actor ?? null}, ${entry.action}, ${entry.scheduleId ?? null}, ${db.json((entry.detail ?? {}) as never)})`
}
