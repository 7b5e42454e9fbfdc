import { readFile } from 'node:fs/promises'

/**
 * Who a pid is, from Linux's /proc: its start time (clock ticks since boot, fixed for the life of the process) and
 * its command line. A pid alone can be recycled by an unrelated program; pid + start time cannot.
 */
export interface ProcessIdentity {
  pid: number
  startTicks: number
  cmdline: string[]
}

interface ProcStat {
  startTicks: number
  /** R, S, D, Z (zombie: exited, waiting for its parent to reap it), … */
  state: string
}

/** The process's /proc/<pid>/stat, or undefined when there is no such process (or no /proc, as on macOS). */
async function procStat(pid: number): Promise<ProcStat | undefined> {
  let stat: string
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // Field 2, the command name, is in parentheses and may contain spaces; the fixed fields follow the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { state: fields[0]!, startTicks: Number(fields[19]) }
}

/** The identity of a live process, or undefined when it is gone, a zombie, or cannot be read. */
export async function processIdentity(pid: number): Promise<ProcessIdentity | undefined> {
  const stat = await procStat(pid)
  if (!stat || stat.state === 'Z') return undefined
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean)
    return { pid, startTicks: stat.startTicks, cmdline }
  } catch {
    return undefined
  }
}

/** True when `pid` still is the very process `identity` describes: same start time and command line. */
export async function isSameProcess(identity: ProcessIdentity): Promise<boolean> {
  const now = await processIdentity(identity.pid)
  return (
    now !== undefined &&
    now.startTicks === identity.startTicks &&
    now.cmdline.join('\0') === identity.cmdline.join('\0')
  )
}

/** The short program name the kernel knows a process by (`node`, `temporal`, `postgres`), if readable. */
export async function programName(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim() || undefined
  } catch {
    return undefined
  }
}
