import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * HMAC-signed tokens for links that carry no API key: one-click unsubscribe (per recipient and schedule) and
 * expiring artifact downloads. A token is `<base64url payload>.<base64url signature>`.
 */

function sign(secret: string, purpose: string, payload: string): string {
  return createHmac('sha256', secret).update(`${purpose}\n${payload}`).digest('base64url')
}

function encode(secret: string, purpose: string, data: unknown): string {
  const payload = Buffer.from(JSON.stringify(data)).toString('base64url')
  return `${payload}.${sign(secret, purpose, payload)}`
}

function decode(secret: string, purpose: string, token: string): unknown {
  const [payload, signature, extra] = token.split('.')
  if (!payload || !signature || extra !== undefined) return undefined
  const expected = Buffer.from(sign(secret, purpose, payload))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

export interface UnsubscribeClaim {
  email: string
  scheduleId: string
}

export function createUnsubscribeToken(secret: string, claim: UnsubscribeClaim): string {
  return encode(secret, 'unsubscribe', { e: claim.email.toLowerCase(), s: claim.scheduleId })
}

export function verifyUnsubscribeToken(secret: string, token: string): UnsubscribeClaim | undefined {
  const data = decode(secret, 'unsubscribe', token) as { e?: unknown; s?: unknown } | undefined
  if (!data || typeof data.e !== 'string' || typeof data.s !== 'string') return undefined
  return { email: data.e, scheduleId: data.s }
}

export function createArtifactSignature(secret: string, artifactId: string, expiresAt: Date): string {
  return encode(secret, 'artifact', { a: artifactId, x: Math.floor(expiresAt.getTime() / 1000) })
}

/** The artifact id the signature grants, if it is genuine and not expired at `now`. */
export function verifyArtifactSignature(secret: string, artifactId: string, sig: string, now = new Date()) {
  const data = decode(secret, 'artifact', sig) as { a?: unknown; x?: unknown } | undefined
  if (!data || data.a !== artifactId || typeof data.x !== 'number')
    return { ok: false as const, reason: 'invalid' }
  if (data.x * 1000 < now.getTime()) return { ok: false as const, reason: 'expired' }
  return { ok: true as const, expiresAt: new Date(data.x * 1000) }
}
