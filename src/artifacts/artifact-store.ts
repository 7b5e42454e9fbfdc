import type { Readable } from 'node:stream'

/** Where rendered files and query results live between activities. Workflows only ever see the id. */
export interface ArtifactMeta {
  id: string
  runId: string | null
  filename: string
  contentType: string
  size: number
  createdAt: string
}

export interface ArtifactStore {
  /** Streams `source` into the store under a new id and records its metadata. */
  write(
    meta: { runId: string | null; filename: string; contentType: string },
    source: Readable | AsyncIterable<Buffer | string>,
  ): Promise<ArtifactMeta>
  /** Metadata, or undefined for an unknown id. */
  stat(id: string): Promise<ArtifactMeta | undefined>
  /** A fresh read stream of the content; throws for an unknown id. */
  open(id: string): Promise<Readable>
  /** Local filesystem path when the store has one (lets nodemailer stream the file itself). */
  localPath?(id: string): Promise<string | undefined>
}
