import type { Sql } from 'postgres'

/**
 * herald.artifacts: metadata of the files a run produced (results, rendered reports); the content lives in the
 * artifact store, under storage_key. Written by the worker, read by the worker and by the API's download links.
 */

export interface ArtifactRow {
  id: string
  run_id: string | null
  filename: string
  content_type: string
  /** bigint, as text. */
  size: string
  storage_key: string
  created_at: Date
  /** From here on the file may be deleted (docs/DELIVERY.md, "Retention"). */
  expires_at: Date
}

export async function insert(
  db: Sql,
  artifact: {
    id: string
    runId: string | null
    filename: string
    contentType: string
    size: number
    storageKey: string
    expiresAt: Date
  },
): Promise<ArtifactRow> {
  const [row] = await db<ArtifactRow[]>`
    INSERT INTO herald.artifacts (id, run_id, filename, content_type, size, storage_key, expires_at)
    VALUES (${artifact.id}, ${artifact.runId}, ${artifact.filename}, ${artifact.contentType}, ${artifact.size},
            ${artifact.storageKey}, ${artifact.expiresAt})
    RETURNING *`
  return row!
}

export async function byId(db: Sql, id: string): Promise<ArtifactRow | undefined> {
  const [row] = await db<ArtifactRow[]>`SELECT * FROM herald.artifacts WHERE id = ${id}`
  return row
}

/** Keeps the files at least until `until` (a mailed link's expiry); never shortens. Returns the ids still stored. */
export async function keepUntil(db: Sql, ids: string[], until: Date): Promise<string[]> {
  if (ids.length === 0) return []
  const rows = await db<{ id: string }[]>`
    UPDATE herald.artifacts SET expires_at = greatest(expires_at, ${until})
     WHERE id = ANY(${ids}::text[])
    RETURNING id`
  return rows.map((r) => r.id)
}

export interface ExpiredArtifact {
  id: string
  storage_key: string
  /** bigint, as text. */
  size: string
}

/**
 * The oldest files expired at `now` that nothing may still need: not of a run still running, nor of a run with a
 * delivery that may still be sent (`unsettled` statuses). A run is never running again once it finished, so a file
 * found here stays deletable.
 */
export async function expiredBatch(
  db: Sql,
  options: { now: Date; limit: number; unsettled: readonly string[] },
): Promise<ExpiredArtifact[]> {
  return db<ExpiredArtifact[]>`
    SELECT a.id, a.storage_key, a.size::text AS size
      FROM herald.artifacts a
     WHERE a.expires_at <= ${options.now}
       AND NOT EXISTS (SELECT 1 FROM herald.runs r WHERE r.id = a.run_id AND r.status = 'running')
       AND NOT EXISTS (SELECT 1 FROM herald.deliveries d
                        WHERE d.run_id = a.run_id AND d.status = ANY(${[...options.unsettled]}::text[]))
     ORDER BY a.expires_at
     LIMIT ${options.limit}`
}

/** Deletes the rows of files already removed from the store. */
export async function deleteByIds(db: Sql, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0
  const result = await db`DELETE FROM herald.artifacts WHERE id = ANY(${ids}::text[])`
  return result.count
}
