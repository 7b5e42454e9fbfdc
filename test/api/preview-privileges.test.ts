import type { TestWorkflowEnvironment } from '@temporalio/testing'
import type { Worker } from '@temporalio/worker'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createTimeSkippingEnv } from '../support/temporal.js'
import {
  createApiWorker,
  createHarness,
  type Harness,
  jsonHeaders,
  problemOf,
  reportSpec,
} from './harness.js'

/** /preview runs the schedule's query on the worker as the reader role: a permission error is a 422, not a 500. */

let env: TestWorkflowEnvironment
let h: Harness
let worker: Worker
let workerRun: Promise<void>

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  h = await createHarness({ env, rpcTimeoutMs: 3_000 })
  worker = await createApiWorker(env, h)
  workerRun = worker.run()
})
afterAll(async () => {
  worker?.shutdown()
  await workerRun
  await h?.close()
  await env?.teardown()
})

it.each([
  ["SELECT pg_read_file('/etc/hostname') AS host", 'permission denied for function pg_read_file'],
  ['SELECT id, status FROM herald.runs', 'permission denied for schema herald'],
  [
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity',
    'permission denied for function pg_terminate_backend',
  ],
])('previewing %s answers 422 query-rejected naming the permission', async (sql, permission) => {
  const created = await h.app.request('/api/v1/schedules', {
    method: 'POST',
    headers: jsonHeaders,
    body: JSON.stringify(reportSpec({ query: { sql } })),
  })
  expect(created.status).toBe(201)
  const { id } = (await created.json()) as { id: string }
  const res = await h.app.request(`/api/v1/schedules/${id}/preview`, { method: 'POST', headers: jsonHeaders })
  expect(res.status).toBe(422)
  const problem = await problemOf(res)
  expect(problem.type).toBe('https://herald.dev/problems/query-rejected')
  expect(problem.detail).toContain(permission)
})
