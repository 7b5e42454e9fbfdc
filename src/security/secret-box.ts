import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { PayloadKey } from './payload-keys.js'

/**
 * Secrets at rest (destination URLs, tokens, signing secrets): AES-256-GCM with the PAYLOAD_ENCRYPTION_KEYS, as the
 * Temporal payload codec does. The text names its key (`v1.<keyId>.<base64url>`), so keys rotate the same way: the
 * first key seals, every key opens. `context` (e.g. the destination id) is authenticated but not stored, so a
 * sealed value copied to another row does not open there.
 */

const CIPHER = 'aes-256-gcm'
const IV_BYTES = 12
const TAG_BYTES = 16
const FORMAT = /^v1\.([A-Za-z0-9._-]{1,64})\.([A-Za-z0-9_-]+)$/

export class SecretBoxError extends Error {
  override name = 'SecretBoxError'
}

export function sealSecret(keys: readonly PayloadKey[], plain: string, context: string): string {
  const primary = keys[0]
  if (!primary) throw new SecretBoxError('no key to encrypt with: PAYLOAD_ENCRYPTION_KEYS is empty')
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv(CIPHER, primary.key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(Buffer.from(context, 'utf8'))
  const data = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return `v1.${primary.id}.${data.toString('base64url')}`
}

export function openSecret(keys: readonly PayloadKey[], sealed: string, context: string): string {
  const match = FORMAT.exec(sealed)
  if (!match) throw new SecretBoxError('sealed secret is not in the v1.<keyId>.<data> format')
  const [, keyId, encoded] = match
  const key = keys.find((k) => k.id === keyId)
  if (!key) {
    throw new SecretBoxError(
      `secret was encrypted with key id "${keyId}", which PAYLOAD_ENCRYPTION_KEYS does not hold`,
    )
  }
  const data = Buffer.from(encoded!, 'base64url')
  if (data.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('sealed secret is too short')
  const decipher = createDecipheriv(CIPHER, key.key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES })
  decipher.setAAD(Buffer.from(context, 'utf8'))
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES))
  try {
    return Buffer.concat([
      decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8')
  } catch {
    throw new SecretBoxError(`sealed secret (key id "${keyId}") failed authentication`)
  }
}
