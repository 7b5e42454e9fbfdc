import type { Sql } from 'postgres'

/**
 * herald.distribution_lists and their members, managed through the API and read by the worker when it resolves a
 * schedule's recipients. Emails are stored lower-case so a member is never listed twice.
 */

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

/** By (name, id), for keyset paging. */
export async function list(db: Sql, options: { after?: { name: string; id: string }; limit: number }) {
  const { after } = options
  return db<ListRow[]>`
    SELECT ${db.unsafe(LIST_COLUMNS)} FROM herald.distribution_lists l
    ${after ? db`WHERE (l.name, l.id) > (${after.name}, ${after.id})` : db``}
    ORDER BY l.name, l.id
    LIMIT ${options.limit}`
}

export async function byId(db: Sql, id: string): Promise<ListRow | undefined> {
  const [row] = await db<
    ListRow[]
  >`SELECT ${db.unsafe(LIST_COLUMNS)} FROM herald.distribution_lists l WHERE l.id = ${id}`
  return row
}

/** Undefined when the name is taken. */
export async function insert(db: Sql, list: { id: string; name: string; description?: string }) {
  const [row] = await db<{ id: string }[]>`
    INSERT INTO herald.distribution_lists (id, name, description)
    VALUES (${list.id}, ${list.name}, ${list.description ?? null})
    ON CONFLICT (name) DO NOTHING RETURNING id`
  return row ? byId(db, row.id) : undefined
}

/** Creates the list unless one with this id exists (which is then left as it is). */
export async function ensure(
  db: Sql,
  list: { id: string; name: string; description: string },
): Promise<void> {
  await db`
    INSERT INTO herald.distribution_lists (id, name, description)
    VALUES (${list.id}, ${list.name}, ${list.description})
    ON CONFLICT (id) DO NOTHING`
}

export async function nameTakenByOther(db: Sql, name: string, id: string): Promise<boolean> {
  const [row] = await db`SELECT 1 FROM herald.distribution_lists WHERE name = ${name} AND id <> ${id}`
  return row !== undefined
}

export async function update(db: Sql, id: string, change: { name?: string; description?: string | null }) {
  await db`
    UPDATE herald.distribution_lists SET
      name = ${change.name === undefined ? db`name` : change.name},
      description = ${change.description === undefined ? db`description` : change.description},
      updated_at = now()
    WHERE id = ${id}`
  return byId(db, id)
}

export async function remove(db: Sql, id: string): Promise<void> {
  await db`DELETE FROM herald.distribution_lists WHERE id = ${id}`
}

/** By email, for keyset paging. */
export async function members(db: Sql, listId: string, options: { afterEmail?: string; limit: number }) {
  return db<MemberRow[]>`
    SELECT email, name, created_at FROM herald.distribution_list_members
    WHERE list_id = ${listId} ${options.afterEmail !== undefined ? db`AND email > ${options.afterEmail}` : db``}
    ORDER BY email LIMIT ${options.limit}`
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

/** Adds the member unless already there (an existing member keeps its name). */
export async function ensureMember(
  db: Sql,
  listId: string,
  member: { email: string; name: string },
): Promise<void> {
  await db`
    INSERT INTO herald.distribution_list_members (list_id, email, name)
    VALUES (${listId}, ${member.email}, ${member.name})
    ON CONFLICT DO NOTHING`
}

/** False when the address was not a member. */
export async function removeMember(db: Sql, listId: string, email: string): Promise<boolean> {
  const rows = await db`
    DELETE FROM herald.distribution_list_members WHERE list_id = ${listId} AND email = ${email.toLowerCase()} RETURNING 1`
  return rows.length > 0
}

/**
 * Members of the lists named by id or name, in the order the lists are given, then by email; a list without
 * members comes back once with a null email, so the caller can tell it from a list that does not exist.
 */
export async function membersOfLists(
  db: Sql,
  lists: string[],
): Promise<{ id: string; name: string; email: string | null }[]> {
  return db<{ id: string; name: string; email: string | null }[]>`
    SELECT l.id, l.name, m.email
      FROM herald.distribution_lists l
      LEFT JOIN herald.distribution_list_members m ON m.list_id = l.id
     WHERE l.id IN ${db(lists)} OR l.name IN ${db(lists)}
     ORDER BY array_position(${lists}::text[], l.id), array_position(${lists}::text[], l.name), m.email`
}
