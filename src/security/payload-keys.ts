/** A key for Temporal payload encryption (src/temporal/encryption-codec.ts). */
export interface PayloadKey {
  /** Written into every payload it encrypts, so a payload names the key that decrypts it. */
  id: string
  /** 32 bytes (AES-256). */
  key: Buffer
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/

/**
 * `PAYLOAD_ENCRYPTION_KEYS`: comma-separated `keyId:base64key`, each key 32 bytes (`openssl rand -base64 32`).
 * The first encrypts; all of them decrypt, so a key is rotated by putting a new one first and keeping the old.
 */
export function parsePayloadKeys(value: string | undefined): { keys: PayloadKey[]; problems: string[] } {
  const keys: PayloadKey[] = []
  const problems: string[] = []
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':')
    const id = colon < 0 ? '' : entry.slice(0, colon)
    const encoded = colon < 0 ? '' : entry.slice(colon + 1)
    // Never echo the key material itself into an error message.
    const where = `entry ${index + 1}${KEY_ID.test(id) ? ` ("${id}")` : ''}`
    if (!KEY_ID.test(id) || !encoded) {
      problems.push(`${where} must look like keyId:base64key (key id: letters, digits, . _ -)`)
      continue
    }
    const key = Buffer.from(encoded, 'base64')
    if (!BASE64.test(encoded) || key.length !== 32) {
      problems.push(`${where} must be 32 bytes in base64, e.g. from \`openssl rand -base64 32\``)
      continue
    }
    if (keys.some((k) => k.id === id)) {
      problems.push(`${where}: key id "${id}" appears twice`)
      continue
    }
    keys.push({ id, key })
  }
  return { keys, problems }
}
