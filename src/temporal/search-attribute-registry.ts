import type { OperatorService } from '@temporalio/client'
import type { SearchAttributeType } from '@temporalio/common'
// Not re-exported by the package root; the SDK's own test server uses the same path.
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js'
import { HERALD_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js'

/**
 * Whether the namespace knows Herald's search attributes. Starters set them only where it does: upserting or
 * starting with an unknown attribute fails (the time-skipping test server knows none; a new namespace none yet).
 */

interface Registry {
  operatorService: OperatorService
}

/** Names of Herald's attributes the namespace lacks (or has with another type); all of them if it cannot tell. */
export async function missingSearchAttributes(connection: Registry, namespace: string): Promise<string[]> {
  const all = HERALD_SEARCH_ATTRIBUTES.map((k) => k.name)
  let known: Record<string, unknown>
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace })
    known = response.customAttributes ?? {}
  } catch {
    return all
  }
  return HERALD_SEARCH_ATTRIBUTES.filter((key) => known[key.name] !== indexedValueType(key.type)).map(
    (k) => k.name,
  )
}

/** Registers the missing ones (self-hosted clusters and the dev server; Temporal Cloud: see README). */
export async function registerSearchAttributes(connection: Registry, namespace: string): Promise<string[]> {
  const missing = new Set(await missingSearchAttributes(connection, namespace))
  const keys = HERALD_SEARCH_ATTRIBUTES.filter((k) => missing.has(k.name))
  if (keys.length === 0) return []
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(keys.map((k) => [k.name, indexedValueType(k.type)])),
  })
  return keys.map((k) => k.name)
}

function indexedValueType(type: SearchAttributeType) {
  const encoded = encodeSearchAttributeIndexedValueType(type)
  if (encoded === undefined) throw new Error(`unknown search attribute type ${type}`)
  return encoded
}

const RECHECK_AFTER_MS = 60_000

/** A cached "are they registered?" for a long-running starter: yes is final, no is asked again after a minute. */
export function searchAttributesCheck(connection: Registry, namespace: string): () => Promise<boolean> {
  let registered = false
  let checkedAt = Number.NEGATIVE_INFINITY
  return async () => {
    if (registered || Date.now() - checkedAt < RECHECK_AFTER_MS) return registered
    checkedAt = Date.now()
    registered = (await missingSearchAttributes(connection, namespace)).length === 0
    return registered
  }
}
