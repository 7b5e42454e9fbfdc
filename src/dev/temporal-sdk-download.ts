import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestWorkflowEnvironment } from '@temporalio/testing'
import { isExecutable } from './temporal-pypi.js'

/**
 * The Temporal SDK's own download ("cached-download"): core-bridge asks https://temporal.download for the archive
 * that fits this SDK version, then saves the executable as `<dir>/<prefix>-sdk-typescript-<version>`.
 */
export interface SdkArtifact {
  /** Path segment of the download service. */
  artifact: 'cli' | 'temporal-test-server'
  /** File name prefix core-bridge gives the downloaded executable. */
  prefix: string
  format?: 'tar.gz'
  server: 'dev' | 'time-skipping'
}

const SDK_NAME = 'sdk-typescript'
const SDK_VERSION: string = createRequire(import.meta.url)('@temporalio/testing/package.json').version
/** core-bridge's HTTP client has no timeout: without internet it would wait for TCP to give up. We ask first. */
const PROBE_TIMEOUT_MS = 5_000
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000

export function sdkDownloadPath(dir: string, artifact: SdkArtifact): string {
  const ext = process.platform === 'win32' ? '.exe' : ''
  return join(dir, `${artifact.prefix}-${SDK_NAME}-${SDK_VERSION}${ext}`)
}

/** Where a default SDK download (no downloadDir) leaves the executable. */
export function sdkTempDownloadPath(artifact: SdkArtifact): string {
  return sdkDownloadPath(tmpdir(), artifact)
}

/** Lets the SDK download the executable into `dir` (by starting and stopping a server once) and returns its path. */
export async function downloadWithSdk(
  artifact: SdkArtifact,
  dir: string,
  announce: () => void,
): Promise<string> {
  await probeDownloadService(artifact)
  announce()
  await mkdir(dir, { recursive: true })
  const { TestWorkflowEnvironment } = await import('@temporalio/testing')
  const executable = { type: 'cached-download', downloadDir: dir } as const
  const starting: Promise<TestWorkflowEnvironment> =
    artifact.server === 'dev'
      ? TestWorkflowEnvironment.createLocal({ server: { executable, ip: '127.0.0.1', ui: false } })
      : TestWorkflowEnvironment.createTimeSkipping({ server: { executable } })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no executable within ${DOWNLOAD_TIMEOUT_MS / 60_000} min`)),
      DOWNLOAD_TIMEOUT_MS,
    )
  })
  try {
    const env = await Promise.race([starting, timedOut])
    await env.teardown()
  } catch (err) {
    // A start that finishes after we gave up must not leave its server running.
    starting.then((env) => env.teardown()).catch(() => {})
    throw new Error(firstLine(err))
  } finally {
    clearTimeout(timer)
  }
  const path = sdkDownloadPath(dir, artifact)
  if (!(await isExecutable(path))) throw new Error(`the SDK reported success but ${path} is not there`)
  return path
}

/** The same request core-bridge makes first, with a short timeout; throws why the service is out of reach. */
async function probeDownloadService(artifact: SdkArtifact): Promise<void> {
  const url = new URL(`https://temporal.download/${artifact.artifact}/default`)
  url.searchParams.set('arch', process.arch === 'arm64' ? 'arm64' : 'amd64')
  url.searchParams.set(
    'platform',
    process.platform === 'darwin' ? 'darwin' : process.platform === 'win32' ? 'windows' : 'linux',
  )
  if (artifact.format) url.searchParams.set('format', artifact.format)
  url.searchParams.set('sdk-name', SDK_NAME)
  url.searchParams.set('sdk-version', SDK_VERSION)
  let res: Response
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
  } catch (err) {
    const reason =
      (err as Error).name === 'TimeoutError'
        ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s`
        : firstLine((err as Error).cause ?? err)
    throw new Error(`${url.host} is out of reach (${reason})`)
  }
  if (!res.ok) throw new Error(`${url.host} answered HTTP ${res.status}`)
  const info = (await res.json().catch(() => undefined)) as { archiveUrl?: unknown } | undefined
  if (typeof info?.archiveUrl !== 'string') throw new Error(`${url.host} named no archive for this platform`)
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? ''
}
