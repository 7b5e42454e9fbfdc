import { Readable } from 'node:stream'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tokenSecret } from '../../src/api/token-secret.js'
import * as runs from '../../src/db/runs.js'
import { createArtifactSignature, createUnsubscribeToken } from '../../src/security/signed-tokens.js'
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
let secret: string

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  h = await createHarness({ env })
  secret = tokenSecret(h.deps.config)!
})
afterAll(async () => {
  await h?.close()
  await env?.teardown()
})

const send = (method: string, path: string, body?: unknown) =>
  h.app.request(`/api/v1${path}`, {
    method,
    headers: body === undefined ? auth : jsonHeaders,
    body: body === undefined ? undefined : JSON.stringify(body),
  })

interface DistributionList {
  id: string
  name: string
  description: string | null
  memberCount: number
}

describe('distribution lists', () => {
  it('creates, reads, renames and deletes a list', async () => {
    const name = unique('Finance team')
    const created = await send('POST', '/distribution-lists', { name, description: 'Monthly close' })
    expect(created.status).toBe(201)
    const list = (await created.json()) as DistributionList
    expect(list).toMatchObject({
      id: expect.stringMatching(/^dl_/),
      name,
      description: 'Monthly close',
      memberCount: 0,
    })

    const renamed = await send('PATCH', `/distribution-lists/${list.id}`, {
      name: `${name} (EU)`,
      description: null,
    })
    expect(renamed.status).toBe(200)
    expect(await renamed.json()).toMatchObject({ name: `${name} (EU)`, description: null })

    expect((await send('GET', `/distribution-lists/${list.id}`)).status).toBe(200)
    expect((await send('DELETE', `/distribution-lists/${list.id}`)).status).toBe(204)
    expect((await send('GET', `/distribution-lists/${list.id}`)).status).toBe(404)
  })

  it('answers 409 for a duplicate name, on create and on rename', async () => {
    const name = unique('Sales')
    const first = (await (await send('POST', '/distribution-lists', { name })).json()) as DistributionList
    const duplicate = await send('POST', '/distribution-lists', { name })
    expect(duplicate.status).toBe(409)
    expect((await problemOf(duplicate)).detail).toContain(name)
    const other = (await (
      await send('POST', '/distribution-lists', { name: unique('Other') })
    ).json()) as DistributionList
    const rename = await send('PATCH', `/distribution-lists/${other.id}`, { name: first.name })
    expect(rename.status).toBe(409)
  })

  it('pages lists by name', async () => {
    const prefix = unique('aaa-page')
    for (const suffix of ['1', '2', '3'])
      await send('POST', '/distribution-lists', { name: `${prefix}-${suffix}` })
    const all: string[] = []
    let cursor: string | null = null
    do {
      const res = await send('GET', `/distribution-lists?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      const body = (await res.json()) as { items: DistributionList[]; nextCursor: string | null }
      all.push(...body.items.map((l) => l.name))
      cursor = body.nextCursor
    } while (cursor)
    expect(all.filter((n) => n.startsWith(prefix))).toEqual([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`])
    expect([...all].sort()).toEqual(all)
  })

  it('adds, lists and removes members; addresses are case-insensitive', async () => {
    const list = (await (
      await send('POST', '/distribution-lists', { name: unique('Ops') })
    ).json()) as DistributionList
    const added = await send('POST', `/distribution-lists/${list.id}/members`, {
      email: 'Ana.Lopez@Example.com',
      name: 'Ana',
    })
    expect(added.status).toBe(201)
    expect(await added.json()).toMatchObject({ email: 'ana.lopez@example.com', name: 'Ana' })
    const again = await send('POST', `/distribution-lists/${list.id}/members`, {
      email: 'ana.lopez@example.com',
      name: 'Ana L.',
    })
    expect(again.status).toBe(200)
    await send('POST', `/distribution-lists/${list.id}/members`, { email: 'bo@example.com' })

    const members = (await (await send('GET', `/distribution-lists/${list.id}/members`)).json()) as {
      items: { email: string; name: string | null }[]
    }
    expect(members.items).toEqual([
      expect.objectContaining({ email: 'ana.lopez@example.com', name: 'Ana L.' }),
      expect.objectContaining({ email: 'bo@example.com', name: null }),
    ])
    expect(
      ((await (await send('GET', `/distribution-lists/${list.id}`)).json()) as DistributionList).memberCount,
    ).toBe(2)

    const removed = await send(
      'DELETE',
      `/distribution-lists/${list.id}/members/${encodeURIComponent('ANA.LOPEZ@example.com')}`,
    )
    expect(removed.status).toBe(204)
    const missing = await send(
      'DELETE',
      `/distribution-lists/${list.id}/members/${encodeURIComponent('nobody@example.com')}`,
    )
    expect(missing.status).toBe(404)
  })

  it('rejects a bad member address with 422 and unknown lists with 404', async () => {
    const list = (await (
      await send('POST', '/distribution-lists', { name: unique('Bad') })
    ).json()) as DistributionList
    for (const email of ['not-an-email', 'a@example.com\r\nBcc: x@evil.example']) {
      const res = await send('POST', `/distribution-lists/${list.id}/members`, { email })
      expect(res.status).toBe(422)
      expect((await problemOf(res)).errors?.[0]?.path).toBe('email')
    }
    expect((await send('GET', '/distribution-lists/dl_unknown')).status).toBe(404)
    expect((await send('GET', '/distribution-lists/dl_unknown/members')).status).toBe(404)
    expect(
      (await send('POST', '/distribution-lists/dl_unknown/members', { email: 'a@example.com' })).status,
    ).toBe(404)
    expect((await send('PATCH', '/distribution-lists/dl_unknown', { name: 'x' })).status).toBe(404)
    expect((await send('DELETE', '/distribution-lists/dl_unknown')).status).toBe(404)
  })

  it('refuses to delete a list a schedule sends to', async () => {
    const list = (await (
      await send('POST', '/distribution-lists', { name: unique('In use') })
    ).json()) as DistributionList
    const schedule = await send('POST', '/schedules', reportSpec({ recipients: { lists: [list.name] } }))
    expect(schedule.status).toBe(201)
    const res = await send('DELETE', `/distribution-lists/${list.id}`)
    expect(res.status).toBe(409)
    expect((await problemOf(res)).detail).toContain(((await schedule.json()) as { id: string }).id)
  })
})

describe('unsubscribe and suppressions', () => {
  it('shows a confirmation page, then suppresses the address for that schedule on one-click POST', async () => {
    const schedule = (await (
      await send('POST', '/schedules', reportSpec({ name: unique('Weekly <KPIs>') }))
    ).json()) as {
      id: string
      name: string
    }
    const email = `${unique('reader')}@example.com`
    const token = createUnsubscribeToken(secret, { email, scheduleId: schedule.id })

    const page = await h.app.request(`/api/v1/unsubscribe?token=${encodeURIComponent(token)}`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await page.text()
    expect(html).toContain('<form method="post"')
    expect(html).toContain('name="List-Unsubscribe" value="One-Click"')
    expect(html).toContain(email)
    // The schedule name is escaped, not injected.
    expect(html).toContain('Weekly &lt;KPIs&gt;')

    const click = await h.app.request(`/api/v1/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    })
    expect(click.status).toBe(200)
    const rows = await h.db`SELECT schedule_id, reason FROM herald.suppressions WHERE email = ${email}`
    expect(rows).toEqual([{ schedule_id: schedule.id, reason: 'unsubscribed' }])

    // A second click is harmless; multipart bodies (as some providers send) work too.
    const form = new FormData()
    form.set('List-Unsubscribe', 'One-Click')
    const twice = await h.app.request(`/api/v1/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      body: form,
    })
    expect(twice.status).toBe(200)

    const listed = await send('GET', `/suppressions?email=${encodeURIComponent(email)}`)
    expect(((await listed.json()) as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ email, scheduleId: schedule.id, reason: 'unsubscribed' }),
    ])
    expect((await send('DELETE', `/suppressions/${encodeURIComponent(email)}`)).status).toBe(204)
    expect((await send('DELETE', `/suppressions/${encodeURIComponent(email)}`)).status).toBe(404)
  })

  it('answers a NUL byte in a filter with a 400 problem, not a 500 (found by Schemathesis)', async () => {
    const res = await send('GET', '/suppressions?scheduleId=i%C3%BF%00%C2%A3n')
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  })

  it('answers a forged or tampered token with a 400 problem and stores nothing', async () => {
    const email = `${unique('victim')}@example.com`
    const forged = createUnsubscribeToken('some-other-secret-value', { email, scheduleId: '' })
    const genuine = createUnsubscribeToken(secret, { email, scheduleId: '' })
    const tampered = `${Buffer.from(JSON.stringify({ e: email, s: 'sch_x' })).toString('base64url')}.${genuine.split('.')[1]}`
    for (const token of [forged, tampered, 'garbage']) {
      for (const method of ['GET', 'POST']) {
        const res = await h.app.request(`/api/v1/unsubscribe?token=${encodeURIComponent(token)}`, { method })
        expect(res.status).toBe(400)
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      }
    }
    expect(await h.db`SELECT 1 FROM herald.suppressions WHERE email = ${email}`).toHaveLength(0)
  })

  it('pages suppressions and filters by schedule, even within one millisecond', async () => {
    const scheduleId = unique('sch_supp')
    // Microseconds apart: a cursor that lost its microseconds would skip p1 (it once did, in one CI run of ten).
    for (const n of [1, 2, 3]) {
      await h.db`
        INSERT INTO herald.suppressions (email, schedule_id, reason, created_at)
        VALUES (${`p${n}@example.com`}, ${scheduleId}, 'hard_bounce', ${`2026-03-01 12:00:00.000${n}00+00`}::text::timestamptz)`
    }
    const first = (await (await send('GET', `/suppressions?scheduleId=${scheduleId}&limit=2`)).json()) as {
      items: { email: string }[]
      nextCursor: string
    }
    expect(first.items).toHaveLength(2)
    const second = (await (
      await send('GET', `/suppressions?scheduleId=${scheduleId}&limit=2&cursor=${first.nextCursor}`)
    ).json()) as {
      items: { email: string }[]
      nextCursor: string | null
    }
    expect(second.nextCursor).toBeNull()
    expect([...first.items, ...second.items].map((s) => s.email).sort()).toEqual([
      'p1@example.com',
      'p2@example.com',
      'p3@example.com',
    ])
  })
})

describe('SMTP checks', () => {
  /** The checks run on the worker, with its mailer: the API opens no SMTP connection. */
  const onWorker = async (body: () => Promise<void>) => (await createApiWorker(env, h)).runUntil(body())

  it('verifies the SMTP server and sends a test message', () =>
    onWorker(async () => {
      const verified = await send('POST', '/smtp/verify')
      expect(verified.status).toBe(200)
      expect(await verified.json()).toMatchObject({ ok: true })
      const to = `${unique('smtp-test')}@example.com`
      const sent = await send('POST', '/smtp/test', { to })
      expect(sent.status).toBe(200)
      expect(await sent.json()).toMatchObject({
        to,
        messageId: expect.any(String),
        reply: expect.stringMatching(/^250/),
      })
      const [mail] = h.smtp.mailsTo(to)
      expect(mail?.parsed.subject).toBe('Herald SMTP test')
    }))

  it('answers 502 with the server reply when SMTP refuses, and 422 for a bad address', () =>
    onWorker(async () => {
      h.smtp.faults.onRcptTo = () => ({ code: 550, message: 'mailbox unavailable' })
      try {
        const res = await send('POST', '/smtp/test', { to: 'gone@example.com' })
        expect(res.status).toBe(502)
        expect((await problemOf(res)).detail).toContain('550')
      } finally {
        h.smtp.faults = {}
      }
      const bad = await send('POST', '/smtp/test', { to: 'x@example.com\r\nBcc: y@evil.example' })
      expect(bad.status).toBe(422)
    }))
})

describe('runs', () => {
  it("lists a schedule's runs, shows one run by its URL-encoded id with deliveries, and computes stats", async () => {
    const schedule = (await (await send('POST', '/schedules', reportSpec())).json()) as { id: string }
    const artifact = await h.artifacts.write(
      { runId: null, filename: 'Umsatz März.csv', contentType: 'text/csv; charset=utf-8' },
      Readable.from(['region;revenue\n', 'Zürich;12\n']),
    )
    const now = Date.now()
    const fire = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString()
    const runs = [
      { fire: fire(3), status: 'sent', seconds: 4 },
      { fire: fire(2), status: 'failed', seconds: 2 },
      { fire: fire(1), status: 'skipped', seconds: 0 },
    ]
    for (const run of runs) {
      const id = `run/${schedule.id}/${run.fire}`
      await h.db`
        INSERT INTO herald.runs (id, schedule_id, fire_time, trigger, status, reason, row_count, condition_send, steps,
                                 attachments, started_at, finished_at)
        VALUES (${id}, ${schedule.id}, ${run.fire}, 'schedule', ${run.status}, ${`because ${run.status}`}, 8,
                ${run.status !== 'skipped'},
                ${h.db.json([
                  { name: 'query', status: 'ok' },
                  { name: 'deliver', status: run.status === 'sent' ? 'ok' : 'failed' },
                ])},
                ${h.db.json(run.status === 'sent' ? [{ artifactId: artifact.id, format: 'csv', filename: artifact.filename, contentType: artifact.contentType, size: artifact.size }] : [])},
                ${run.fire}, ${new Date(Date.parse(run.fire) + run.seconds * 1000).toISOString()})`
    }
    const sentRun = `run/${schedule.id}/${runs[0]!.fire}`
    await h.db`
      INSERT INTO herald.deliveries (schedule_id, fire_time, recipient, run_id, status, message_id, smtp_reply, attempts)
      VALUES (${schedule.id}, ${runs[0]!.fire}, 'team@example.com', ${sentRun}, 'sent', '<m1@herald>', '250 2.0.0 queued', 1),
             (${schedule.id}, ${runs[0]!.fire}, 'gone@example.com', ${sentRun}, 'permanently_failed', NULL, '550 5.1.1 no such user', 1)`

    const page1 = (await (await send('GET', `/schedules/${schedule.id}/runs?limit=2`)).json()) as {
      items: { id: string; status: string; durationMs: number }[]
      nextCursor: string
    }
    expect(page1.items.map((r) => r.status)).toEqual(['skipped', 'failed'])
    const page2 = (await (
      await send('GET', `/schedules/${schedule.id}/runs?limit=2&cursor=${page1.nextCursor}`)
    ).json()) as {
      items: { id: string; durationMs: number }[]
    }
    expect(page2.items.map((r) => r.id)).toEqual([sentRun])
    expect(page2.items[0]!.durationMs).toBe(4000)
    const failedOnly = (await (await send('GET', `/schedules/${schedule.id}/runs?status=failed`)).json()) as {
      items: unknown[]
    }
    expect(failedOnly.items).toHaveLength(1)

    const res = await send('GET', `/runs/${encodeURIComponent(sentRun)}`)
    expect(res.status).toBe(200)
    const run = (await res.json()) as {
      id: string
      condition: { send: boolean; reason: string }
      steps: { name: string }[]
      attachments: { filename: string; url: string }[]
      deliveries: { recipient: string; status: string; smtpReply: string }[]
    }
    expect(run.id).toBe(sentRun)
    expect(run.condition).toEqual({ send: true, reason: 'because sent' })
    expect(run.steps.map((s) => s.name)).toEqual(['query', 'deliver'])
    expect(run.deliveries).toEqual([
      expect.objectContaining({
        recipient: 'gone@example.com',
        status: 'permanently_failed',
        smtpReply: '550 5.1.1 no such user',
      }),
      expect.objectContaining({
        recipient: 'team@example.com',
        status: 'sent',
        smtpReply: '250 2.0.0 queued',
      }),
    ])
    const link = new URL(run.attachments[0]!.url)
    const download = await h.app.request(`${link.pathname}${link.search}`)
    expect(download.status).toBe(200)
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="Umsatz M_rz.csv"; filename*=UTF-8''${encodeURIComponent('Umsatz März.csv')}`,
    )
    expect(await download.text()).toBe('region;revenue\nZürich;12\n')

    const stats = await send('GET', `/schedules/${schedule.id}/stats?windowDays=7`)
    expect(await stats.json()).toEqual({
      scheduleId: schedule.id,
      windowDays: 7,
      runs: 3,
      sent: 1,
      partial: 0,
      skipped: 1,
      failed: 1,
      missed: 0,
      successRate: 0.5,
      averageDurationMs: 2000,
    })
  })

  it('answers 404 for an unknown run and 422 for a bad stats window', async () => {
    const res = await send('GET', `/runs/${encodeURIComponent('run/sch_nope/2026-01-01T00:00:00.000Z')}`)
    expect(res.status).toBe(404)
    expect((await problemOf(res)).detail).toBe('run run/sch_nope/2026-01-01T00:00:00.000Z was not found')
    const schedule = (await (await send('POST', '/schedules', reportSpec())).json()) as { id: string }
    expect((await send('GET', `/schedules/${schedule.id}/stats?windowDays=0`)).status).toBe(422)
    const empty = (await (await send('GET', `/schedules/${schedule.id}/stats`)).json()) as {
      windowDays: number
      successRate: null
    }
    expect(empty).toMatchObject({ windowDays: 30, runs: 0, successRate: null, averageDurationMs: null })
  })
})

describe('artifact links', () => {
  it('refuses expired, foreign and forged signatures with 403, and answers 410 for a file no longer stored', async () => {
    const artifact = await h.artifacts.write(
      { runId: null, filename: 'r.csv', contentType: 'text/csv' },
      Readable.from(['a\n']),
    )
    const get = (id: string, sig: string) =>
      h.app.request(`/api/v1/artifacts/${id}?sig=${encodeURIComponent(sig)}`)
    const expired = await get(
      artifact.id,
      createArtifactSignature(secret, artifact.id, new Date(Date.now() - 60_000)),
    )
    expect(expired.status).toBe(403)
    expect((await problemOf(expired)).detail).toBe('the download link has expired')
    const otherArtifact = await get(
      artifact.id,
      createArtifactSignature(secret, 'another-id', new Date(Date.now() + 60_000)),
    )
    expect(otherArtifact.status).toBe(403)
    const forged = await get(
      artifact.id,
      createArtifactSignature('not-the-secret-at-all', artifact.id, new Date(Date.now() + 60_000)),
    )
    expect(forged.status).toBe(403)
    const unknown = await get(
      'unknown-id',
      createArtifactSignature(secret, 'unknown-id', new Date(Date.now() + 60_000)),
    )
    // Only Herald signs, so a genuine link to a file it no longer has points to a file deleted under retention.
    expect(unknown.status).toBe(410)
    expect(unknown.headers.get('content-type')).toBe('application/problem+json')
    const missingSig = await h.app.request(`/api/v1/artifacts/${artifact.id}`)
    expect(missingSig.status).toBe(422)
  })
})

describe('runs across schedules', () => {
  it('filters by schedule, outcome, trigger and fire time, newest first, and links only runs that had a workflow', async () => {
    const { db } = h.deps
    const scheduleId = unique('sch_runs')
    const at = (hour: number) => new Date(Date.UTC(2031, 0, 2, hour))
    const runIdAt = (hour: number) => `run/${scheduleId}/${at(hour).toISOString()}`
    for (const [hour, trigger, status] of [
      [8, 'schedule', 'sent'],
      [9, 'manual', 'failed'],
      [10, 'catchup', 'sent'],
    ] as const) {
      await runs.markStarted(db, { id: runIdAt(hour), scheduleId, fireTime: at(hour), trigger })
      await runs.finish(db, { runId: runIdAt(hour), status, steps: [] })
    }
    await runs.insertTick(db, {
      scheduleId,
      runId: runIdAt(11),
      fireTime: at(11).toISOString(),
      status: 'missed',
      reason: 'missed: test',
    })
    const list = async (query: string) => {
      const res = await send('GET', `/runs?scheduleId=${scheduleId}&${query}`)
      expect(res.status).toBe(200)
      return (await res.json()) as {
        items: { id: string; trigger: string; status: string; temporalUiUrl: string | null }[]
        nextCursor: string | null
      }
    }
    const all = await list('limit=10')
    expect(all.items.map((r) => r.id)).toEqual([11, 10, 9, 8].map(runIdAt))
    expect(all.items.map((r) => r.temporalUiUrl === null)).toEqual([true, false, false, false])
    expect(all.items[1]?.temporalUiUrl).toBe(
      `http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(runIdAt(10))}`,
    )
    expect((await list('status=sent')).items.map((r) => r.id)).toEqual([10, 8].map(runIdAt))
    expect((await list('trigger=manual')).items.map((r) => r.id)).toEqual([runIdAt(9)])
    const window = `from=${at(9).toISOString()}&to=${at(11).toISOString()}`
    expect((await list(window)).items.map((r) => r.id)).toEqual([10, 9].map(runIdAt))
    const first = await list('limit=2')
    expect(first.items.map((r) => r.id)).toEqual([11, 10].map(runIdAt))
    const second = await list(`limit=2&cursor=${first.nextCursor}`)
    expect(second.items.map((r) => r.id)).toEqual([9, 8].map(runIdAt))
    expect((await send('GET', '/runs?trigger=sometimes')).status).toBe(422)
  })
})
