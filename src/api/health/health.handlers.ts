import type { RouteHandler } from '@hono/zod-openapi'
import { ping } from '../../db/client.js'
import type { AppBindings } from '../deps.js'
import { withTemporalDeadline } from '../temporal-calls.js'
import type { HealthzRoute, MetricsRoute, ReadyzRoute } from './health.routes.js'

const CHECK_TIMEOUT_MS = 3_000

async function check(run: () => Promise<unknown>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)
  })
  try {
    await Promise.race([run(), timeout])
    return { ok: true }
  } catch (err) {
    return { ok: false, error: (err as Error).message || String(err) }
  } finally {
    clearTimeout(timer)
  }
}

export const healthz: RouteHandler<HealthzRoute, AppBindings> = (c) => c.json({ status: 'ok' as const }, 200)

export const readyz: RouteHandler<ReadyzRoute, AppBindings> = async (c) => {
  // The API's own dependencies only: SMTP is the worker's (POST /smtp/verify checks it there).
  const { temporal, db } = c.var.deps
  const [temporalCheck, database] = await Promise.all([
    check(() =>
      withTemporalDeadline({ ...temporal, rpcTimeoutMs: CHECK_TIMEOUT_MS }, () =>
        temporal.client.workflowService.getSystemInfo({}),
      ),
    ),
    check(() => ping(db)),
  ])
  const checks = { temporal: temporalCheck, database }
  const ready = Object.values(checks).every((x) => x.ok)
  if (ready) return c.json({ status: 'ready' as const, checks }, 200)
  c.header('Retry-After', '5')
  return c.json({ status: 'unavailable' as const, checks }, 503)
}

export const metrics: RouteHandler<MetricsRoute, AppBindings> = async (c) =>
  c.text(await c.var.metrics.render(), 200, { 'Content-Type': c.var.metrics.contentType })
