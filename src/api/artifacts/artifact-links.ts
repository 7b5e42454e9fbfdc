import type { Context } from 'hono'
import { linkExpiry } from '../../domain/retention.js'
import { createArtifactSignature } from '../../security/signed-tokens.js'
import type { AppBindings } from '../deps.js'
import { tokenSecret } from '../token-secret.js'

/** Public base URL for links handed out (PUBLIC_URL, else the origin the request came in on). */
export function publicBaseUrl(c: Context<AppBindings>): string {
  return (c.var.deps.config.PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, '')
}

/**
 * A signed link to an artifact, valid for `ttlMs` but never beyond the file's own expiry; null when the file has
 * expired or is gone, or no token secret is configured.
 */
export async function artifactLink(
  c: Context<AppBindings>,
  artifactId: string,
  ttlMs: number,
): Promise<string | null> {
  const meta = await c.var.deps.artifacts.stat(artifactId)
  const now = Date.now()
  if (!meta || Date.parse(meta.expiresAt) <= now) return null
  return artifactDownloadUrl(c, artifactId, linkExpiry(new Date(now + ttlMs), new Date(meta.expiresAt)))
}

/** A signed, expiring download link for an artifact, or null when no token secret is configured. */
export function artifactDownloadUrl(
  c: Context<AppBindings>,
  artifactId: string,
  expiresAt: Date,
): string | null {
  const secret = tokenSecret(c.var.deps.config)
  if (!secret) return null
  const sig = createArtifactSignature(secret, artifactId, expiresAt)
  return `${publicBaseUrl(c)}/api/v1/artifacts/${encodeURIComponent(artifactId)}?sig=${encodeURIComponent(sig)}`
}
