import type { Config } from '../config.js'
import { signingSecret } from '../security/signing-secret.js'

/**
 * The HMAC secret for unsubscribe tokens and artifact links: the worker signs with the same `signingSecret`
 * (HERALD_SECRET, else derived from the first API key). Undefined when neither is set: every link is then invalid.
 */
export function tokenSecret(config: Config): string | undefined {
  if (!config.HERALD_SECRET && config.API_KEYS.length === 0) return undefined
  return signingSecret(config)
}
