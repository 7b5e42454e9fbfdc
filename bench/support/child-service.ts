import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { readFile } from 'node:fs/promises'

/**
 * A Herald process (worker, API) run as its own node process, so its memory is measured alone and its event
 * loop does not share time with the benchmark's load generator.
 */
export interface ChildService {
  pid: number
  /** Current and peak resident set size of the process, in bytes. */
  memory(): Promise<{ rss: number; peakRss: number }>
  /** The first 64 KB the process wrote to stdout and stderr. */
  output(): string
  stop(): Promise<void>
}

export async function startChildService(options: {
  script: string
  env: NodeJS.ProcessEnv
  logFile: string
  /** Resolves once the process is ready to serve. */
  ready: (output: () => string) => Promise<void>
}): Promise<ChildService> {
  // BENCH_CHILD_NODE_FLAGS adds node flags NODE_OPTIONS refuses, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const flags = (process.env.BENCH_CHILD_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', options.script], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const log = createWriteStream(options.logFile)
  let output = ''
  const collect = (chunk: Buffer) => {
    log.write(chunk)
    if (output.length < 64 * 1024) output += chunk.toString()
  }
  child.stdout!.on('data', collect)
  child.stderr!.on('data', collect)
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const failed = exited.then((code) => {
    throw new Error(`${options.script} exited (${code}) before it was ready:\n${output.slice(-4000)}`)
  })
  await Promise.race([options.ready(() => output), failed])
  failed.catch(() => {})
  return {
    pid: child.pid!,
    memory: () => processMemory(child.pid!),
    output: () => output,
    stop: () => stopChild(child, exited),
  }
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}

/** VmRSS and VmHWM (the kernel's peak RSS) from /proc. */
export async function processMemory(pid: number): Promise<{ rss: number; peakRss: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM') }
}

/** Samples a process's RSS until stopped; `peak` is the highest sample seen. */
export function sampleMemory(service: ChildService, everyMs = 250) {
  let peak = 0
  const timer = setInterval(() => {
    service
      .memory()
      .then((m) => {
        peak = Math.max(peak, m.rss)
      })
      .catch(() => {})
  }, everyMs)
  return {
    get peak() {
      return peak
    },
    stop: () => clearInterval(timer),
  }
}

/** Waits until the output contains `text`, checking every 100 ms. */
export function outputContains(text: string) {
  return async (output: () => string) => {
    while (!output().includes(text)) await new Promise((r) => setTimeout(r, 100))
  }
}

/** Waits until an HTTP GET on `url` answers 200. */
export function answers(url: string) {
  return async () => {
    for (;;) {
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) return
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}
