import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Sql } from 'postgres'
import * as artifacts from '../db/artifacts.js'
import { UNSETTLED_DELIVERY_STATUSES } from '../domain/delivery.js'
import { artifactExpiry, DEFAULT_ARTIFACT_RETENTION_DAYS } from '../domain/retention.js'
import type { ArtifactMeta, ArtifactStore, DeletedArtifacts } from './artifact-store.js'

export interface LocalArtifactStoreOptions {
  dir: string
  db: Sql
  /** Days a file is kept when its writer names none (ARTIFACT_RETENTION_DAYS). */
  retentionDays?: number
  /** The clock expiry is counted from; tests move it. */
  now?: () => Date
}

/** Artifacts as files under one directory, with their metadata in herald.artifacts so any process can find them. */
export class LocalArtifactStore implements ArtifactStore {
  readonly dir: string
  private readonly db: Sql
  private readonly retentionDays: number
  private readonly now: () => Date
  private ready: Promise<unknown> | undefined

  constructor({ dir, db, retentionDays, now }: LocalArtifactStoreOptions) {
    this.dir = dir
    this.db = db
    this.retentionDays = retentionDays ?? DEFAULT_ARTIFACT_RETENTION_DAYS
    this.now = now ?? (() => new Date())
  }

  async write(
    {
      retentionDays,
      ...meta
    }: { runId: string | null; filename: string; contentType: string; retentionDays?: number },
    source: Readable | AsyncIterable<Buffer | string>,
  ): Promise<ArtifactMeta> {
    this.ready ??= mkdir(this.dir, { recursive: true })
    await this.ready
    const expiresAt = artifactExpiry(this.now(), retentionDays ?? this.retentionDays)
    const id = randomUUID()
    const path = join(this.dir, id)
    let size = 0
    // Counting on the way through keeps the content out of memory and saves a stat() afterwards.
    async function* measured(chunks: AsyncIterable<Buffer | string>) {
      for await (const chunk of chunks) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
        size += buffer.length
        yield buffer
      }
    }
    try {
      await pipeline(source, measured, createWriteStream(path))
      const row = await artifacts.insert(this.db, { id, ...meta, size, storageKey: id, expiresAt })
      return toMeta(row)
    } catch (error) {
      // A half-written file is worse than none: nothing refers to it and it would never be cleaned up.
      await rm(path, { force: true })
      throw error
    }
  }

  async stat(id: string): Promise<ArtifactMeta | undefined> {
    const row = await this.row(id)
    return row && toMeta(row)
  }

  async open(id: string): Promise<Readable> {
    const path = await this.localPath(id)
    if (!path) throw new Error(`unknown artifact ${id}`)
    const stream = createReadStream(path)
    // Fail here, not on the consumer's first read, when the file has gone missing.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve())
      stream.once('error', reject)
    })
    return stream
  }

  keepUntil(ids: string[], until: Date): Promise<string[]> {
    return artifacts.keepUntil(this.db, ids, until)
  }

  async deleteExpired({ now, limit }: { now: Date; limit: number }): Promise<DeletedArtifacts> {
    const expired = await artifacts.expiredBatch(this.db, {
      now,
      limit,
      unsettled: UNSETTLED_DELIVERY_STATUSES,
    })
    // The file first: a crash in between leaves a row whose file is gone (the next pass finishes it), never a file
    // that no row points to and nothing would ever delete.
    for (const file of expired) await rm(join(this.dir, file.storage_key), { force: true })
    await artifacts.deleteByIds(
      this.db,
      expired.map((file) => file.id),
    )
    return { files: expired.length, bytes: expired.reduce((sum, file) => sum + Number(file.size), 0) }
  }

  async localPath(id: string): Promise<string | undefined> {
    const row = await this.row(id)
    if (!row) return undefined
    const path = join(this.dir, row.storage_key)
    const exists = await stat(path).then(
      () => true,
      () => false,
    )
    return exists ? path : undefined
  }

  private row(id: string): Promise<artifacts.ArtifactRow | undefined> {
    return artifacts.byId(this.db, id)
  }
}

function toMeta(row: artifacts.ArtifactRow): ArtifactMeta {
  return {
    id: row.id,
    runId: row.run_id,
    filename: row.filename,
    contentType: row.content_type,
    size: Number(row.size),
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: new Date(row.expires_at).toISOString(),
  }
}
