import { inject } from 'vitest'
import { connectDatabase, type Database } from '../../src/db/client.js'
import { migrate } from '../../src/db/migrate.js'

/**
 * A database of its own on the suite's PostgreSQL, migrated: for tests that delete by age (retention), which on the
 * shared database would delete other files' rows. Dropped again by `drop`.
 */
export async function createIsolatedDatabase(
  name: string,
): Promise<{ url: string; db: Database; drop(): Promise<void> }> {
  const adminUrl = inject('databaseUrl')
  const database = `${name}_${process.pid}`.replace(/[^a-z0-9_]/gi, '_').toLowerCase()
  const admin = connectDatabase(adminUrl, { max: 1 })
  await admin.unsafe(`DROP DATABASE IF EXISTS ${database}`)
  await admin.unsafe(`CREATE DATABASE ${database}`)
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  const db = connectDatabase(url.toString(), { max: 4 })
  await migrate(db)
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.end({ timeout: 5 })
      await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      await admin.end({ timeout: 5 })
    },
  }
}
