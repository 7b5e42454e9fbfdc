import type { Sql } from 'postgres'
import { ensureReaderRole, readerUrl } from '../db/reader-role.js'
import { persistentSecret } from './dev-secrets.js'

export const DEV_READER_ROLE = 'herald_reader'

/**
 * npm start's `default` data source: the reader role on Herald's database, with a password generated once and kept
 * in the data folder. Undefined when DATABASE_URL's role may not create roles; then DATABASE_URL stays the default
 * source and the worker's privilege check decides.
 */
export async function devReaderSource(
  sql: Sql,
  options: { dataDir: string; databaseUrl: string; schemas: string[]; log: (line: string) => void },
): Promise<string | undefined> {
  const password = await persistentSecret(options.dataDir, 'reader-password')
  try {
    const outcome = await ensureReaderRole(sql, {
      role: DEV_READER_ROLE,
      password,
      schemas: options.schemas,
      // npm start runs this as Herald's own role on its own database, which keeps the functions.
      revokeFromPublic: true,
    })
    for (const schema of outcome.missingSchemas) options.log(`report schema "${schema}" does not exist yet`)
    for (const step of outcome.skipped) options.log(`reader role: skipped ${step} (needs a superuser)`)
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error
    options.log(
      `could not create the report reader role (${(error as Error).message}); report queries use DATABASE_URL`,
    )
    return undefined
  }
  return readerUrl(options.databaseUrl, DEV_READER_ROLE, password)
}
