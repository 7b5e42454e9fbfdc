import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runRetentionPass } from '../../src/activities/maintenance/retention.js'
import { createHeraldApp } from '../../src/api/herald-app.js'
import type { ArtifactMeta } from '../../src/artifacts/artifact-store.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/client.js'
import { createArtifactSignature } from '../../src/security/signed-tokens.js'
import { WorkerMetrics } from '../../src/telemetry/worker-metrics.js'
import { unreachableTemporalClient } from '../api/harness.js'
import { createIsolatedDatabase } from '../support/isolated-database.js'

/**
 * Retention on real parts: PostgreSQL (a database of its own, since the pass deletes by age), the local artifact
 * store on disk, and the API's download route. The pass takes `now`; files are stored with a clock 31 days back.
 */

const DAY = 86_400_000
const SECRET = 'retention-test-secret-0123456789'
const READ_KEY = 'test-read-key-0123456789'

let isolated: Awaited<ReturnType<typeof createIsolatedDatabase>>
let db: Database
let dir: string
const now = Date.now()
const ago = (days: number) => new Date(now - days * DAY)

beforeAll(async () => {
  isolated = await createIsolatedDatabase('herald_retention')
  db = isolated.db
  dir = await mkdtemp(join(tmpdir(), 'herald-retention-'))
})

afterAll(async () => {
  await isolated?.drop()
  await rm(dir, { recursive: true, force: true })
})

/** The store as a worker that wrote `days` ago would have used it. */
const storeAt = (date: Date) => new LocalArtifactStore({ dir, db, now: () => date })

async function file(runId: string, options: { storedAt?: Date; retentionDays?: number } = {}) {
  return storeAt(options.storedAt ?? ago(31)).write(
    {
      runId,
      filename: `${runId.replaceAll('/', '_')}.csv`,
      contentType: 'text/csv',
      retentionDays: options.retentionDays,
    },
    Readable.from([`report of ${runId}\n`]),
  )
}

async function run(id: string, status: string, startedAt: Date, attachments: ArtifactMeta[] = []) {
  const finishedAt = status === 'running' ? null : new Date(startedAt.getTime() + 60_000)
  await db`
    INSERT INTO herald.runs (id, schedule_id, fire_time, status, started_at, finished_at, attachments)
    VALUES (${id}, 'sch_retention', ${startedAt}, ${status}, ${startedAt}, ${finishedAt},
            ${db.json(attachments.map((a) => ({ artifactId: a.id, format: 'csv', filename: a.filename, contentType: a.contentType, size: a.size })))})`
}

async function delivery(runId: string, recipient: string, status: string, at: Date) {
  await db`
    INSERT INTO herald.deliveries (schedule_id, fire_time, recipient, run_id, status, created_at, updated_at)
    VALUES (${runId}, ${at}, ${recipient}, ${runId}, ${status}, ${at}, ${at})`
}

const rowExists = async (table: 'artifacts' | 'runs', id: string) =>
  (await db`SELECT 1 FROM ${db(`herald.${table}`)} WHERE id = ${id}`).length === 1
const onDisk = (meta: ArtifactMeta) => existsSync(join(dir, meta.id))

describe('retention pass', () => {
  it('deletes expired files and old records in bounded batches, keeps what a delivery or a link still needs, and links to deleted files answer 410', async () => {
    // A finished run, all mailed: its two files expired yesterday and go.
    const sentFiles = [await file('run/sent'), await file('run/sent')]
    await run('run/sent', 'sent', ago(31), sentFiles)
    await delivery('run/sent', 'a@example.com', 'sent', ago(31))
    // A run whose ledger still has a recipient to mail (SMTP outage): its file stays, expired or not.
    const pendingFile = await file('run/pending')
    await run('run/pending', 'partial', ago(31))
    await delivery('run/pending', 'a@example.com', 'sent', ago(31))
    await delivery('run/pending', 'b@example.com', 'pending', ago(31))
    // A run still running: its files stay too.
    const runningFile = await file('run/running')
    await run('run/running', 'running', ago(31))
    // A file mailed as a link valid for 7 more days: the delivery kept it that long (keepUntil).
    const linkedFile = await file('run/linked')
    await run('run/linked', 'sent', ago(31), [linkedFile])
    await storeAt(ago(0)).keepUntil([linkedFile.id], new Date(now + 7 * DAY))
    // A schedule that keeps its files 60 days (artifactRetentionDays).
    const longFile = await file('run/long', { retentionDays: 60 })
    await run('run/long', 'sent', ago(31), [longFile])
    // A file that expires in half an hour: shorter than the API's one-hour links.
    const soonFile = await file('run/soon', { storedAt: new Date(ago(30).getTime() + 30 * 60_000) })
    await run('run/soon', 'sent', ago(30), [soonFile])
    // Records around the 400-day cut-off.
    await run('run/old', 'sent', ago(401))
    await delivery('run/old', 'a@example.com', 'sent', ago(401))
    await run('run/recent', 'sent', ago(399))
    await delivery('run/recent', 'a@example.com', 'sent', ago(399))
    await db`INSERT INTO herald.audit_log (at, actor, action) VALUES (${ago(401)}, 'worker', 'run.sent'), (${ago(399)}, 'worker', 'run.sent')`

    const config = loadConfig({
      DATABASE_URL: isolated.url,
      API_KEYS: `read:${READ_KEY}`,
      HERALD_SECRET: SECRET,
      ARTIFACT_DIR: dir,
    })
    const app = createHeraldApp({
      config,
      db,
      artifacts: storeAt(ago(0)),
      client: await unreachableTemporalClient(),
      logger: pino({ level: 'silent' }),
    })
    // Links as a mail would carry them: valid a week, longer than the file they point to.
    const download = (meta: ArtifactMeta) =>
      app.request(
        `/api/v1/artifacts/${meta.id}?sig=${encodeURIComponent(createArtifactSignature(SECRET, meta.id, new Date(now + 7 * DAY)))}`,
      )
    const expiredBefore = await download(sentFiles[0]!)
    expect(expiredBefore.status).toBe(410)
    expect(expiredBefore.headers.get('content-type')).toBe('application/problem+json')
    expect(await expiredBefore.json()).toMatchObject({
      type: 'https://herald.dev/problems/gone',
      status: 410,
    })

    const metrics = new WorkerMetrics()
    const deps = {
      db,
      artifacts: storeAt(ago(0)),
      settings: { recordRetentionDays: 400, intervalMinutes: 60 },
      metrics,
      batchSize: 2,
      maxBatches: 1,
    }
    const first = await runRetentionPass(deps, new Date(now))
    // Two expired files fill the one batch of two allowed, so the pass says more may be due.
    expect(first).toEqual({
      files: 2,
      bytes: sentFiles[0]!.size + sentFiles[1]!.size,
      runs: 1,
      deliveries: 1,
      auditRows: 1,
      more: true,
      nextPassMinutes: 60,
    })
    const second = await runRetentionPass(deps, new Date(now))
    expect(second).toMatchObject({ files: 0, runs: 0, deliveries: 0, auditRows: 0, more: false })

    for (const gone of sentFiles) {
      expect(onDisk(gone)).toBe(false)
      expect(await rowExists('artifacts', gone.id)).toBe(false)
    }
    for (const kept of [pendingFile, runningFile, linkedFile, longFile, soonFile]) {
      expect(onDisk(kept), kept.filename).toBe(true)
      expect(await rowExists('artifacts', kept.id), kept.filename).toBe(true)
    }
    expect(await rowExists('runs', 'run/old')).toBe(false)
    expect(await rowExists('runs', 'run/recent')).toBe(true)
    expect(
      (await db`SELECT run_id FROM herald.deliveries WHERE run_id IN ('run/old', 'run/recent')`).map(
        (r) => r.run_id,
      ),
    ).toEqual(['run/recent'])
    expect((await db`SELECT at FROM herald.audit_log`).map((r) => (r.at as Date).getTime())).toEqual([
      ago(399).getTime(),
    ])

    const deletedFile = await download(sentFiles[1]!)
    expect(deletedFile.status).toBe(410)
    expect(deletedFile.headers.get('content-type')).toBe('application/problem+json')
    const stillLinked = await download(linkedFile)
    expect(stillLinked.status).toBe(200)
    expect(await stillLinked.text()).toBe('report of run/linked\n')

    // The API hands out no link to an expired file, and caps a link at its file's expiry.
    const shown = async (runId: string) => {
      const res = await app.request(`/api/v1/runs/${encodeURIComponent(runId)}`, {
        headers: { Authorization: `Bearer ${READ_KEY}` },
      })
      expect(res.status).toBe(200)
      return ((await res.json()) as { attachments: { url: string | null }[] }).attachments.map((a) => a.url)
    }
    expect(await shown('run/sent')).toEqual([null, null])
    const linkExpiry = (url: string | null | undefined) => {
      const sig = new URL(url!).searchParams.get('sig')!
      return (JSON.parse(Buffer.from(sig.split('.')[0]!, 'base64url').toString()) as { x: number }).x
    }
    const [soonUrl] = await shown('run/soon')
    expect(linkExpiry(soonUrl)).toBe(Math.floor(Date.parse(soonFile.expiresAt) / 1000))
    const [longUrl] = await shown('run/long')
    expect(linkExpiry(longUrl)).toBeLessThan(Math.floor(Date.parse(longFile.expiresAt) / 1000))

    const counted = Object.fromEntries(
      (await metrics.registry.getMetricsAsJSON())
        .filter((m) => m.name.startsWith('herald_retention_'))
        .flatMap((m) =>
          m.values.map((v) => [`${m.name}${v.labels.table ? `{${v.labels.table}}` : ''}`, v.value]),
        ),
    )
    expect(counted).toEqual({
      'herald_retention_deleted_rows_total{runs}': 1,
      'herald_retention_deleted_rows_total{deliveries}': 1,
      'herald_retention_deleted_rows_total{audit_log}': 1,
      'herald_retention_deleted_rows_total{artifacts}': 2,
      herald_retention_deleted_bytes_total: sentFiles[0]!.size + sentFiles[1]!.size,
    })
  })
})
