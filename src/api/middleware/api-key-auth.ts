import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import type { ApiKey } from '../../security/api-keys.js'
import { scopeGrants } from '../../security/api-keys.js'
import type { AppBindings } from '../deps.js'
import { ProblemError } from '../problems.js'
import type { RequiredAccess } from '../scopes.js'

/**
 * Bearer authentication against `API_KEYS`, then the scope the matched route declares. Keys are compared as
 * SHA-256 digests in constant time, against every key. (hono/bearer-auth compares in constant time too, but
 * stops at the first match, re-hashes every key per request and cannot say which key matched, which the scope
 * and the audit actor need.)
 */

const digest = (value: string) => createHash('sha256').update(value).digest()

/** A stable, non-secret label for a key, used as the actor in logs and the audit log. */
export const actorForKey = (key: string) => `apikey:${digest(key).toString('hex').slice(0, 8)}`

const challenge = (extra = '') => ({ headers: { 'WWW-Authenticate': `Bearer realm="herald"${extra}` } })

export function apiKeyAuth(
  keys: ApiKey[],
  requiredAccess: (c: Context) => RequiredAccess,
): MiddlewareHandler<AppBindings> {
  const known = keys.map((k) => ({ digest: digest(k.key), actor: actorForKey(k.key), scope: k.scope }))
  return async (c, next) => {
    const required = requiredAccess(c)
    if (required === 'public') return next()
    if (known.length === 0) {
      throw new ProblemError(
        'unauthorized',
        'API_KEYS is not set; the API rejects every request until it is configured',
        challenge(),
      )
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '')
    if (!match) {
      throw new ProblemError('unauthorized', 'send an API key as "Authorization: Bearer <key>"', challenge())
    }
    const given = digest(match[1]!)
    // Compare against every key so the time taken does not reveal which one matched.
    let holder: (typeof known)[number] | undefined
    for (const key of known) if (timingSafeEqual(key.digest, given)) holder = key
    if (!holder) {
      throw new ProblemError('unauthorized', 'the API key is not valid', challenge(', error="invalid_token"'))
    }
    c.set('actor', holder.actor)
    if (required === 'undeclared') {
      c.var.logger.error({ method: c.req.method, path: c.req.path }, 'route declares no API key scope')
      throw new ProblemError('forbidden', 'this operation declares no API key scope, so no key may call it')
    }
    if (required !== 'unrouted' && !scopeGrants(holder.scope, required)) {
      throw new ProblemError(
        'forbidden',
        `this operation needs an API key with the "${required}" scope; this key has "${holder.scope}"`,
        challenge(`, error="insufficient_scope", scope="${required}"`),
      )
    }
    return next()
  }
}
