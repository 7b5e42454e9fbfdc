import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { connect } from 'node:net'

/**
 * A process the harness can SIGKILL and start again with the same command line: the Temporal dev server, the
 * Herald worker and the API. Output goes to a log file, so a crash can be read afterwards.
 */
export interface ChildServiceOptions {
  name: string
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
  logFile: string
  /** Resolves once the process is ready to serve. */
  ready: (service: ChildService) => Promise<void>
}

export class ChildService {
  private child: ChildProcess | undefined
  private readonly log: WriteStream
  private output = ''
  starts = 0
  kills = 0

  constructor(private readonly options: ChildServiceOptions) {
    this.log = createWriteStream(options.logFile, { flags: 'a' })
  }

  get name(): string {
    return this.options.name
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  /** Output since the last start, for readiness checks on a log line. */
  get recentOutput(): string {
    return this.output
  }

  async start(): Promise<void> {
    if (this.running) return
    this.output = ''
    this.starts++
    this.log.write(`\n==== ${new Date().toISOString()} start #${this.starts}\n`)
    const child = spawn(this.options.command, this.options.args, {
      cwd: this.options.cwd,
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    const capture = (chunk: Buffer) => {
      this.log.write(chunk)
      if (this.output.length < 200_000) this.output += chunk.toString()
    }
    child.stdout?.on('data', capture)
    child.stderr?.on('data', capture)
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) =>
        reject(
          new Error(`${this.name} exited during start (${signal ?? code}); see ${this.options.logFile}`),
        ),
      ),
    )
    exited.catch(() => {})
    await Promise.race([this.options.ready(this), exited])
  }

  /** SIGKILL: no shutdown hooks, no goodbyes — like a machine losing power. */
  async kill(): Promise<void> {
    const child = this.child
    if (!child || !this.running) return
    this.kills++
    this.log.write(`\n==== ${new Date().toISOString()} SIGKILL\n`)
    const gone = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await gone
  }

  /** SIGTERM, then SIGKILL after a grace period. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child
    if (!child || !this.running) return
    const gone = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await gone
    clearTimeout(timer)
  }

  async restart(): Promise<void> {
    await this.kill()
    await this.start()
  }

  close(): void {
    this.log.end()
  }
}

export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(intervalMs)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
