import type { Sql } from 'postgres'
import type { ScheduleSpec } from '../domain/schedule.js'
import type { ScheduleSnapshot, ScheduleState, ScheduleStatus } from '../domain/schedule-state.js'

/**
 * herald.schedules: one row per schedule, for listing and search. The API writes it on create and delete only;
 * in between the schedule's workflow owns it, publishing status, live state and definition on every change.
 */

export interface ScheduleRow {
  id: string
  name: string
  status: ScheduleStatus
  spec: ScheduleSpec
  idempotency_key: string | null
  created_by: string | null
  created_at: Date
  updated_at: Date
  /** created_at as text, exact to the microsecond, for cursors. */
  created_key: string
}

export interface ScheduleDetailRow extends ScheduleRow {
  live_state: ScheduleState | null
  live_state_at: Date | null
}

const COLUMNS =
  'id, name, status, spec, idempotency_key, created_by, created_at, updated_at, created_at::text AS created_key'

export async function detailById(db: Sql, id: string): Promise<ScheduleDetailRow | undefined> {
  const [row] = await db<ScheduleDetailRow[]>`
    SELECT ${db.unsafe(COLUMNS)}, live_state, live_state_at FROM herald.schedules WHERE id = ${id}`
  return row
}

export async function byId(db: Sql, id: string): Promise<ScheduleRow | undefined> {
  const [row] = await db<ScheduleRow[]>`SELECT ${db.unsafe(COLUMNS)} FROM herald.schedules WHERE id = ${id}`
  return row
}

export async function byIdempotencyKey(db: Sql, key: string): Promise<ScheduleRow | undefined> {
  const [row] = await db<
    ScheduleRow[]
  >`SELECT ${db.unsafe(COLUMNS)} FROM herald.schedules WHERE idempotency_key = ${key}`
  return row
}

/** Inserts the schedule; undefined when another request already claimed the idempotency key. */
export async function insert(
  db: Sql,
  row: { id: string; spec: ScheduleSpec; idempotencyKey: string | undefined; createdBy: string | undefined },
): Promise<ScheduleRow | undefined> {
  const [inserted] = await db<ScheduleRow[]>`
    INSERT INTO herald.schedules (id, name, status, spec, idempotency_key, created_by)
    VALUES (${row.id}, ${row.spec.name}, 'active', ${db.json(row.spec as never)}, ${row.idempotencyKey ?? null},
            ${row.createdBy ?? null})
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING ${db.unsafe(COLUMNS)}`
  return inserted
}

/** Forgets a schedule whose workflow never started (a create that failed and cannot be retried). */
export async function remove(db: Sql, id: string): Promise<void> {
  await db`DELETE FROM herald.schedules WHERE id = ${id}`
}

/** Deleting is the API's to record (the workflow is cancelled, so it publishes no more); the row stays for history. */
export async function markDeleted(db: Sql, id: string): Promise<void> {
  await db`UPDATE herald.schedules SET status = 'deleted', updated_at = now() WHERE id = ${id}`
}

/**
 * The schedule workflow's own view of itself, published on every change: live state, status and definition. It is
 * the only writer of these columns after the row is created, so a pause signalled straight through Temporal, an
 * update, or a schedule ending at its endAt all show here. A deleted schedule stays deleted, and a late retry
 * never overwrites a newer snapshot of the same workflow (both times are the workflow's clock).
 */
export async function publishState(db: Sql, snapshot: ScheduleSnapshot): Promise<void> {
  const asOf = new Date(snapshot.asOf)
  const spec = snapshot.spec ? db.json(snapshot.spec as never) : null
  await db`
    UPDATE herald.schedules
       SET live_state = ${db.json(snapshot.state as never)}, live_state_at = ${asOf},
           status = ${snapshot.state.status},
           spec = COALESCE(${spec}::jsonb, spec), name = COALESCE(${snapshot.spec?.name ?? null}, name),
           updated_at = CASE
             WHEN status IS DISTINCT FROM ${snapshot.state.status} OR spec IS DISTINCT FROM COALESCE(${spec}::jsonb, spec)
             THEN now() ELSE updated_at END
     WHERE id = ${snapshot.scheduleId} AND status <> 'deleted'
       AND (live_state_at IS NULL OR live_state_at <= ${asOf})`
}

/** Escapes LIKE wildcards so a search for "50%" finds exactly that. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`

export interface ScheduleListRow extends Omit<ScheduleRow, 'spec'> {
  cron: string
  timezone: string
  next_fire_time: { utc: string; local: string } | null
  /** Only when asked for the full view. */
  spec?: ScheduleSpec
}

export interface ScheduleListFilter {
  status?: ScheduleStatus
  /** Part of the name, matched case-insensitively. */
  q?: string
  /** Resume below this schedule (its `created_key` and `id`), newest first. */
  after?: { createdKey: string; id: string }
  limit: number
  full?: boolean
}

/**
 * Newest first by (created_at, id), for keyset paging. The summary view reads a few fields of the definition, not
 * the whole document. The cursor's instant is cast in PostgreSQL: a JS Date would drop the microseconds.
 */
export async function list(db: Sql, filter: ScheduleListFilter): Promise<ScheduleListRow[]> {
  const { after } = filter
  return db<ScheduleListRow[]>`
    SELECT id, name, status, idempotency_key, created_by, created_at, updated_at, created_at::text AS created_key,
           spec->>'cron' AS cron, spec->>'timezone' AS timezone, live_state->'nextFireTimes'->0 AS next_fire_time
           ${filter.full ? db`, spec` : db``}
      FROM herald.schedules
    WHERE ${filter.status ? db`status = ${filter.status}` : db`status <> 'deleted'`}
      ${filter.q ? db`AND name ILIKE ${likePattern(filter.q)}` : db``}
      ${after ? db`AND (created_at, id) < (${after.createdKey}::text::timestamptz, ${after.id})` : db``}
    ORDER BY created_at DESC, id DESC
    LIMIT ${filter.limit}`
}

/** Ids of live schedules whose recipients name this distribution list (by id or by name), at most 20. */
export async function usingList(db: Sql, list: { id: string; name: string }): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    SELECT id FROM herald.schedules
    WHERE status <> 'deleted'
      AND (spec->'recipients'->'lists' ? ${list.id} OR spec->'recipients'->'lists' ? ${list.name})
    ORDER BY id LIMIT 20`
  return rows.map((r) => r.id)
}

/** Schedules (not deleted) that post to this destination. */
export async function usingDestination(db: Sql, destinationId: string): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    SELECT id FROM herald.schedules
    WHERE status <> 'deleted' AND spec->'destinations' ? ${destinationId}
    ORDER BY id LIMIT 20`
  return rows.map((r) => r.id)
}

/** How many schedules are in each status (deleted ones included: their rows stay), for the worker's metrics. */
export async function countByStatus(db: Sql): Promise<{ status: ScheduleStatus; count: number }[]> {
  return db<{ status: ScheduleStatus; count: number }[]>`
    SELECT status, count(*)::int AS count FROM herald.schedules GROUP BY status`
}
