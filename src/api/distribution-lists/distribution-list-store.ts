import type { Sql } from 'postgres'
import { decodeCursor, page } from '../pagination.js'

/** herald.distribution_lists and their members. Emails are stored lower-case so a member is never listed twice. */

export interface ListRow {
  id: string
  name: string
  description: string | null
  member_count: number
  created_at: Date
  updated_at: Date
}

export interface MemberRow {
  email: string
  name: string | null
  created_at: Date
}

const LIST_COLUMNS = `l.id, l.name, l.description, l.created_at, l.updated_at,
  (SELECT count(*)::int FROM herald.distribution_list_members m WHERE m.list_id = l.id) AS member_count`

export async function listLists(db: Sql, options: { limit: number; cursor?: string }) {
  const after = decodeCursor(options.cursor, 2)
  const rows = await db<ListRow[]>`
    SELECT ${db.unsafe(LIST_COLUMNS)} FROM herald.distribution_lists l
    ${after ? db`WHERE (l.name, l.id) > (${after[0]!}, ${after[1]!})` : db``}
    ORDER BY l.name, l.id
    LIMIT ${options.limit + 1}`
  return page(rows, options.limit, (row) => [row.name, row.id])
}

export async function findList(db: Sql, id: string): Promise<ListRow | undefined> {
  const [row] = await db<
    ListRow[]
  >`SELECT ${db.unsafe(LIST_COLUMNS)} FROM herald.distribution_lists l WHERE l.id = ${id}`
  return row
}

/** Undefined when the name is taken. */
export async function insertList(db: Sql, list: { id: string; name: string; description?: string }) {
  const [row] = await db<{ id: string }[]>`
    INSERT INTO herald.distribution_lists (id, name, description)
    VALUES (${list.id}, ${list.name}, ${list.description ?? null})
    ON CONFLICT (name) DO NOTHING RETURNING id`
  return row ? findList(db, row.id) : undefined
}

export async function nameTakenByOther(db: Sql, name: string, id: string): Promise<boolean> {
  const [row] = await db`SELECT 1 FROM herald.distribution_lists WHERE name = ${name} AND id <> ${id}`
  return row !== undefined
}

export async function updateList(
  db: Sql,
  id: string,
  change: { name?: string; description?: string | null },
) {
  await db`
    UPDATE herald.distribution_lists SET
      name = ${change.name === undefined ? db`name` : change.name},
      description = ${change.description === undefined ? db`description` : change.description},
      updated_at = now()
    WHERE id = ${id}`
  return findList(db, id)
}

/** Ids of live schedules whose recipients name this list (by id or by name). */
export async function schedulesUsingList(db: Sql, list: { id: string; name: string }): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    SELECT id FROM herald.schedules
    WHERE status <> 'deleted'
      AND (spec->'recipients'->'lists' ? ${list.id} OR spec->'recipients'->'lists' ? ${list.name})
    ORDER BY id LIMIT 20`
  return rows.map((r) => r.id)
}

export async function deleteList(db: Sql, id: string): Promise<void> {
  await db`DELETE FROM herald.distribution_lists WHERE id = ${id}`
}

export async function listMembers(db: Sql, listId: string, options: { limit: number; cursor?: string }) {
  const after = decodeCursor(options.cursor, 1)
  const rows = await db<MemberRow[]>`
    SELECT email, name, created_at FROM herald.distribution_list_members
    WHERE list_id = ${listId} ${after ? db`AND email > ${after[0]!}` : db``}
    ORDER BY email LIMIT ${options.limit + 1}`
  return page(rows, options.limit, (row) => [row.email])
}

export async function upsertMember(db: Sql, listId: string, member: { email: string; name?: string }) {
  const [row] = await db<(MemberRow & { inserted: boolean })[]>`
    INSERT INTO herald.distribution_list_members (list_id, email, name)
    VALUES (${listId}, ${member.email.toLowerCase()}, ${member.name ?? null})
    ON CONFLICT (list_id, email) DO UPDATE SET name = coalesce(EXCLUDED.name, herald.distribution_list_members.name)
    RETURNING email, name, created_at, (xmax = 0) AS inserted`
  await db`UPDATE herald.distribution_lists SET updated_at = now() WHERE id = ${listId}`
  return row!
}

/** False when the address was not a member. */
export async function removeMember(db: Sql, listId: string, email: string): Promise<boolean> {
  const rows = await db`
    DELETE FROM herald.distribution_list_members WHERE list_id = ${listId} AND email = ${email.toLowerCase()} RETURNING 1`
  return rows.length > 0
}
