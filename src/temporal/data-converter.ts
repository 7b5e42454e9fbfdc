import { fileURLToPath } from 'node:url'
import type { DataConverter } from '@temporalio/common'
import type { PayloadKey } from '../security/payload-keys.js'
import { EncryptionCodec } from './encryption-codec.js'

/** The failure converter module, by path: source (.ts) in dev and tests, .js when compiled. */
export const failureConverterPath = fileURLToPath(
  new URL(`./failure-converter${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
)

/**
 * What the worker and every client of Herald's namespace use to write and read payloads. With keys, payloads and
 * failure messages are encrypted; without, the SDK defaults (plain JSON) apply. Every process of one deployment
 * needs the same keys: a process without them cannot read what the others wrote.
 */
export function heraldDataConverter(keys: readonly PayloadKey[]): DataConverter | undefined {
  if (keys.length === 0) return undefined
  return { payloadCodecs: [new EncryptionCodec(keys)], failureConverterPath }
}
