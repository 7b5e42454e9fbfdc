import { randomUUID } from 'node:crypto'
import type { Database } from '../../src/db/client.js'
import * as destinations from '../../src/db/destinations.js'
import { type NewDestination, splitDestination } from '../../src/domain/destination.js'
import type { PayloadKey } from '../../src/security/payload-keys.js'
import { sealSecret } from '../../src/security/secret-box.js'

/** Stores a destination as the API does (secrets sealed, bound to its id), without the API's checks; its id. */
export async function storeDestination(
  db: Database,
  payloadKeys: readonly PayloadKey[],
  destination: NewDestination,
): Promise<string> {
  const id = `dst_${randomUUID().replaceAll('-', '').slice(0, 16)}`
  const { secrets, channel } = splitDestination(destination)
  await destinations.insert(db, {
    id,
    name: `${destination.name} ${id}`,
    kind: destination.kind,
    channel,
    target: 'masked',
    secrets: sealSecret(payloadKeys, JSON.stringify(secrets), id),
  })
  return id
}
