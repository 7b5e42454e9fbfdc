import { createHash } from 'node:crypto'
import { type Config, ConfigError } from '../config.js'

/** Signs unsubscribe and download links. Derived from the first API key when HERALD_SECRET is not set. */
export function signingSecret(config: Config): string {
  if (config.HERALD_SECRET) return config.HERALD_SECRET
  const key = config.API_KEYS[0]?.key
  if (!key) throw new ConfigError('Invalid configuration:\n  HERALD_SECRET: required when API_KEYS is empty')
  return createHash('sha256').update(`herald-link-secret:${key}`).digest('base64url')
}

/** The base of every link Herald mails (unsubscribe, download), without a trailing slash. */
export function publicUrl(config: Config): string {
  return (config.PUBLIC_URL ?? `http://localhost:${config.API_PORT}`).replace(/\/$/, '')
}
