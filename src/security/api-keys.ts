import { z } from 'zod'

/**
 * API keys and what they may do. `API_KEYS=read:hk_a,write:hk_b,admin:hk_c`: each scope includes the ones before
 * it (admin ⊃ write ⊃ read). A key written without a scope is an admin key, as every key was before scopes.
 */

export const API_SCOPES = ['read', 'write', 'admin'] as const
export const apiScopeSchema = z.enum(API_SCOPES)
export type ApiScope = z.infer<typeof apiScopeSchema>

export interface ApiKey {
  /** The bearer token itself, without the scope prefix. */
  key: string
  scope: ApiScope
  /** False when the entry had no `scope:` prefix and became admin by default. */
  scopeWritten: boolean
}

/** RFC 6750's b64token, the only keys hono/bearer-auth accepts in a header; checked at start so none fails later. */
const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/

/** Whether a key holding `held` may call an operation that requires `required`. */
export const scopeGrants = (held: ApiScope, required: ApiScope) =>
  API_SCOPES.indexOf(held) >= API_SCOPES.indexOf(required)

/**
 * Parses the comma-separated `API_KEYS` value. Problems name the entry by position, never by its text, so a
 * typo in a secret does not end up in a log.
 */
export function parseApiKeys(raw: string | undefined): { keys: ApiKey[]; problems: string[] } {
  const keys: ApiKey[] = []
  const problems: string[] = []
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':')
    const prefix = colon < 0 ? undefined : entry.slice(0, colon)
    const key = colon < 0 ? entry : entry.slice(colon + 1).trim()
    const scope =
      prefix === undefined
        ? { success: true as const, data: 'admin' as const }
        : apiScopeSchema.safeParse(prefix)
    if (!scope.success) {
      problems.push(`entry ${index + 1}: the text before ':' must be one of ${API_SCOPES.join(', ')}`)
    } else if (key === '') {
      problems.push(`entry ${index + 1}: no key after '${prefix}:'`)
    } else if (!BEARER_TOKEN.test(key)) {
      problems.push(
        `entry ${index + 1}: a key may hold only letters, digits and - . _ ~ + / (and = at the end)`,
      )
    } else if (keys.some((k) => k.key === key)) {
      problems.push(`entry ${index + 1}: repeats an earlier key`)
    } else {
      keys.push({ key, scope: scope.data, scopeWritten: prefix !== undefined })
    }
  })
  return { keys, problems }
}
