import { TestWorkflowEnvironment } from '@temporalio/testing'
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

export interface TemporalDevServer {
  address: string
  uiUrl: string
  stop(): Promise<void>
}

/**
 * `temporal server start-dev` with its Web UI, persisted to a SQLite file so schedules survive a restart.
 * The SDK manages the process; the CLI comes from temporalCliPath(), which installs it when none is found.
 */
export async function startTemporalDevServer(options: {
  dbFilename: string
  port: number
  uiPort: number
  namespace: string
}): Promise<TemporalDevServer> {
  const cli = await temporalCliPath()
  let env: TestWorkflowEnvironment
  try {
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: cli },
        dbFilename: options.dbFilename,
        ip: '127.0.0.1',
        port: options.port,
        ui: true,
        uiPort: options.uiPort,
        namespace: options.namespace,
        log: { format: 'pretty', level: 'error' },
        extraArgs: DEV_SERVER_SQLITE_ARGS,
      },
    })
  } catch (err) {
    throw new Error(`Temporal dev server (${cli}) did not start: ${(err as Error).message.split('\n')[0]}`)
  }
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://localhost:${options.uiPort}`,
    stop: () => env.teardown(),
  }
}
