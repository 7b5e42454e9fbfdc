import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Connection } from '@temporalio/client'
import { TypedSearchAttributes } from '@temporalio/common'
import { HERALD_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js'
import type { OwnedProcesses } from './owned-processes.js'
import { temporalCliPath } from './temporal-binary.js'

/**
 * The dev server's SQLite defaults (rollback journal, synchronous=FULL) fsync several times per commit; under a few
 * hundred schedules it falls behind with persistence deadline errors. WAL with synchronous=NORMAL survives a killed
 * server process (only an OS crash can lose the last commits) and is far cheaper per write.
 */
export const DEV_SERVER_SQLITE_ARGS = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
]

/** A loaded machine can take tens of seconds to open a large SQLite file; the SDK's 5 s was too short. */
const START_TIMEOUT_MS = 120_000
const STOP_GRACE_MS = 15_000

export interface TemporalDevServer {
  address: string
  uiUrl: string
  pid: number
  stop(): Promise<void>
}

/**
 * `temporal server start-dev` with its Web UI, persisted to a SQLite file so schedules survive a restart. Spawned
 * here rather than by the SDK so its pid is known and can be recorded in `records` for the next start to clean up.
 * Its output goes to a log file (default: temporal.log beside the database), not to a pipe that dies with node.
 */
export async function startTemporalDevServer(options: {
  dbFilename: string
  port: number
  uiPort: number
  namespace: string
  logFile?: string
  records?: OwnedProcesses
  /** The codec endpoint the Web UI calls from the browser to show encrypted payloads decoded. */
  uiCodecEndpoint?: string
}): Promise<TemporalDevServer> {
  const executable = await temporalCliPath()
  const address = `127.0.0.1:${options.port}`
  const logFile = options.logFile ?? join(dirname(options.dbFilename), 'temporal.log')
  // The arguments the SDK's TestWorkflowEnvironment.createLocal passed, plus the SQLite pragmas.
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    options.dbFilename,
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    '--log-format',
    'pretty',
    '--log-level',
    'error',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...DEV_SERVER_SQLITE_ARGS,
    // Herald's search attributes, registered at every start (idempotent), so the UI can filter on them.
    ...HERALD_SEARCH_ATTRIBUTES.flatMap((key) => [
      '--search-attribute',
      `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
    ]),
    ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ]

  await options.records?.launching({
    name: 'temporal',
    label: 'the Temporal dev server',
    dataPath: options.dbFilename,
    port: options.port,
    stopSignal: 'SIGTERM',
  })
  const logFd = openSync(logFile, 'a')
  let child: ChildProcess
  try {
    // Detached: Ctrl-C reaches node alone, which stops the worker before the server it talks to.
    child = spawn(executable, args, { stdio: ['ignore', logFd, logFd], detached: true })
  } finally {
    closeSync(logFd)
  }
  const spawned = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid!))
    child.once('error', (err) =>
      reject(new Error(`could not run ${executable}: ${err.message}`, { cause: err })),
    )
  })
  await options.records?.started('temporal', spawned)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const forced = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
      await exited
      clearTimeout(forced)
    }
    await options.records?.stopped('temporal')
  }

  let answering: boolean
  try {
    answering = await waitUntilAnswering(address, () => child.exitCode === null && child.signalCode === null)
  } catch (err) {
    await stop()
    throw err
  }
  if (!answering) {
    const { code, signal } = await exited
    await options.records?.stopped('temporal')
    const output = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' | ')
    throw new Error(
      `the Temporal dev server (${executable}) exited during start-up (${signal ?? `exit code ${code}`})` +
        (output ? `: ${output}` : `; see ${logFile}`),
    )
  }
  return { address, uiUrl: `http://localhost:${options.uiPort}`, pid: spawned, stop }
}

/** True once the frontend answers; false if the process exited first. */
async function waitUntilAnswering(address: string, running: () => boolean): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS
  while (running()) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 })
      await connection.close()
      return true
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(
          `the Temporal dev server on ${address} did not answer within ${START_TIMEOUT_MS / 1000} s`,
          {
            cause: err,
          },
        )
      }
      await sleep(200)
    }
  }
  return false
}
