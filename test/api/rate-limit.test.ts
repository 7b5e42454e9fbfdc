import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import type { AppBindings } from '../../src/api/deps.js'
import { renderError } from '../../src/api/error-mapping.js'
import { rateLimit } from '../../src/api/middleware/rate-limit.js'

/**
 * What the token bucket does that a fixed-window limiter (hono-rate-limiter) does not, and why Herald keeps it:
 * bursts are capped at `burst` even across what would be a window edge, and a key that spent its burst but stays
 * under `perSecond` is refused for one token's time, not until a window ends. The clock is a counter, not real time.
 */
function limitedApp(options: { burst: number; perSecond: number }) {
  let now = 1_000_000
  const app = new Hono<AppBindings>()
  app.use('*', async (c, next) => {
    c.set('actor', c.req.header('X-Actor') ?? 'apikey:test')
    await next()
  })
  app.use(
    '*',
    rateLimit(options, () => now),
  )
  app.onError((err, c) => renderError(err, c))
  app.get('*', (c) => c.text('ok'))
  return {
    at: (ms: number) => {
      now = 1_000_000 + ms
    },
    request: (actor?: string) => app.request('/x', { headers: actor ? { 'X-Actor': actor } : {} }),
    get: async (actor?: string) =>
      (await app.request('/x', { headers: actor ? { 'X-Actor': actor } : {} })).status,
  }
}

describe('rate limit (token bucket per key)', () => {
  it('lets no more than the burst through, even in two bursts a millisecond apart', async () => {
    const limited = limitedApp({ burst: 60, perSecond: 20 })
    const statuses: number[] = []
    limited.at(2999)
    for (let i = 0; i < 60; i++) statuses.push(await limited.get())
    limited.at(3000)
    for (let i = 0; i < 60; i++) statuses.push(await limited.get())
    expect(statuses.filter((s) => s === 200)).toHaveLength(60)
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true)
  })

  it('refuses a key below the sustained rate for at most one token, not a whole window', async () => {
    const limited = limitedApp({ burst: 60, perSecond: 20 })
    for (let i = 0; i < 60; i++) expect(await limited.get()).toBe(200)
    const refusedAt: number[] = []
    for (let i = 0; i < 190; i++) {
      const t = 1 + i * 52.7 // 19 requests/s
      limited.at(t)
      if ((await limited.get()) === 429) refusedAt.push(t)
    }
    expect(refusedAt.length).toBeLessThanOrEqual(1)
  })

  it('answers 429 problem+json with Retry-After in whole seconds, per key', async () => {
    const limited = limitedApp({ burst: 1, perSecond: 0.5 })
    expect(await limited.get('apikey:a')).toBe(200)
    const refused = await limited.request('apikey:a')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(refused.headers.get('retry-after')).toBe('2')
    expect(((await refused.json()) as { type: string }).type).toBe('https://herald.dev/problems/rate-limited')
    expect(await limited.get('apikey:b')).toBe(200)
  })
})
