import { ConfigError, loadConfig } from '../config.js'
import { isEntryPoint } from '../entry-point.js'
import { connectClient } from './connection.js'
import { missingSearchAttributes, registerSearchAttributes } from './search-attribute-registry.js'

/**
 * `npm run temporal:setup`: registers Herald's search attributes in TEMPORAL_NAMESPACE on a self-hosted cluster
 * (operator service), idempotently. Temporal Cloud registers them through its UI or `tcld` (README).
 */
async function run(): Promise<void> {
  const config = loadConfig()
  const client = await connectClient(config)
  try {
    const namespace = config.TEMPORAL_NAMESPACE
    const added = await registerSearchAttributes(client.connection, namespace)
    const missing = await missingSearchAttributes(client.connection, namespace)
    if (missing.length > 0) throw new Error(`still missing after registering: ${missing.join(', ')}`)
    console.log(
      added.length > 0
        ? `herald: registered ${added.join(', ')} in namespace "${namespace}"`
        : `herald: Herald's search attributes were already registered in namespace "${namespace}"`,
    )
  } finally {
    await client.connection.close()
  }
}

if (isEntryPoint(import.meta.url)) {
  run().catch((err) => {
    console.error(
      `herald: ${err instanceof ConfigError ? err.message : `temporal:setup failed: ${(err as Error).message}`}`,
    )
    process.exit(1)
  })
}
