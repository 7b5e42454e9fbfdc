import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import type { ApiKey } from '../../security/api-keys.js'
import { scopeGrants } from '../../security/api-keys.js'
import type { AppBindings } from '../deps.js'
import { ProblemError } from '../problems.js'
import type { RequiredAccess } from '../scopes.js'

/**
 * Bearer authentication against `API_KEYS` (hono/bearer-auth reads the header; `verifyToken` matches the key), then
 * the scope the matched route declares. Keys are compared as SHA-256 digests in constant time, against every key.
 */

const digest = (value: string) => createHash('sha256').update(value).digest()

/** A stable, non-secret label for a key, used as the actor in logs and the audit log. */
export const actorForKey = (key: string) => `apikey:${digest(key).toString('hex').slice(0, 8)}`

const challenge = (extra = '') => ({ headers: { 'WWW-Authenticate': `Bearer realm="herald"${extra}` } })

// Thrown from bearer-auth's message callbacks, so the app's one error mapping renders the problem+json.
const refuse = (detail: string, extra?: string) => (): never => {
  throw new ProblemError('unauthorized', detail, challenge(extra))
}

interface KnownKey {
  digest: Buffer
  actor: string
  scope: ApiKey['scope']
}

export function apiKeyAuth(
  keys: ApiKey[],
  requiredAccess: (c: Context) => RequiredAccess,
): MiddlewareHandler<AppBindings> {
  const known: KnownKey[] = keys.map((k) => ({
    digest: digest(k.key),
    actor: actorForKey(k.key),
    scope: k.scope,
  }))
  const holders = new WeakMap<Context, KnownKey>()
  const malformed = refuse('send an API key as "Authorization: Bearer <key>"')
  const authenticate = bearerAuth<AppBindings>({
    verifyToken: (token, c) => {
      const given = digest(token)
      // Compare against every key so the time taken does not reveal which one matched.
      let holder: KnownKey | undefined
      for (const key of known) if (timingSafeEqual(key.digest, given)) holder = key
      if (holder) holders.set(c, holder)
      return holder !== undefined
    },
    noAuthenticationHeader: { message: malformed },
    // RFC 6750 would answer 400 here; Herald answers 401 for any header it cannot use, as it always has.
    invalidAuthenticationHeader: { message: malformed },
    invalidToken: { message: refuse('the API key is not valid', ', error="invalid_token"') },
  })

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
    await authenticate(c, async () => {
      const holder = holders.get(c)!
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
      await next()
    })
  }
}
