import { type ChildProcess, spawn } from 'node:child_process'
import { chmod, mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../support/ports.js'

const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..')

export interface DevPorts {
  DEV_TEMPORAL_PORT: string
  DEV_TEMPORAL_UI_PORT: string
  DEV_POSTGRES_PORT: string
  DEV_SMTP_PORT: string
  DEV_INBOX_PORT: string
  API_PORT: string
}

/** Every port `npm start` binds, moved to free ones so it never meets another test or the real defaults. */
export async function freeDevPorts(): Promise<DevPorts> {
  const ports = new Set<number>()
  while (ports.size < 6) ports.add(await freePort())
  const [temporal, ui, postgres, smtp, inbox, api] = [...ports].map(String) as [string, ...string[]]
  return {
    DEV_TEMPORAL_PORT: temporal,
    DEV_TEMPORAL_UI_PORT: ui!,
    DEV_POSTGRES_PORT: postgres!,
    DEV_SMTP_PORT: smtp!,
    DEV_INBOX_PORT: inbox!,
    API_PORT: api!,
  }
}

/** A data folder under the OS temp dir that the `postgres` user (used when running as root) can enter. */
export async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'herald-npm-start-'))
  await chmod(dir, 0o755)
  return dir
}

/** `npm start` (tsx src/dev/start.ts) as a child process, everything embedded, with its output kept. */
export class NpmStart {
  output = ''
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString()
    })
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  }

  static launch(dataDir: string, ports: DevPorts): NpmStart {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ports, HERALD_DATA_DIR: dataDir }
    // Everything embedded: none of the settings that replace an embedded server may leak in from the test env.
    for (const name of [
      'TEMPORAL_ADDRESS',
      'DATABASE_URL',
      'SMTP_URL',
      'API_KEYS',
      'HERALD_SECRET',
      'TEMPORAL_UI_URL',
    ])
      delete env[name]
    const child = spawn(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), ['src/dev/start.ts'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    return new NpmStart(child)
  }

  /** Resolves once the output contains `text`; fails with the output so far if the process exits first. */
  async waitFor(text: string, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.output.includes(text)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`npm start exited before printing "${text}":\n${this.output}`)
      if (Date.now() > deadline) throw new Error(`npm start did not print "${text}" in time:\n${this.output}`)
      await sleep(200)
    }
  }
}

/** Every process below `pid` (children, grandchildren, …), from the parent pids in /proc. */
export async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>()
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '')
    if (stat) parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
  }
  const found: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    const parent = queue.shift()!
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child)
        queue.push(child)
      }
    }
  }
  return found
}

export async function commandLine(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ')
}

/** True while the process exists and is not a zombie. */
export async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
}
