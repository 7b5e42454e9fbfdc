import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { connectDatabase, type Database } from '../../src/db/client.js'

let db: Database
let dir: string
let store: LocalArtifactStore

beforeAll(async () => {
  db = connectDatabase(inject('databaseUrl'))
  dir = await mkdtemp(join(tmpdir(), 'herald-artifacts-'))
  store = new LocalArtifactStore({ dir, db })
})

afterAll(async () => {
  await db.end()
  await rm(dir, { recursive: true, force: true })
})

describe('LocalArtifactStore', () => {
  it('streams content to a file and records its measured size', async () => {
    async function* parts() {
      yield 'Grüße, '
      yield Buffer.from('Łódź\n')
    }
    const meta = await store.write(
      { runId: 'run-a', filename: 'greeting.txt', contentType: 'text/plain' },
      parts(),
    )
    expect(meta).toMatchObject({ runId: 'run-a', filename: 'greeting.txt', contentType: 'text/plain' })
    expect(meta.size).toBe(Buffer.byteLength('Grüße, Łódź\n'))
    expect(meta.id).toMatch(/^[A-Za-z0-9_-]+$/)

    const [row] = await db`SELECT size, storage_key FROM herald.artifacts WHERE id = ${meta.id}`
    expect(Number(row?.size)).toBe(meta.size)
    expect(await text(await store.open(meta.id))).toBe('Grüße, Łódź\n')
    const path = await store.localPath(meta.id)
    expect(path).toBe(join(dir, meta.id))
    expect(await readFile(path!, 'utf8')).toBe('Grüße, Łódź\n')
    expect(await store.stat(meta.id)).toEqual(meta)
  })

  it('accepts a Readable and keeps large content out of memory', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x')
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 64; i++) yield chunk
      })(),
    )
    const meta = await store.write(
      { runId: null, filename: 'big.bin', contentType: 'application/octet-stream' },
      source,
    )
    expect(meta.size).toBe(64 * 64 * 1024)
    expect(meta.runId).toBeNull()
  })

  it('answers unknown ids without inventing content', async () => {
    expect(await store.stat('no-such-artifact')).toBeUndefined()
    expect(await store.localPath('no-such-artifact')).toBeUndefined()
    await expect(store.open('no-such-artifact')).rejects.toThrow(/unknown artifact/)
  })

  it('leaves neither a file nor a row behind when the source fails', async () => {
    const before = await readdir(dir)
    async function* failing() {
      yield 'partial'
      throw new Error('source broke')
    }
    await expect(
      store.write({ runId: 'run-broken', filename: 'x.txt', contentType: 'text/plain' }, failing()),
    ).rejects.toThrow('source broke')
    expect(await readdir(dir)).toEqual(before)
    const rows = await db`SELECT 1 FROM herald.artifacts WHERE run_id = 'run-broken'`
    expect(rows).toHaveLength(0)
  })
})
