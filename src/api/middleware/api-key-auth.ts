import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import type { AppBindings } from '../deps.js'
import { ProblemError } from '../problems.js'

/** Bearer authentication against `API_KEYS`. Keys are compared as SHA-256 digests in constant time. */

const digest = (value: string) => createHash('sha256').update(value).digest()

/** A stable, non-secret label for a key, used as the actor in logs and the audit log. */
export const actorForKey = (key: string) => `apikey:${digest(key).toString('hex').slice(0, 8)}`

export function apiKeyAuth(
  keys: string[],
  isPublic: (path: string) => boolean,
): MiddlewareHandler<AppBindings> {
  const digests = keys.map((key) => ({ digest: digest(key), actor: actorForKey(key) }))
  return async (c, next) => {
    if (isPublic(c.req.path)) return next()
    if (digests.length === 0) {
      throw new ProblemError(
        'unauthorized',
        'API_KEYS is not set; the API rejects every request until it is configured',
        {
          headers: { 'WWW-Authenticate': 'Bearer realm="herald"' },
        },
      )
    }
    const header = c.req.header('Authorization') ?? ''
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!match) {
      throw new ProblemError('unauthorized', 'send an API key as "Authorization: Bearer <key>"', {
        headers: { 'WWW-Authenticate': 'Bearer realm="herald"' },
      })
    }
    const given = digest(match[1]!)
    // Compare against every key so the time taken does not reveal which one matched.
    let actor: string | undefined
    for (const key of digests) if (timingSafeEqual(key.digest, given)) actor = key.actor
    if (!actor) {
      throw new ProblemError('unauthorized', 'the API key is not valid', {
        headers: { 'WWW-Authenticate': 'Bearer realm="herald", error="invalid_token"' },
      })
    }
    c.set('actor', actor)
    return next()
  }
}
