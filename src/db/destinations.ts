import type { Sql } from 'postgres'
import type { DestinationKind } from '../domain/destination.js'

/**
 * herald.destinations: Slack, Teams and webhook destinations, written by the API and read by the worker when it
 * delivers. `secrets` is sealed (src/security/secret-box.ts); only the worker's activities open it.
 */

export interface DestinationRow {
  id: string
  name: string
  kind: DestinationKind
  channel: string | null
  target: string
  created_by: string | null
  created_at: Date
  updated_at: Date
}

export interface DestinationWithSecrets extends DestinationRow {
  secrets: string
}

const COLUMNS = 'id, name, kind, channel, target, created_by, created_at, updated_at'

/** By (name, id), for keyset paging. */
export async function list(db: Sql, options: { after?: { name: string; id: string }; limit: number }) {
  const { after } = options
  return db<DestinationRow[]>`
    SELECT ${db.unsafe(COLUMNS)} FROM herald.destinations
    ${after ? db`WHERE (name, id) > (${after.name}, ${after.id})` : db``}
    ORDER BY name, id
    LIMIT ${options.limit}`
}

export async function byId(db: Sql, id: string): Promise<DestinationRow | undefined> {
  const [row] = await db<
    DestinationRow[]
  >`SELECT ${db.unsafe(COLUMNS)} FROM herald.destinations WHERE id = ${id}`
  return row
}

/** With its sealed secrets: for the worker's activities only. */
export async function withSecrets(db: Sql, id: string): Promise<DestinationWithSecrets | undefined> {
  const [row] = await db<DestinationWithSecrets[]>`
    SELECT ${db.unsafe(COLUMNS)}, secrets FROM herald.destinations WHERE id = ${id}`
  return row
}

/** The ids among `ids` that exist. */
export async function existing(db: Sql, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await db<{ id: string }[]>`SELECT id FROM herald.destinations WHERE id IN ${db(ids)}`
  return new Set(rows.map((r) => r.id))
}

/** Undefined when the name is taken. */
export async function insert(
  db: Sql,
  d: {
    id: string
    name: string
    kind: DestinationKind
    channel: string | null
    target: string
    secrets: string
    createdBy?: string
  },
): Promise<DestinationRow | undefined> {
  const [row] = await db<DestinationRow[]>`
    INSERT INTO herald.destinations (id, name, kind, channel, target, secrets, created_by)
    VALUES (${d.id}, ${d.name}, ${d.kind}, ${d.channel}, ${d.target}, ${d.secrets}, ${d.createdBy ?? null})
    ON CONFLICT (name) DO NOTHING
    RETURNING ${db.unsafe(COLUMNS)}`
  return row
}

export async function nameTakenByOther(db: Sql, name: string, id: string): Promise<boolean> {
  const [row] = await db`SELECT 1 FROM herald.destinations WHERE name = ${name} AND id <> ${id}`
  return row !== undefined
}

/** Changes the name and, when given, the channel, the masked target and the sealed secrets together. */
export async function update(
  db: Sql,
  id: string,
  change: { name?: string; channel?: string | null; target?: string; secrets?: string },
): Promise<DestinationRow | undefined> {
  const [row] = await db<DestinationRow[]>`
    UPDATE herald.destinations SET
      name = coalesce(${change.name ?? null}, name),
      channel = ${change.channel === undefined ? db`channel` : change.channel},
      target = coalesce(${change.target ?? null}, target),
      secrets = coalesce(${change.secrets ?? null}, secrets),
      updated_at = now()
    WHERE id = ${id}
    RETURNING ${db.unsafe(COLUMNS)}`
  return row
}

export async function remove(db: Sql, id: string): Promise<void> {
  await db`DELETE FROM herald.destinations WHERE id = ${id}`
}
