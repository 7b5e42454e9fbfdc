import type { MiddlewareHandler } from 'hono'
import type { AppBindings, RateLimitOptions } from '../deps.js'
import { ProblemError } from '../problems.js'

/** In-memory token bucket per API key: fine for one API process; a fleet would need a shared store. */
// Not hono-rate-limiter: its fixed windows pass 2× the burst at an edge and stall a key under the rate for a window.

interface Bucket {
  tokens: number
  updatedAt: number
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { burst: 60, perSecond: 20 }

export function rateLimit(
  options: RateLimitOptions,
  now: () => number = Date.now,
): MiddlewareHandler<AppBindings> {
  const buckets = new Map<string, Bucket>()
  return async (c, next) => {
    const actor = c.get('actor')
    if (!actor) return next()
    const at = now()
    const bucket = buckets.get(actor) ?? { tokens: options.burst, updatedAt: at }
    bucket.tokens = Math.min(
      options.burst,
      bucket.tokens + ((at - bucket.updatedAt) / 1000) * options.perSecond,
    )
    bucket.updatedAt = at
    buckets.set(actor, bucket)
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond))
      throw new ProblemError(
        'rateLimited',
        `rate limit of ${options.perSecond} requests/s (burst ${options.burst}) exceeded`,
        {
          headers: { 'Retry-After': String(retryAfter) },
        },
      )
    }
    bucket.tokens -= 1
    return next()
  }
}
