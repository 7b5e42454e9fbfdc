import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { Worker } from '@temporalio/worker'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEscalationActivities } from '../../src/activities/mail/escalation-notice.js'
import { createMailer, type Mailer } from '../../src/activities/mail/smtp-transport.js'
import { scheduleHandle } from '../../src/api/temporal-calls.js'
import { stateQuery } from '../../src/workflows/index.js'
import { createTimeSkippingEnv, dataConverterOf, workflowBundle } from '../support/temporal.js'
import { auth, createHarness, type Harness, jsonHeaders, problemOf, reportSpec } from './harness.js'

let env: TestWorkflowEnvironment
let h: Harness
let mailer: Mailer

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  h = await createHarness({ env, rpcTimeoutMs: 5_000 })
  mailer = createMailer({ smtpUrl: h.smtp.url, from: 'Herald <herald@example.com>', pool: false })
})
afterAll(async () => {
  mailer?.close()
  await h?.close()
  await env?.teardown()
})

const post = (path: string, body?: string) =>
  h.app.request(`/api/v1${path}`, {
    method: 'POST',
    headers: body === undefined ? auth : jsonHeaders,
    body,
  })

/** A schedule whose every run fails (the table does not exist) and whose first step is due after one failed run. */
async function failingSchedule(): Promise<string> {
  const res = await post(
    '/schedules',
    JSON.stringify(
      reportSpec({
        query: { sql: 'SELECT * FROM demo.no_such_table' },
        notifyOwnersOnFailure: false,
        escalation: { steps: [{ afterConsecutive: 1, notify: { to: ['oncall@example.com'] } }] },
      }),
    ),
  )
  expect(res.status).toBe(201)
  return ((await res.json()) as { id: string }).id
}

async function waitUntil(predicate: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`condition not met in time: ${predicate.toString()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('POST /schedules/{id}/escalation/acknowledge', () => {
  it('acknowledges the open episode (recorded in the audit log); 409 while none is open; 404 for an unknown schedule', async () => {
    // The harness's real activities plus the real escalation notice on its SMTP server.
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: h.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: {
        ...h.activities,
        ...createEscalationActivities({ db: h.db, mailer, publicUrl: 'https://herald.example.com' }),
      },
      dataConverter: dataConverterOf(env),
    })
    await worker.runUntil(async () => {
      const id = await failingSchedule()
      const none = await post(`/schedules/${id}/escalation/acknowledge`, '{}')
      expect(none.status).toBe(409)
      expect((await problemOf(none)).detail).toMatch(/no escalation episode is open/)

      expect((await post(`/schedules/${id}/trigger`)).status).toBe(202)
      await waitUntil(async () =>
        h.smtp.mailsTo('oncall@example.com').some((m) => m.parsed.text?.includes(id)),
      )
      const handle = scheduleHandle(h.deps.temporal, id)
      await waitUntil(
        async () => (await handle.query(stateQuery)).escalation?.episode?.steps[0]?.status === 'notified',
      )

      const res = await post(`/schedules/${id}/escalation/acknowledge`, JSON.stringify({ note: 'on it' }))
      expect(res.status).toBe(200)
      const body = (await res.json()) as {
        id: string
        escalation: {
          consecutive: number
          episode: { id: string; acknowledged: { note: string; by: string } }
        }
      }
      expect(body).toMatchObject({
        id,
        escalation: { consecutive: 1, episode: { acknowledged: { note: 'on it' } } },
      })
      expect(body.escalation.episode.acknowledged.by).toMatch(/^apikey:/)
      const [entry] = await h.db<{ actor: string; detail: Record<string, unknown> }[]>`
        SELECT actor, detail FROM herald.audit_log
         WHERE action = 'schedule.escalation_acknowledge' AND schedule_id = ${id}`
      expect(entry).toMatchObject({
        actor: body.escalation.episode.acknowledged.by,
        detail: { episodeId: body.escalation.episode.id, consecutive: 1, note: 'on it' },
      })
      // No body at all is fine too.
      expect((await post(`/schedules/${id}/escalation/acknowledge`)).status).toBe(200)
      await handle.cancel()
    })

    const unknown = await post('/schedules/sch_doesnotexist000/escalation/acknowledge', '{}')
    expect(unknown.status).toBe(404)
  })

  it.each([
    ['a note with a line break', JSON.stringify({ note: 'one\ntwo' }), 422, 'note'],
    ['a note that is not a string', JSON.stringify({ note: 42 }), 422, 'note'],
    ['a body that is not JSON', '{"note":', 400, undefined],
  ])('rejects %s', async (_, body, status, path) => {
    const res = await post('/schedules/sch_doesnotexist000/escalation/acknowledge', body)
    expect(res.status).toBe(status)
    const problem = await problemOf(res)
    if (path) expect(problem.errors?.map((e) => e.path)).toContain(path)
  })

  it('needs the write scope', async () => {
    const res = await h.app.request('/api/v1/schedules/sch_x/escalation/acknowledge', { method: 'POST' })
    expect(res.status).toBe(401)
  })
})
