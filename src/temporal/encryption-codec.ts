import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, ValueError } from '@temporalio/common'
import proto from '@temporalio/proto'
import type { PayloadKey } from '../security/payload-keys.js'

// @temporalio/proto is CommonJS: under plain Node ESM (npm start) only its default export exists.
const { temporal } = proto

/**
 * AES-256-GCM encryption of every payload Herald hands to Temporal, following Temporal's encryption sample
 * (samples-typescript/encryption): the whole payload (metadata and data) is encrypted, and the new payload names
 * its encoding and the key that encrypted it. Runs outside the workflow sandbox (worker and clients only).
 */

export const ENCRYPTED_ENCODING = 'binary/encrypted'
export const KEY_ID_METADATA = 'encryption-key-id'

const CIPHER = 'aes-256-gcm'
const encode = (text: string) => new TextEncoder().encode(text)
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)
const IV_BYTES = 12
const TAG_BYTES = 16

/** A payload that cannot be decrypted: unknown key id, missing metadata, or data that fails authentication. */
export class PayloadDecryptionError extends ValueError {
  override name = 'PayloadDecryptionError'
}

export class EncryptionCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>
  private readonly primary: PayloadKey | undefined

  /** `keys[0]` encrypts; every key decrypts, so a new key is rolled out by putting it first. */
  constructor(keys: readonly PayloadKey[]) {
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new Error(`payload key "${id}" must be 32 bytes, not ${key.length}`)
    }
    this.primary = keys[0]
    this.keys = new Map(keys.map(({ id, key }) => [id, key]))
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const primary = this.primary
    if (!primary) throw new Error('no payload key to encrypt with: PAYLOAD_ENCRYPTION_KEYS is empty')
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv(CIPHER, primary.key, iv, { authTagLength: TAG_BYTES })
      const plain = temporal.api.common.v1.Payload.encode(payload).finish()
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()])
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: encode(primary.id),
        },
        data,
      }
    })
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload))
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY]
    // Payloads written before encryption was turned on pass through unchanged.
    if (!encoding || decode(encoding) !== ENCRYPTED_ENCODING) return payload
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA]
    if (!keyIdBytes)
      throw new PayloadDecryptionError(`encrypted payload has no "${KEY_ID_METADATA}" metadata`)
    const keyId = decode(keyIdBytes)
    const key = this.keys.get(keyId)
    if (!key) {
      const held = [...this.keys.keys()].map((id) => `"${id}"`).join(', ') || 'none'
      throw new PayloadDecryptionError(
        `payload was encrypted with key id "${keyId}", which PAYLOAD_ENCRYPTION_KEYS does not hold (it holds ${held})`,
      )
    }
    const data = payload.data ?? new Uint8Array()
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`encrypted payload (key id "${keyId}") is too short to hold a message`)
    }
    const iv = data.subarray(0, IV_BYTES)
    const tag = data.subarray(data.length - TAG_BYTES)
    const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES })
    decipher.setAuthTag(tag)
    let plain: Buffer
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ])
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload (key id "${keyId}") failed authentication: it was altered or encrypted with another key`,
      )
    }
    return temporal.api.common.v1.Payload.decode(plain)
  }
}
