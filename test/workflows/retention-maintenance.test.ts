import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { Worker } from '@temporalio/worker'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRetentionActivities } from '../../src/activities/maintenance/retention.js'
import { LocalArtifactStore } from '../../src/artifacts/local-artifact-store.js'
import type { RetentionPassInput } from '../../src/domain/retention.js'
import { ensureRetentionWorkflow } from '../../src/temporal/retention-workflow.js'
import { RETENTION_WORKFLOW_ID, retentionMaintenance } from '../../src/workflows/index.js'
import { createIsolatedDatabase } from '../support/isolated-database.js'
import { createTimeSkippingEnv, dataConverterOf, workflowBundle } from '../support/temporal.js'
import { uniqueId, waitFor } from './harness.js'

/**
 * The retention workflow on the time-skipping server with the real cleanup activity, on PostgreSQL (a database of
 * its own) and the artifact store on disk. The pass deletes up to workflow time, so moving the server's clock past a
 * file's expiry is what deletes it.
 */

let env: TestWorkflowEnvironment
let isolated: Awaited<ReturnType<typeof createIsolatedDatabase>>
let dir: string
const DAY = 86_400_000

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  isolated = await createIsolatedDatabase('herald_retention_wf')
  dir = await mkdtemp(join(tmpdir(), 'herald-retention-wf-'))
})

afterAll(async () => {
  await env?.teardown()
  await isolated?.drop()
  await rm(dir, { recursive: true, force: true })
})

async function retentionWorker() {
  const store = new LocalArtifactStore({ dir, db: isolated.db })
  const real = createRetentionActivities({
    db: isolated.db,
    artifacts: store,
    settings: { recordRetentionDays: 400, intervalMinutes: 60 },
  })
  const passes: RetentionPassInput[] = []
  const taskQueue = uniqueId('retention')
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter: dataConverterOf(env),
    activities: {
      async cleanupExpiredData(input: RetentionPassInput) {
        const pass = await real.cleanupExpiredData(input)
        passes.push(input)
        return pass
      },
    },
  })
  return { worker, passes, taskQueue }
}

/** A file stored so that it expires `minutes` from now (30-day retention). */
async function fileExpiringIn(minutes: number) {
  const storedAt = new Date(Date.now() - 30 * DAY + minutes * 60_000)
  const store = new LocalArtifactStore({ dir, db: isolated.db, now: () => storedAt })
  return store.write({ runId: null, filename: 'r.csv', contentType: 'text/csv' }, Readable.from(['a\n']))
}

describe('retentionMaintenance', () => {
  it('is started once however often workers start, and deletes a file once workflow time passes its expiry', async () => {
    const { worker, passes, taskQueue } = await retentionWorker()
    const file = await fileExpiringIn(30)
    const path = join(dir, file.id)
    await worker.runUntil(async () => {
      expect(await ensureRetentionWorkflow(env.client, { taskQueue })).toBe('started')
      expect(await ensureRetentionWorkflow(env.client, { taskQueue })).toBe('running')
      const handle = env.client.workflow.getHandle(RETENTION_WORKFLOW_ID)
      await waitFor(() => passes.length === 1)
      // The first pass ran at once, before the file expired.
      expect(existsSync(path)).toBe(true)
      await env.sleep('61 minutes')
      await waitFor(() => passes.length === 2)
      expect(Date.parse(passes[1]!.now) - Date.parse(passes[0]!.now)).toBeGreaterThanOrEqual(60 * 60_000)
      expect(existsSync(path)).toBe(false)
      expect(await isolated.db`SELECT 1 FROM herald.artifacts WHERE id = ${file.id}`).toHaveLength(0)
      await handle.terminate('test done')
    })
  })

  it('continues as new after its passes, and goes on cleaning', async () => {
    const { worker, passes, taskQueue } = await retentionWorker()
    const workflowId = uniqueId('herald-maintenance/retention')
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(retentionMaintenance, {
        workflowId,
        taskQueue,
        args: [{ passesPerExecution: 1 }],
      })
      await waitFor(() => passes.length === 1)
      await env.sleep('61 minutes')
      await waitFor(() => passes.length === 2)
      const current = await env.client.workflow.getHandle(workflowId).describe()
      expect(current.runId).not.toBe(handle.firstExecutionRunId)
      expect(current.status.name).toBe('RUNNING')
      const first = await env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).describe()
      expect(first.status.name).toBe('CONTINUED_AS_NEW')
      await env.client.workflow.getHandle(workflowId).terminate('test done')
    })
  })
})
