import { ConfigError, loadConfig } from '../config.js'
import { isEntryPoint } from '../entry-point.js'
import { connectDatabase } from './client.js'
import { ensureReaderRole } from './reader-role.js'

/**
 * `node dist/db/setup-reader-role.js [--revoke-from-public]` (`npx tsx src/db/setup-reader-role.ts` from a checkout): creates or corrects
 * the role named in DEFAULT_DATA_SOURCE_URL, with that URL's password, reading REPORT_SCHEMAS, connected through
 * DATABASE_URL (which needs CREATEROLE). docker-compose runs it once before the api and the worker start.
 */
async function run(): Promise<void> {
  const config = loadConfig()
  if (!config.DATABASE_URL || !config.DEFAULT_DATA_SOURCE_URL) {
    throw new ConfigError('DATABASE_URL and DEFAULT_DATA_SOURCE_URL (the reader role to create) are required')
  }
  const reader = new URL(config.DEFAULT_DATA_SOURCE_URL)
  const role = decodeURIComponent(reader.username)
  const password = decodeURIComponent(reader.password)
  if (!role || !password) throw new ConfigError('DEFAULT_DATA_SOURCE_URL must name a user and a password')
  const sql = connectDatabase(config.DATABASE_URL, { max: 1, applicationName: 'herald-setup' })
  try {
    const outcome = await ensureReaderRole(sql, {
      role,
      password,
      schemas: config.REPORT_SCHEMAS,
      revokeFromPublic: process.argv.includes('--revoke-from-public'),
    })
    console.log(`herald: reader role "${role}" ${outcome.created ? 'created' : 'up to date'}`)
    for (const schema of outcome.missingSchemas) {
      console.log(`herald: schema "${schema}" does not exist yet; run this again once it does`)
    }
    for (const step of outcome.skipped) console.log(`herald: skipped ${step} (needs a superuser)`)
  } finally {
    await sql.end()
  }
}

if (isEntryPoint(import.meta.url)) {
  run().catch((err) => {
    console.error(err instanceof ConfigError ? `herald: ${err.message}` : err)
    process.exit(1)
  })
}
