import { readFileSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

/**
 * The API baseline: a bare Hono app on @hono/node-server answering a constant JSON body (a real schedule
 * response captured from Herald, read from BARE_BODY_FILE), no middleware, no database, no Temporal.
 */
const body = JSON.parse(readFileSync(process.env.BARE_BODY_FILE!, 'utf8')) as Record<string, unknown>
const app = new Hono()
app.get('/api/v1/healthz', (c) => c.json({ ok: true }))
app.get('/api/v1/schedules/:id', (c) => c.json(body))
app.get('/api/v1/schedules', (c) => c.json(body))
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' })
