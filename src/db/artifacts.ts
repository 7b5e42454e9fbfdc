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
  },
): Promise<ArtifactRow> {
  const [row] = await db<ArtifactRow[]>`
    INSERT INTO herald.artifacts (id, run_id, filename, content_type, size, storage_key)
    VALUES (${artifact.id}, ${artifact.runId}, ${artifact.filename}, ${artifact.contentType}, ${artifact.size},
            ${artifact.storageKey})
    RETURNING *`
  return row!
}

export async function byId(db: Sql, id: string): Promise<ArtifactRow | undefined> {
  const [row] = await db<ArtifactRow[]>`SELECT * FROM herald.artifacts WHERE id = ${id}`
  return row
}
