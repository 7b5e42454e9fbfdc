import type { TestWorkflowEnvironment } from '@temporalio/testing'
import type { Worker } from '@temporalio/worker'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { actorForKey } from '../../src/api/middleware/api-key-auth.js'
import * as auditLog from '../../src/db/audit-log.js'
import { createTimeSkippingEnv } from '../support/temporal.js'
import { createApiWorker, createHarness, type Harness, problemOf, reportSpec, unique } from './harness.js'

/** Changes made through the API land in GET /audit under the label of the key that made them, never the key. */

const WRITE_KEY = 'test-audit-writer-0123456789'
const ADMIN_KEY = 'test-audit-admin-0123456789'
const WRITER = actorForKey(WRITE_KEY)
const ADMIN = actorForKey(ADMIN_KEY)

let env: TestWorkflowEnvironment
let h: Harness

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  h = await createHarness({ env, apiKeys: `write:${WRITE_KEY},admin:${ADMIN_KEY}`, rpcTimeoutMs: 10_000 })
})
afterAll(async () => {
  await h?.close()
  await env?.teardown()
})

interface AuditEntry {
  id: string
  at: string
  actor: string | null
  action: string
  scheduleId: string | null
  detail: Record<string, unknown>
}
interface AuditPage {
  items: AuditEntry[]
  nextCursor: string | null
}

const send = (key: string, method: string, path: string, body?: unknown) =>
  h.app.request(`/api/v1${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

async function auditPage(query: Record<string, string>): Promise<AuditPage> {
  const res = await send(ADMIN_KEY, 'GET', `/audit?${new URLSearchParams(query)}`)
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as AuditPage
}

async function withWorker<T>(body: (worker: Worker) => Promise<T>): Promise<T> {
  const worker = await createApiWorker(env, h)
  return worker.runUntil(body(worker))
}

describe('GET /audit', () => {
  it('records what a write key does to a schedule, and what an admin key does, by label only', async () => {
    await withWorker(async () => {
      const created = await send(WRITE_KEY, 'POST', '/schedules', reportSpec())
      expect(created.status).toBe(201)
      const { id } = (await created.json()) as { id: string }
      expect((await send(WRITE_KEY, 'PATCH', `/schedules/${id}`, { description: 'audited' })).status).toBe(
        200,
      )
      expect(
        (await send(WRITE_KEY, 'POST', `/schedules/${id}/pause`, { note: 'quarter close' })).status,
      ).toBe(200)
      expect((await send(WRITE_KEY, 'POST', `/schedules/${id}/trigger`, { reason: 'board' })).status).toBe(
        202,
      )
      expect((await send(ADMIN_KEY, 'DELETE', `/schedules/${id}`)).status).toBe(204)

      const { items } = await auditPage({ scheduleId: id })
      // Newest first; the worker's own entries (the triggered run) may sit in between.
      const byApi = items.filter((e) => e.actor !== 'worker')
      expect(byApi.map((e) => [e.action, e.actor])).toEqual([
        ['schedule.delete', ADMIN],
        ['schedule.trigger', WRITER],
        ['schedule.pause', WRITER],
        ['schedule.update', WRITER],
        ['schedule.create', WRITER],
      ])
      expect(byApi.find((e) => e.action === 'schedule.pause')?.detail).toEqual({ note: 'quarter close' })
      expect(byApi.every((e) => e.scheduleId === id)).toBe(true)
      const text = JSON.stringify(items)
      expect(text).not.toContain(WRITE_KEY)
      expect(text).not.toContain(ADMIN_KEY)
    })
  })

  it('records suppression removal and SMTP test mail by the admin key', async () => {
    const email = `${unique('suppressed')}@example.com`
    await h.db`INSERT INTO herald.suppressions (email, schedule_id, reason) VALUES (${email}, '', 'manual')`
    expect((await send(ADMIN_KEY, 'DELETE', `/suppressions/${encodeURIComponent(email)}`)).status).toBe(204)
    const to = `${unique('smtp-test')}@example.com`
    // The test message is sent by the worker.
    await withWorker(async () => {
      expect((await send(ADMIN_KEY, 'POST', '/smtp/test', { to })).status).toBe(200)
    })

    const removed = await auditPage({ action: 'suppression.delete', actor: ADMIN, limit: '200' })
    expect(removed.items.find((e) => e.detail.email === email)).toMatchObject({
      actor: ADMIN,
      scheduleId: null,
    })
    const tested = await auditPage({ action: 'smtp.test', actor: ADMIN, limit: '200' })
    expect(tested.items.find((e) => e.detail.to === to)).toMatchObject({ actor: ADMIN })
  })

  it('filters by actor, action, schedule and time range, and pages through entries that share one timestamp', async () => {
    const scheduleId = unique('sch_audit')
    const actor = `apikey:${unique('x')}`
    // One transaction: every row shares the same `at` (now() is the transaction's start), so only the id orders them.
    await h.db.begin(async (tx) => {
      for (let i = 0; i < 5; i++)
        await auditLog.record(tx, { actor, action: 'test.burst', scheduleId, detail: { i } })
      await auditLog.record(tx, { actor: 'someone-else', action: 'test.burst', scheduleId })
      await auditLog.record(tx, { actor, action: 'test.other', scheduleId })
    })
    const seen: number[] = []
    let cursor: string | null = null
    do {
      const page: AuditPage = await auditPage({
        actor,
        action: 'test.burst',
        scheduleId,
        limit: '2',
        ...(cursor ? { cursor } : {}),
      })
      expect(page.items.length).toBeLessThanOrEqual(2)
      seen.push(...page.items.map((e) => e.detail.i as number))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toEqual([4, 3, 2, 1, 0])

    const [at] = await h.db<{ at: string }[]>`
      SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
      FROM herald.audit_log WHERE schedule_id = ${scheduleId} LIMIT 1`
    const inRange = await auditPage({ scheduleId, from: at!.at, limit: '200' })
    expect(inRange.items).toHaveLength(7)
    const before = await auditPage({ scheduleId, to: at!.at, limit: '200' })
    expect(before.items).toEqual([])
  })

  it('rejects a bad time, a reversed range and a forged cursor with 422 naming the field', async () => {
    for (const [query, field] of [
      [{ from: 'yesterday' }, 'from'],
      [{ from: '2026-03-02T08:00:00Z', to: '2026-03-01T08:00:00Z' }, 'from'],
      [
        { cursor: Buffer.from(JSON.stringify(['2026-03-02 08:00:00+00', 'x'])).toString('base64url') },
        'cursor',
      ],
    ] as const) {
      const res = await send(ADMIN_KEY, 'GET', `/audit?${new URLSearchParams(query)}`)
      expect(res.status, JSON.stringify(query)).toBe(422)
      expect((await problemOf(res)).errors?.map((e) => e.path)).toContain(field)
    }
  })

  it('is for admin keys only', async () => {
    const res = await send(WRITE_KEY, 'GET', '/audit')
    expect(res.status).toBe(403)
    expect((await problemOf(res)).detail).toContain('"admin" scope')
  })
})
