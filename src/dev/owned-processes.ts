import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { isSameProcess, type ProcessIdentity, processIdentity } from './process-identity.js'

/**
 * What `npm start` writes to `<data dir>/processes/<name>.json` for each server process it starts, so the next
 * start can tell its own leftovers (after a SIGKILL or OOM kill of node) from anyone else's programs.
 */
export interface OwnedProcessRecord {
  name: string
  /** For messages: "the Temporal dev server". */
  label: string
  /** The `npm start` node process that started it. While that one lives, its processes are not leftovers. */
  owner: ProcessIdentity
  /** Set once the process is spawned; until then only `pidFile` can find it. */
  process?: ProcessIdentity
  /** A pid file the program writes itself (PostgreSQL's postmaster.pid), read when `process` was never recorded. */
  pidFile?: string
  /** Only a process whose command line names this path is taken for ours when found through `pidFile`. */
  dataPath: string
  port: number
  /** The signal that asks it to shut down cleanly (SIGINT is PostgreSQL's "fast" shutdown). */
  stopSignal: 'SIGTERM' | 'SIGINT'
  launchedAt: string
}

export class AnotherStartRunningError extends Error {
  override name = 'AnotherStartRunningError'
}

/** How long a leftover gets to shut down cleanly before SIGKILL. */
const STOP_GRACE_MS = 30_000

/** The records of one data folder: written before and after each start, removed on a clean stop. */
export class OwnedProcesses {
  readonly dir: string
  private owner: ProcessIdentity | undefined

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'processes')
  }

  /** Before starting `name`: from here on a crash leaves a record the next start can act on. */
  async launching(record: Omit<OwnedProcessRecord, 'owner' | 'launchedAt' | 'process'>): Promise<void> {
    this.owner ??= await processIdentity(process.pid)
    if (!this.owner) return // no /proc (macOS): nothing can be verified, so nothing is recorded
    await this.write({ ...record, owner: this.owner, launchedAt: new Date().toISOString() })
  }

  /** Once `name` has a pid. */
  async started(name: string, pid: number): Promise<void> {
    const record = await this.read(name)
    const identity = await processIdentity(pid)
    if (record && identity) await this.write({ ...record, process: identity })
  }

  /** After `name` stopped cleanly. */
  async stopped(name: string): Promise<void> {
    await rm(this.file(name), { force: true })
  }

  /**
   * Stops the processes a crashed `npm start` left behind on this data folder, before anything binds a port.
   * A process is stopped only if it is the very one recorded (pid, start time and command line all match); a pid
   * now used by another program is left alone. Throws if the `npm start` that wrote a record is still running.
   */
  async stopLeftovers(log: (line: string) => void): Promise<void> {
    for (const record of await this.all()) {
      if (await isSameProcess(record.owner)) {
        throw new AnotherStartRunningError(
          `another npm start (pid ${record.owner.pid}) is running on the data folder ${this.dir.replace(/\/processes$/, '')}; stop it first (Ctrl-C), or set HERALD_DATA_DIR to another folder`,
        )
      }
      const leftover = await this.leftoverProcess(record)
      if (leftover) {
        log(
          `stopping ${record.label} (pid ${leftover.pid}), left running by an earlier npm start that did not stop cleanly`,
        )
        await stopProcess(leftover, record.stopSignal)
      }
      await this.stopped(record.name)
    }
  }

  private async leftoverProcess(record: OwnedProcessRecord): Promise<ProcessIdentity | undefined> {
    if (record.process) return (await isSameProcess(record.process)) ? record.process : undefined
    if (!record.pidFile) return undefined
    // Crashed between spawn and record: trust the program's own pid file only for a process that runs on our data
    // path and started after the npm start that was launching it.
    const pid = Number.parseInt((await readFile(record.pidFile, 'utf8').catch(() => '')).split('\n')[0]!, 10)
    const found = Number.isInteger(pid) && pid > 0 ? await processIdentity(pid) : undefined
    const ours =
      found !== undefined &&
      found.startTicks >= record.owner.startTicks &&
      found.cmdline.includes(record.dataPath)
    return ours ? found : undefined
  }

  private async all(): Promise<OwnedProcessRecord[]> {
    const names = await readdir(this.dir).catch(() => [] as string[])
    const records: OwnedProcessRecord[] = []
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const record = await this.read(name.slice(0, -'.json'.length))
      if (record) records.push(record)
    }
    return records
  }

  private async read(name: string): Promise<OwnedProcessRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.file(name), 'utf8')) as OwnedProcessRecord
    } catch {
      return undefined // missing, or half-written when node died: nothing can be verified from it
    }
  }

  private async write(record: OwnedProcessRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    // Written whole then renamed, so a crash mid-write never leaves a record that names a wrong pid.
    const temporary = `${this.file(record.name)}.tmp`
    await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`)
    await rename(temporary, this.file(record.name))
  }

  private file(name: string): string {
    return join(this.dir, `${name}.json`)
  }
}

/** Asks a process that is not our child to stop, waits for it, and SIGKILLs it after the grace period. */
export async function stopProcess(
  target: ProcessIdentity,
  signal: NodeJS.Signals,
  graceMs = STOP_GRACE_MS,
): Promise<void> {
  const signalIfSame = async (s: NodeJS.Signals) => {
    if (!(await isSameProcess(target))) return false
    try {
      process.kill(target.pid, s)
    } catch {}
    return true
  }
  if (!(await signalIfSame(signal))) return
  for (const deadline = Date.now() + graceMs; Date.now() < deadline; await sleep(100)) {
    if (!(await isSameProcess(target))) return
  }
  await signalIfSame('SIGKILL')
  while (await isSameProcess(target)) await sleep(100)
}
