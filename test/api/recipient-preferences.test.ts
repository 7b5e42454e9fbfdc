import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as recipientPreferences from '../../src/db/recipient-preferences.js'
import { createTimeSkippingEnv } from '../support/temporal.js'
import { auth, createHarness, type Harness, jsonHeaders, problemOf, unique } from './harness.js'

let env: TestWorkflowEnvironment
let h: Harness
let readOnly: Harness

const READ_KEY = 'test-scope-read-prefs-0123456789'

beforeAll(async () => {
  env = await createTimeSkippingEnv()
  h = await createHarness({ env })
  readOnly = await createHarness({ env, apiKeys: `read:${READ_KEY}` })
})
afterAll(async () => {
  await readOnly?.close()
  await h?.close()
  await env?.teardown()
})

const send = (method: string, path: string, body?: unknown, app = h.app) =>
  app.request(`/api/v1${path}`, {
    method,
    headers: body === undefined ? auth : jsonHeaders,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
const address = () => `${unique('Pref')}@Example.com`
const path = (email: string) => `/recipients/${encodeURIComponent(email)}/preferences`

describe('recipient preferences', () => {
  it('creates, replaces, reads and deletes preferences, keyed by the lower-cased address', async () => {
    const email = address()
    const key = email.toLowerCase()
    expect((await send('GET', path(email))).status).toBe(404)

    const created = await send('PUT', path(email), {
      quietHours: { start: '22:00', end: '07:00', timezone: 'Europe/Berlin' },
      dailyCap: 3,
    })
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({
      recipient: key,
      channels: { email: true },
      quietHours: { start: '22:00', end: '07:00', timezone: 'Europe/Berlin' },
      dailyCap: 3,
    })
    expect(await recipientPreferences.byRecipient(h.db, key)).toMatchObject({ dailyCap: 3 })

    // PUT replaces the whole: fields left out go back to their defaults.
    const replaced = await send('PUT', path(key), { channels: { email: false } })
    expect(replaced.status).toBe(200)
    expect(await replaced.json()).toMatchObject({
      recipient: key,
      channels: { email: false },
      quietHours: null,
      dailyCap: null,
    })
    const read = await send('GET', path(email.toUpperCase()))
    expect(read.status).toBe(200)
    expect(await read.json()).toMatchObject({ recipient: key, channels: { email: false } })

    expect((await send('DELETE', path(email))).status).toBe(204)
    expect((await send('DELETE', path(email))).status).toBe(404)
    expect(await recipientPreferences.byRecipient(h.db, key)).toBeUndefined()
  })

  it('answers 422 problem+json naming the field for bad input', async () => {
    const cases: [unknown, string][] = [
      [{ quietHours: { start: '22:00', end: '22:00', timezone: 'Europe/Berlin' } }, 'quietHours.end'],
      [{ quietHours: { start: '7am', end: '09:00', timezone: 'Europe/Berlin' } }, 'quietHours.start'],
      [{ quietHours: { start: '22:00', end: '07:00', timezone: 'Berlin' } }, 'quietHours.timezone'],
      [{ dailyCap: 0 }, 'dailyCap'],
      [{ channels: { email: 'no' } }, 'channels.email'],
    ]
    for (const [body, field] of cases) {
      const res = await send('PUT', path(address()), body)
      expect(res.status, JSON.stringify(body)).toBe(422)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      const problem = await problemOf(res)
      expect(
        problem.errors?.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(field)
    }
    const badAddress = await send('PUT', '/recipients/not-an-address/preferences', {})
    expect(badAddress.status).toBe(422)
    expect((await problemOf(badAddress)).errors?.map((e) => e.path)).toContain('email')
  })

  it('needs a write key to change preferences and a read key to read them', async () => {
    const email = address()
    expect((await send('PUT', path(email), { dailyCap: 2 })).status).toBe(201)
    const readHeaders = { Authorization: `Bearer ${READ_KEY}` }
    const read = await readOnly.app.request(`/api/v1${path(email)}`, { headers: readHeaders })
    expect(read.status).toBe(200)
    const refused = await readOnly.app.request(`/api/v1${path(email)}`, {
      method: 'PUT',
      headers: { ...readHeaders, 'Content-Type': 'application/json' },
      body: JSON.stringify({ dailyCap: 5 }),
    })
    expect(refused.status).toBe(403)
    expect((await problemOf(refused)).detail).toContain('write')
    expect(
      (await readOnly.app.request(`/api/v1${path(email)}`, { method: 'DELETE', headers: readHeaders }))
        .status,
    ).toBe(403)
  })
})
