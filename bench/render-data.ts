import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ArtifactMeta, ArtifactStore } from '../src/artifacts/artifact-store.js'
import type { ColumnInfo } from '../src/domain/report-data.js'

/** Shared by the render benchmark's processes: the data set, a file-only artifact store and the measurements. */

export const BENCH_COLUMNS: ColumnInfo[] = [
  { name: 'order_id', type: 'integer' },
  { name: 'customer', type: 'text' },
  { name: 'region', type: 'text' },
  { name: 'quantity', type: 'integer' },
  { name: 'amount', type: 'number' },
  { name: 'discount', type: 'number' },
  { name: 'ordered_at', type: 'timestamp' },
  { name: 'ship_day', type: 'date' },
  { name: 'paid', type: 'boolean' },
  { name: 'note', type: 'text' },
]

const REGIONS = ['Nord', 'Süd', 'Île-de-France', 'Øresund', 'Łódź', 'Zürich', 'West', 'Ost']
const NOTES = ['', 'express', 'gift wrap, please', 'call before delivery', 'left at "reception"']
const START = Date.UTC(2024, 0, 1)

/** Row i of the data set as the query runner would store it (ISO strings for dates and times). */
export function benchRow(i: number): unknown[] {
  // A cheap deterministic mix, so both processes see identical data without sharing memory.
  const h = Math.imul(i + 1, 2_654_435_761) >>> 0
  const at = START + (h % 31_536_000) * 1000
  return [
    i + 1,
    `Customer ${(h % 5000) + 1}`,
    REGIONS[h % REGIONS.length],
    (h % 9) + 1,
    Math.round((h % 50_000) + 500) / 100,
    (h % 7) / 100,
    new Date(at).toISOString(),
    new Date(at + 2 * 86_400_000).toISOString().slice(0, 10),
    h % 5 !== 0,
    NOTES[h % NOTES.length],
  ]
}

const FOREVER = '9999-12-31T23:59:59.999Z'

/** Artifacts as plain files with metadata in memory: the benchmark measures rendering, not PostgreSQL. */
export class FileArtifactStore implements ArtifactStore {
  private readonly metas = new Map<string, ArtifactMeta>()

  constructor(readonly dir: string) {}

  async write(
    meta: { runId: string | null; filename: string; contentType: string },
    source: Readable | AsyncIterable<Buffer | string>,
  ): Promise<ArtifactMeta> {
    const id = randomUUID()
    await mkdir(this.dir, { recursive: true })
    await pipeline(source, createWriteStream(join(this.dir, id)))
    const { size } = await stat(join(this.dir, id))
    // Never deleted: the benchmark's directory goes when it ends.
    const stored = { id, ...meta, size, createdAt: new Date().toISOString(), expiresAt: FOREVER }
    this.metas.set(id, stored)
    return stored
  }

  async keepUntil(ids: string[]): Promise<string[]> {
    return ids.filter((id) => this.metas.has(id))
  }

  async deleteExpired() {
    return { files: 0, bytes: 0 }
  }

  async stat(id: string) {
    return this.metas.get(id)
  }

  async open(id: string): Promise<Readable> {
    return createReadStream(join(this.dir, id))
  }
}

export interface Measurement {
  label: string
  rows: number
  wallMs: number
  /** CPU time of this process (all threads) during the render: steadier than wall time on a busy machine. */
  cpuMs: number
  peakRssMb: number
  maxStallMs: number
  bytes: number
}

const PROBE_MS = 5

/** Runs `work` and reports wall time, peak RSS of this process and the longest event-loop stall. */
export async function measure(
  label: string,
  rows: number,
  work: () => Promise<number>,
): Promise<Measurement> {
  // A drift probe: a timer due every PROBE_MS that fires late by however long the loop was blocked.
  let maxStallMs = 0
  let last = performance.now()
  const probe = setInterval(() => {
    const now = performance.now()
    maxStallMs = Math.max(maxStallMs, now - last - PROBE_MS)
    last = now
  }, PROBE_MS)
  await new Promise((resolve) => setTimeout(resolve, 3 * PROBE_MS)) // let the probe start ticking
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const bytes = await work()
  const wallMs = performance.now() - started
  const cpu = process.cpuUsage(cpuBefore)
  await new Promise((resolve) => setTimeout(resolve, 3 * PROBE_MS)) // and record a stall at the very end
  clearInterval(probe)
  return {
    label,
    rows,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    maxStallMs,
    bytes,
  }
}
