import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Sql } from 'postgres'
import * as artifacts from '../db/artifacts.js'
import type { ArtifactMeta, ArtifactStore } from './artifact-store.js'

/** Artifacts as files under one directory, with their metadata in herald.artifacts so any process can find them. */
export class LocalArtifactStore implements ArtifactStore {
  readonly dir: string
  private readonly db: Sql
  private ready: Promise<unknown> | undefined

  constructor({ dir, db }: { dir: string; db: Sql }) {
    this.dir = dir
    this.db = db
  }

  async write(
    meta: { runId: string | null; filename: string; contentType: string },
    source: Readable | AsyncIterable<Buffer | string>,
  ): Promise<ArtifactMeta> {
    this.ready ??= mkdir(this.dir, { recursive: true })
    await this.ready
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
      const row = await artifacts.insert(this.db, { id, ...meta, size, storageKey: id })
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
  }
}
