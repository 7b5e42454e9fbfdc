import type { Readable } from 'node:stream'

/** Where rendered files and query results live between activities. Workflows only ever see the id. */
export interface ArtifactMeta {
  id: string
  runId: string | null
  filename: string
  contentType: string
  size: number
  createdAt: string
  /** From here on the file may be deleted; a download link never outlives it. */
  expiresAt: string
}

/** What one batch of the retention pass removed. */
export interface DeletedArtifacts {
  files: number
  bytes: number
}

export interface ArtifactStore {
  /**
   * Streams `source` into the store under a new id and records its metadata. It expires `retentionDays` after it
   * was stored (the schedule's artifactRetentionDays), by default the store's retention.
   */
  write(
    meta: { runId: string | null; filename: string; contentType: string; retentionDays?: number },
    source: Readable | AsyncIterable<Buffer | string>,
  ): Promise<ArtifactMeta>
  /** Metadata, or undefined for an unknown id. */
  stat(id: string): Promise<ArtifactMeta | undefined>
  /** A fresh read stream of the content; throws for an unknown id. */
  open(id: string): Promise<Readable>
  /** Keeps files at least until `until` (a mailed download link's expiry); returns the ids still stored. */
  keepUntil(ids: string[], until: Date): Promise<string[]>
  /**
   * Deletes up to `limit` files expired at `now`, content first, then metadata, skipping every file a run still
   * running or a delivery that may still be sent needs.
   */
  deleteExpired(options: { now: Date; limit: number }): Promise<DeletedArtifacts>
  /** Local filesystem path when the store has one (lets nodemailer stream the file itself). */
  localPath?(id: string): Promise<string | undefined>
}
