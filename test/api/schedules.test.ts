import type { TestWorkflowEnvironment } from '@temporalio/testing'
import type { Worker } from '@temporalio/worker'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scheduleSpecSchema } from '../../src/domain/schedule.js'
import { stateQuery } from '../../src/workflows/index.js'
import { createTimeSkippingEnv } from '../support/temporal.js'
import {
  auth,
  createApiWorker,
  createHarness,
  type Harness,
  jsonHeaders,
  problemOf,
  reportSpec,
  unique,
} from './harness.js'

let env: TestWorkflowEnvironment
let h: Harness

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  h = await createHarness({ env, rpcTimeoutMs: 3_000 })
})
afterAll(async () => {
  await h?.close()
  await env?.teardown()
})

interface Schedule {
  id: string
  name: string
  status: string
  workflowId: string
  temporalUiUrl: string | null
  spec: Record<string, unknown> & { cron: string; mail: { subject: string; priority: string } }
}

const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  h.app.request(`/api/v1${path}`, {
    method: 'POST',
    headers: body === undefined ? { ...auth, ...headers } : { ...jsonHeaders, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

async function createSchedule(spec = reportSpec(), headers: Record<string, string> = {}): Promise<Schedule> {
  const res = await post('/schedules', spec, headers)
  expect(res.status).toBe(201)
  return (await res.json()) as Schedule
}

async function waitUntil(predicate: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met in time: ${predicate.toString()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Runs `body` while a worker with the real workflows polls the harness's task queue. */
async function withWorker<T>(body: (worker: Worker) => Promise<T>): Promise<T> {
  const worker = await createApiWorker(env, h)
  return worker.runUntil(body(worker))
}

describe('POST /schedules validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a bad cron', { cron: '61 * * * *' }, 'cron'],
    ['a cron with too few fields', { cron: '* * *' }, 'cron'],
    ['an unknown timezone', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['a bad recipient address', { recipients: { to: ['not-an-email'] } }, 'recipients.to.0'],
    ['header injection in the subject', { mail: { subject: 'Hi\r\nBcc: x@evil.example' } }, 'mail.subject'],
    ['a writing query', { query: { sql: 'DELETE FROM demo.orders' } }, 'query.sql'],
    ['a second statement', { query: { sql: 'SELECT 1; DROP TABLE demo.orders' } }, 'query.sql'],
    ['a cron that never fires (30 February)', { cron: '0 0 30 2 *' }, 'cron'],
    ['a cron of every second', { cron: '* * * * * *' }, 'cron'],
    ['a cron of every 10 s, but only from 08:00 to 08:59', { cron: '*/10 * 8 * * *' }, 'cron'],
  ]
  for (const [what, override, path] of cases) {
    it(`rejects ${what} with 422 naming ${path}`, async () => {
      const spec = reportSpec(override)
      const res = await post('/schedules', spec)
      expect(res.status).toBe(422)
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      const problem = await problemOf(res)
      expect(problem.type).toBe('https://herald.dev/problems/validation')
      expect(problem.errors?.map((e) => e.path)).toContain(path)
      expect(problem.detail).toContain(path)
      const rows = await h.db`SELECT 1 FROM herald.schedules WHERE name = ${spec.name}`
      expect(rows).toHaveLength(0)
    })
  }

  it('rejects a missing name and recipients together', async () => {
    const { name: _name, recipients: _recipients, ...rest } = reportSpec()
    const res = await post('/schedules', rest)
    expect(res.status).toBe(422)
    const paths = (await problemOf(res)).errors?.map((e) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['name', 'recipients']))
  })
})

/** Runs `body` with the API's MIN_TICK_SECONDS set to `seconds`, as an operator would configure it. */
async function withMinTickSeconds<T>(seconds: number, body: () => Promise<T>): Promise<T> {
  const configured = h.deps.config.MIN_TICK_SECONDS
  h.deps.config.MIN_TICK_SECONDS = seconds
  try {
    return await body()
  } finally {
    h.deps.config.MIN_TICK_SECONDS = configured
  }
}

describe('schedules that make sense', () => {
  it('says why a cron is refused: never fires, or faster than MIN_TICK_SECONDS', async () => {
    const never = await problemOf(await post('/schedules', reportSpec({ cron: '0 0 30 2 *' })))
    expect(never.errors).toEqual([
      { path: 'cron', message: expect.stringMatching(/no fire time in the next 5 years/) },
    ])
    const fast = await problemOf(await post('/schedules', reportSpec({ cron: '*/10 * 8 * * *' })))
    expect(fast.status).toBe(422)
    expect(fast.errors).toEqual([
      {
        path: 'cron',
        message: expect.stringMatching(/fires every 10 s .*minimum interval is 60 s \(MIN_TICK_SECONDS\)/),
      },
    ])
  })

  it('accepts a faster cron where MIN_TICK_SECONDS allows it, and the every-minute demo by default', async () => {
    // Every 10 s, but only on 1 January: no tick is reached while the tests run.
    const fast = reportSpec({ cron: '*/10 * 8 1 1 *' })
    expect((await post('/schedules', fast)).status).toBe(422)
    const created = await withMinTickSeconds(10, () => createSchedule(fast))
    expect(created.spec.cron).toBe('*/10 * 8 1 1 *')
    await createSchedule(reportSpec({ cron: '* * * * *' }))
  })

  it('refuses a patch to a cron that is too fast, and changes nothing', async () => {
    const created = await createSchedule()
    const res = await h.app.request(`/api/v1/schedules/${created.id}`, {
      method: 'PATCH',
      headers: jsonHeaders,
      body: JSON.stringify({ cron: '* * * * * *' }),
    })
    expect(res.status).toBe(422)
    expect((await problemOf(res)).errors?.map((e) => e.path)).toEqual(['cron'])
    const [row] = await h.db`SELECT spec->>'cron' AS cron FROM herald.schedules WHERE id = ${created.id}`
    expect(row!.cron).toBe(created.spec.cron)
  })

  it('creates a schedule without mail, with the default subject', async () => {
    const { mail: _mail, ...spec } = reportSpec()
    const created = await createSchedule(spec)
    expect(created.spec.mail).toEqual({
      subject: '{{schedule}}: {{row_count}} rows',
      priority: 'normal',
      headers: {},
      inlineRows: 0,
    })
    const [row] =
      await h.db`SELECT spec->'mail'->>'subject' AS subject FROM herald.schedules WHERE id = ${created.id}`
    expect(row!.subject).toBe('{{schedule}}: {{row_count}} rows')
  })
})

describe('creating schedules', () => {
  it('stores the definition, starts the schedule workflow, and reports live state', async () => {
    await withWorker(async () => {
      const created = await createSchedule()
      expect(created.id).toMatch(/^sch_[a-z2-9]{16}$/)
      expect(created.workflowId).toBe(`schedule/${created.id}`)
      expect(created.temporalUiUrl).toBe(
        `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(`schedule/${created.id}`)}`,
      )
      // Defaults from the schema are applied and stored.
      expect(created.spec.mail.priority).toBe('normal')
      const [row] =
        await h.db`SELECT status, spec->>'cron' AS cron, created_by FROM herald.schedules WHERE id = ${created.id}`
      expect(row).toEqual({
        status: 'active',
        cron: '0 8 1 1 *',
        created_by: expect.stringMatching(/^apikey:/),
      })
      const description = await env.client.workflow.getHandle(created.workflowId).describe()
      expect(description.status.name).toBe('RUNNING')
      expect(description.type).toBe('reportSchedule')

      const res = await h.app.request(`/api/v1/schedules/${created.id}`, { headers: auth })
      expect(res.status).toBe(200)
      const detail = (await res.json()) as {
        live: { status: string; nextFireTimes: { utc: string; local: string }[] }
      }
      expect(detail.live.status).toBe('active')
      expect(detail.live.nextFireTimes.length).toBeGreaterThan(0)
      expect(detail.live.nextFireTimes[0]!.local).toMatch(/-01-01T08:00:00\+01:00$/)
    })
  })

  it('serves live state from the snapshot the workflow publishes, which follows changes made through Temporal', async () => {
    await withWorker(async () => {
      const created = await createSchedule()
      const handle = env.client.workflow.getHandle(created.workflowId)
      const snapshotStatus = async () =>
        (
          await h.db<{ status: string | null }[]>`
          SELECT live_state->>'status' AS status FROM herald.schedules WHERE id = ${created.id}`
        )[0]?.status
      await waitUntil(async () => (await snapshotStatus()) === 'active')

      type Detail = {
        status: string
        live: { status: string; pausedNote?: string; nextFireTimes: unknown[] }
        liveSource: string
      }
      const get = async (query = '') =>
        (await (
          await h.app.request(`/api/v1/schedules/${created.id}${query}`, { headers: auth })
        ).json()) as Detail
      const fromSnapshot = await get()
      expect(fromSnapshot.liveSource).toBe('snapshot')
      const fromQuery = await get('?fresh=true')
      expect(fromQuery.liveSource).toBe('query')
      expect(fromSnapshot.live).toEqual(fromQuery.live)

      // Another service pauses the schedule straight through Temporal: the API never sees the request.
      await handle.signal('pause', { note: 'warehouse migration', by: 'etl-service' })
      await waitUntil(async () => (await snapshotStatus()) === 'paused')
      expect(await get()).toMatchObject({
        status: 'paused',
        liveSource: 'snapshot',
        live: { status: 'paused', pausedNote: 'warehouse migration' },
      })
      type Item = { id: string; cron: string; nextFireTime: unknown; spec?: unknown }
      const listed = async (query: string) =>
        (
          (await (await h.app.request(`/api/v1/schedules?${query}`, { headers: auth })).json()) as {
            items: Item[]
          }
        ).items.find((s) => s.id === created.id)
      // The list row carries the next fire time from the snapshot, and the definition only when asked for.
      const item = await listed('status=paused&limit=100')
      expect(item).toMatchObject({
        cron: created.spec.cron,
        nextFireTime: fromSnapshot.live.nextFireTimes[0],
      })
      expect(item).not.toHaveProperty('spec')
      expect((await listed('status=paused&limit=100&view=full'))?.spec).toEqual(created.spec)
    })
  })

  it('replays a retried create with the same Idempotency-Key and body, and starts one workflow', async () => {
    const key = unique('idem')
    const spec = reportSpec()
    const first = await post('/schedules', spec, { 'Idempotency-Key': key })
    expect(first.status).toBe(201)
    const a = (await first.json()) as Schedule
    const handle = env.client.workflow.getHandle(a.workflowId)
    const firstRun = (await handle.describe()).runId
    // Same body with keys in another order and defaults spelled out: still the same request.
    const { name, ...rest } = spec
    const second = await post(
      '/schedules',
      { timezone: 'Europe/Berlin', ...rest, name },
      { 'Idempotency-Key': key },
    )
    expect(second.status).toBe(200)
    expect(((await second.json()) as Schedule).id).toBe(a.id)
    expect((await handle.describe()).runId).toBe(firstRun)
    const rows = await h.db`SELECT id FROM herald.schedules WHERE name = ${spec.name}`
    expect(rows).toHaveLength(1)
  })

  it('finishes an earlier create that stored the schedule but never started its workflow', async () => {
    const key = unique('idem')
    const spec = reportSpec()
    // What a first attempt leaves behind when it dies between the insert and the workflow start.
    const orphanId = `sch_orphan${unique('x').replace(/[^a-z0-9]/g, '')}`
    await h.db`
      INSERT INTO herald.schedules (id, name, spec, idempotency_key)
      VALUES (${orphanId}, ${spec.name}, ${h.db.json(scheduleSpecSchema.parse(spec) as never)}, ${key})`
    const retry = await post('/schedules', spec, { 'Idempotency-Key': key })
    expect(retry.status).toBe(200)
    expect(((await retry.json()) as Schedule).id).toBe(orphanId)
    expect((await env.client.workflow.getHandle(`schedule/${orphanId}`).describe()).status.name).toBe(
      'RUNNING',
    )
  })

  it('answers 409 when an Idempotency-Key is reused with a different body', async () => {
    const key = unique('idem')
    await createSchedule(reportSpec(), { 'Idempotency-Key': key })
    const res = await post('/schedules', reportSpec(), { 'Idempotency-Key': key })
    expect(res.status).toBe(409)
    expect((await problemOf(res)).type).toBe('https://herald.dev/problems/idempotency-key-reused')
  })
})

describe('listing schedules', () => {
  it('filters by name and status and pages with an opaque cursor', async () => {
    const tag = unique('listing')
    const ids: string[] = []
    for (let i = 0; i < 3; i++)
      ids.push((await createSchedule(reportSpec({ name: `${tag} report ${i}` }))).id)
    // Created within one millisecond, as a script creating many schedules does: the cursor keeps the microseconds.
    for (const [i, id] of ids.entries())
      await h.db`UPDATE herald.schedules SET created_at = ${`2026-03-01 12:00:00.000${i + 1}00+00`}::text::timestamptz WHERE id = ${id}`
    const page1 = await h.app.request(
      `/api/v1/schedules?q=${encodeURIComponent(tag.toUpperCase())}&limit=2`,
      { headers: auth },
    )
    expect(page1.status).toBe(200)
    const body1 = (await page1.json()) as { items: Schedule[]; nextCursor: string | null }
    expect(body1.items.map((s) => s.id)).toEqual([ids[2], ids[1]])
    expect(body1.nextCursor).toEqual(expect.any(String))
    const page2 = await h.app.request(
      `/api/v1/schedules?q=${encodeURIComponent(tag)}&limit=2&cursor=${body1.nextCursor}`,
      { headers: auth },
    )
    const body2 = (await page2.json()) as { items: Schedule[]; nextCursor: string | null }
    expect(body2.items.map((s) => s.id)).toEqual([ids[0]])
    expect(body2.nextCursor).toBeNull()

    const paused = await h.app.request(`/api/v1/schedules?q=${encodeURIComponent(tag)}&status=paused`, {
      headers: auth,
    })
    expect(((await paused.json()) as { items: unknown[] }).items).toEqual([])
  })

  it('treats LIKE wildcards in q literally', async () => {
    const res = await h.app.request('/api/v1/schedules?q=%25', { headers: auth })
    expect(((await res.json()) as { items: unknown[] }).items).toEqual([])
  })

  it('rejects a forged cursor and a limit over 200 with 422', async () => {
    const forged = await h.app.request('/api/v1/schedules?cursor=bm90LWEtY3Vyc29y', { headers: auth })
    expect(forged.status).toBe(422)
    expect((await problemOf(forged)).errors).toEqual([
      { path: 'cursor', message: 'is not a cursor returned by this API' },
    ])
    const tooMany = await h.app.request('/api/v1/schedules?limit=201', { headers: auth })
    expect(tooMany.status).toBe(422)
    expect((await problemOf(tooMany)).errors?.[0]?.path).toBe('limit')
  })
})

describe('a schedule', () => {
  it('answers 404 for an unknown id on every route', async () => {
    const id = 'sch_doesnotexist'
    const attempts = [
      h.app.request(`/api/v1/schedules/${id}`, { headers: auth }),
      h.app.request(`/api/v1/schedules/${id}`, {
        method: 'PATCH',
        headers: jsonHeaders,
        body: '{"cron":"0 9 * * *"}',
      }),
      h.app.request(`/api/v1/schedules/${id}`, { method: 'DELETE', headers: auth }),
      post(`/schedules/${id}/pause`, {}),
      post(`/schedules/${id}/resume`),
      post(`/schedules/${id}/trigger`, {}),
      post(`/schedules/${id}/skip-next`),
      post(`/schedules/${id}/preview`),
      post(`/schedules/${id}/signals/data-ready`, { dataset: 'orders', asOf: '2026-01-01T00:00:00Z' }),
      h.app.request(`/api/v1/schedules/${id}/runs`, { headers: auth }),
      h.app.request(`/api/v1/schedules/${id}/stats`, { headers: auth }),
    ]
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404)
      expect((await problemOf(res)).detail).toBe(`schedule ${id} was not found`)
    }
  })

  it('still returns the definition when no worker answers, with live: null and the reason', async () => {
    const created = await createSchedule()
    const res = await h.app.request(`/api/v1/schedules/${created.id}`, { headers: auth })
    expect(res.status).toBe(200)
    const detail = (await res.json()) as { id: string; live: unknown; liveError: string }
    expect(detail.id).toBe(created.id)
    expect(detail.live).toBeNull()
    expect(detail.liveError).toEqual(expect.any(String))
  })

  it('applies a merge patch through the workflow and stores the result', async () => {
    await withWorker(async () => {
      const created = await createSchedule()
      const res = await h.app.request(`/api/v1/schedules/${created.id}`, {
        method: 'PATCH',
        headers: { ...auth, 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({
          cron: '0 9 * * 1-5',
          mail: { priority: 'high' },
          description: 'weekday mornings',
        }),
      })
      expect(res.status).toBe(200)
      const updated = (await res.json()) as Schedule
      expect(updated.spec.cron).toBe('0 9 * * 1-5')
      // Merge, not replace: the subject survives a patch of a sibling field.
      expect(updated.spec.mail).toMatchObject({ subject: 'Revenue report', priority: 'high' })
      const live = await env.client.workflow.getHandle(created.workflowId).query(stateQuery)
      expect(live.nextFireTimes[0]!.local).toMatch(/T09:00:00\+0[12]:00$/)
      const [row] =
        await h.db`SELECT spec->>'cron' AS cron, spec->>'description' AS description FROM herald.schedules WHERE id = ${created.id}`
      expect(row).toEqual({ cron: '0 9 * * 1-5', description: 'weekday mornings' })

      // null removes an optional field.
      const cleared = await h.app.request(`/api/v1/schedules/${created.id}`, {
        method: 'PATCH',
        headers: jsonHeaders,
        body: JSON.stringify({ description: null }),
      })
      expect(((await cleared.json()) as Schedule).spec.description).toBeUndefined()
    })
  })

  it('rejects an invalid patch with 422 and changes nothing', async () => {
    await withWorker(async () => {
      const created = await createSchedule()
      const before = await env.client.workflow.getHandle(created.workflowId).query(stateQuery)
      for (const patch of [
        { cron: 'every day' },
        { mail: { subject: 'Hi\r\nBcc: x@evil.example' } },
        { query: { sql: 'DELETE FROM demo.orders' } },
      ]) {
        const res = await h.app.request(`/api/v1/schedules/${created.id}`, {
          method: 'PATCH',
          headers: jsonHeaders,
          body: JSON.stringify(patch),
        })
        expect(res.status).toBe(422)
        expect((await problemOf(res)).errors?.length).toBeGreaterThan(0)
      }
      const [row] = await h.db`SELECT spec FROM herald.schedules WHERE id = ${created.id}`
      expect(row!.spec).toEqual(created.spec)
      const after = await env.client.workflow.getHandle(created.workflowId).query(stateQuery)
      expect(after.nextFireTimes).toEqual(before.nextFireTimes)
    })
  })

  it('pauses with a note and resumes, in the workflow and the database', async () => {
    await withWorker(async () => {
      const created = await createSchedule()
      const paused = await post(`/schedules/${created.id}/pause`, { note: 'quarter close' })
      expect(paused.status).toBe(200)
      expect(await paused.json()).toEqual({ id: created.id, status: 'paused' })
      const detail = (await (
        await h.app.request(`/api/v1/schedules/${created.id}`, { headers: auth })
      ).json()) as {
        status: string
        live: { status: string; pausedNote?: string; pausedBy?: string }
      }
      expect(detail.status).toBe('paused')
      expect(detail.live).toMatchObject({
        status: 'paused',
        pausedNote: 'quarter close',
        pausedBy: expect.stringMatching(/^apikey:/),
      })

      const resumed = await post(`/schedules/${created.id}/resume`)
      expect(await resumed.json()).toEqual({ id: created.id, status: 'active' })
      const live = await env.client.workflow.getHandle(created.workflowId).query(stateQuery)
      expect(live.status).toBe('active')
    })
  })

  it('rejects a pause note with a line break', async () => {
    const created = await createSchedule()
    const res = await post(`/schedules/${created.id}/pause`, { note: 'a\nb' })
    expect(res.status).toBe(422)
    expect((await problemOf(res)).errors?.[0]?.path).toBe('note')
  })

  it('skips the next tick on request', async () => {
    await withWorker(async () => {
      const created = await createSchedule()
      const res = await post(`/schedules/${created.id}/skip-next`)
      expect(res.status).toBe(202)
      const live = await env.client.workflow.getHandle(created.workflowId).query(stateQuery)
      expect(live.skipNext).toBe(true)
    })
  })

  it('starts a run now and returns its id', async () => {
    await withWorker(async () => {
      const created = await createSchedule()
      const res = await post(`/schedules/${created.id}/trigger`, { reason: 'board meeting' })
      expect(res.status).toBe(202)
      const { runId } = (await res.json()) as { runId: string }
      expect(runId).toMatch(new RegExp(`^run/${created.id}/\\d{4}-\\d{2}-\\d{2}T`))
      const live = await env.client.workflow.getHandle(created.workflowId).query(stateQuery)
      expect(live.running).toContain(runId)
    })
  })

  it('accepts a data-ready notice and validates it', async () => {
    await withWorker(async () => {
      const created = await createSchedule()
      const ok = await post(`/schedules/${created.id}/signals/data-ready`, {
        dataset: 'orders',
        asOf: '2026-03-01T00:00:00Z',
      })
      expect(ok.status).toBe(202)
      expect(await ok.json()).toEqual({ id: created.id, accepted: true })
      const bad = await post(`/schedules/${created.id}/signals/data-ready`, {
        dataset: 'orders',
        asOf: 'yesterday',
      })
      expect(bad.status).toBe(422)
      expect((await problemOf(bad)).errors?.[0]?.path).toBe('asOf')
    })
  })

  it('previews query, condition and rendering without sending mail', async () => {
    // Preview runs on the worker.
    await withWorker(async () => {
      const created = await createSchedule(
        reportSpec({ condition: { type: 'rowCount', op: '>=', value: 8 } }),
      )
      const res = await post(`/schedules/${created.id}/preview`)
      expect(res.status).toBe(200)
      const preview = (await res.json()) as {
        rowCount: number
        columns: { name: string }[]
        condition: { send: boolean; reason: string }
        attachments: { format: string; url: string; filename: string }[]
      }
      expect(preview.rowCount).toBe(8)
      expect(preview.columns.map((c) => c.name)).toEqual(['region', 'customers'])
      expect(preview.condition).toEqual({ send: true, reason: 'row count 8 >= 8' })
      expect(preview.attachments.map((a) => a.format)).toEqual(['csv', 'xlsx'])
      expect(h.smtp.received).toHaveLength(0)

      const csv = preview.attachments[0]!
      expect(csv.url.startsWith('https://herald.example.com/api/v1/artifacts/')).toBe(true)
      const url = new URL(csv.url)
      const download = await h.app.request(`${url.pathname}${url.search}`)
      expect(download.status).toBe(200)
      expect(download.headers.get('content-type')).toMatch(/^text\/csv/)
      expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="/)
      const text = await download.text()
      expect(text.split(/\r?\n/)[0]).toContain('region')
      expect(text).toContain('Zürich')
    })
  })

  it('answers 422 when the preview query fails in the database', async () => {
    // Preview runs on the worker.
    await withWorker(async () => {
      const created = await createSchedule(
        reportSpec({ query: { sql: 'SELECT no_such_column FROM demo.regions' } }),
      )
      const res = await post(`/schedules/${created.id}/preview`)
      expect(res.status).toBe(422)
      const problem = await problemOf(res)
      expect(problem.type).toBe('https://herald.dev/problems/query-rejected')
      expect(problem.detail).toContain('no_such_column')
    })
  })

  it('answers 503 worker-unavailable when no worker runs the preview in time', async () => {
    const impatient = await createHarness({ env, workTimeoutMs: 2_000 })
    try {
      const created = await impatient.app.request('/api/v1/schedules', {
        method: 'POST',
        headers: jsonHeaders,
        body: JSON.stringify(reportSpec()),
      })
      const { id } = (await created.json()) as { id: string }
      // No worker polls this harness's task queue: the preview workflow reaches its timeout.
      const res = await impatient.app.request(`/api/v1/schedules/${id}/preview`, {
        method: 'POST',
        headers: auth,
      })
      expect(res.status).toBe(503)
      expect((await problemOf(res)).type).toBe('https://herald.dev/problems/worker-unavailable')
    } finally {
      await impatient.close()
    }
  })

  it('deletes: cancels the workflow, marks the row deleted, keeps it out of the list', async () => {
    await withWorker(async () => {
      const created = await createSchedule()
      const res = await h.app.request(`/api/v1/schedules/${created.id}`, { method: 'DELETE', headers: auth })
      expect(res.status).toBe(204)
      const handle = env.client.workflow.getHandle(created.workflowId)
      await expect(handle.result()).rejects.toThrow()
      expect((await handle.describe()).status.name).toBe('CANCELLED')
      const [row] = await h.db`SELECT status FROM herald.schedules WHERE id = ${created.id}`
      expect(row!.status).toBe('deleted')
      const again = await h.app.request(`/api/v1/schedules/${created.id}`, {
        method: 'DELETE',
        headers: auth,
      })
      expect(again.status).toBe(404)
      const list = (await (
        await h.app.request(`/api/v1/schedules?q=${encodeURIComponent(created.name)}`, { headers: auth })
      ).json()) as {
        items: unknown[]
      }
      expect(list.items).toEqual([])
      // History stays readable.
      const detail = await h.app.request(`/api/v1/schedules/${created.id}`, { headers: auth })
      expect(((await detail.json()) as { status: string }).status).toBe('deleted')
    })
  })

  it('answers 409 when the schedule workflow has finished', async () => {
    const created = await createSchedule()
    await env.client.workflow.getHandle(created.workflowId).terminate('test: workflow gone')
    const res = await post(`/schedules/${created.id}/pause`, {})
    expect(res.status).toBe(409)
    expect((await problemOf(res)).type).toBe('https://herald.dev/problems/schedule-not-running')
  })
})

// trigger → run recorded → GET /runs/{encoded id} with per-recipient deliveries: test/e2e/report-delivery.test.ts
