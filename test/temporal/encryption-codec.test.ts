import { randomBytes } from 'node:crypto'
import { defaultPayloadConverter, type Payload } from '@temporalio/common'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'
import type { PayloadKey } from '../../src/security/payload-keys.js'
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA,
  PayloadDecryptionError,
} from '../../src/temporal/encryption-codec.js'

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) })
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8')
const secret = { recipients: ['ceo@example.com'], sql: 'SELECT revenue FROM demo.orders' }
const plainPayload = () => defaultPayloadConverter.toPayload(secret) as Payload

describe('EncryptionCodec', () => {
  it('round-trips a payload, and the stored form names the encoding and key but holds no plaintext', async () => {
    const codec = new EncryptionCodec([key('k1')])
    const [encrypted] = await codec.encode([plainPayload()])
    expect(text(encrypted!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING)
    expect(text(encrypted!.metadata![KEY_ID_METADATA])).toBe('k1')
    expect(text(encrypted!.data)).not.toContain('ceo@example.com')
    expect(text(encrypted!.data)).not.toContain('json/plain')
    const [decoded] = await codec.decode([encrypted!])
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secret)
  })

  it('uses a fresh IV per payload: the same value encrypts differently each time', async () => {
    const codec = new EncryptionCodec([key('k1')])
    const [a, b] = await codec.encode([plainPayload(), plainPayload()])
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false)
  })

  it('refuses a payload whose ciphertext was altered (GCM authentication)', async () => {
    const codec = new EncryptionCodec([key('k1')])
    const [encrypted] = await codec.encode([plainPayload()])
    const data = Buffer.from(encrypted!.data!)
    data[20] = data[20]! ^ 0x01
    await expect(codec.decode([{ ...encrypted!, data }])).rejects.toThrow(/k1.*failed authentication/)
    await expect(codec.decode([{ ...encrypted!, data: data.subarray(0, 10) }])).rejects.toThrow(
      PayloadDecryptionError,
    )
  })

  it('refuses a payload relabelled with another known key id', async () => {
    const codec = new EncryptionCodec([key('k2'), key('k1')])
    const [encrypted] = await codec.encode([plainPayload()])
    const relabelled = {
      ...encrypted!,
      metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('k1') },
    }
    await expect(codec.decode([relabelled])).rejects.toThrow(/failed authentication/)
  })

  it('names the unknown key id and the ones it holds', async () => {
    const [encrypted] = await new EncryptionCodec([key('old')]).encode([plainPayload()])
    await expect(new EncryptionCodec([key('other')]).decode([encrypted!])).rejects.toThrow(
      'payload was encrypted with key id "old", which PAYLOAD_ENCRYPTION_KEYS does not hold (it holds "other")',
    )
  })

  it('rotates: with a new key first, new payloads use it and payloads of the old key still decode', async () => {
    const old = key('2025-01')
    const fresh = key('2026-01')
    const [before] = await new EncryptionCodec([old]).encode([plainPayload()])
    const rotated = new EncryptionCodec([fresh, old])
    const [after] = await rotated.encode([plainPayload()])
    expect(text(after!.metadata![KEY_ID_METADATA])).toBe('2026-01')
    const decoded = await rotated.decode([before!, after!])
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([secret, secret])
    // A process still on the old key alone cannot read the new payloads, and says why.
    await expect(new EncryptionCodec([old]).decode([after!])).rejects.toThrow(/key id "2026-01"/)
  })

  it('passes unencrypted payloads through (histories written before encryption was turned on)', async () => {
    const codec = new EncryptionCodec([key('k1')])
    const plain = plainPayload()
    expect(await codec.decode([plain])).toEqual([plain])
  })

  it('refuses an encrypted payload without a key id', async () => {
    const codec = new EncryptionCodec([key('k1')])
    const [encrypted] = await codec.encode([plainPayload()])
    const { [KEY_ID_METADATA]: _dropped, ...metadata } = encrypted!.metadata!
    await expect(codec.decode([{ ...encrypted!, metadata }])).rejects.toThrow(/no "encryption-key-id"/)
  })
})

describe('PAYLOAD_ENCRYPTION_KEYS', () => {
  const k = () => randomBytes(32).toString('base64')

  it('parses keyId:base64key entries, the first one first', () => {
    const [a, b] = [k(), k()]
    const config = loadConfig({ PAYLOAD_ENCRYPTION_KEYS: ` new:${a} , old:${b}` })
    expect(config.PAYLOAD_ENCRYPTION_KEYS.map((p) => p.id)).toEqual(['new', 'old'])
    expect(config.PAYLOAD_ENCRYPTION_KEYS[0]!.key.equals(Buffer.from(a, 'base64'))).toBe(true)
    expect(loadConfig({}).PAYLOAD_ENCRYPTION_KEYS).toEqual([])
  })

  it.each([
    ['no key id', k(), /entry 1 must look like keyId:base64key/],
    ['a 16-byte key', `k1:${randomBytes(16).toString('base64')}`, /entry 1 \("k1"\) must be 32 bytes/],
    ['not base64', 'k1:not base64 at all!!', /must be 32 bytes/],
    ['a duplicate id', `k1:${k()},k1:${k()}`, /entry 2 \("k1"\): key id "k1" appears twice/],
  ])('refuses %s with an error naming the variable', (_case, value, message) => {
    expect(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: value })).toThrow(ConfigError)
    expect(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: value })).toThrow(/PAYLOAD_ENCRYPTION_KEYS: /)
    expect(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: value })).toThrow(message)
  })

  it('never echoes key material in the error', () => {
    const material = randomBytes(16).toString('base64')
    expect(() => loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k1:${material}` })).not.toThrow(material)
  })
})
