import { execFileSync } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { markdownTable, ratio } from './stats.js'

/**
 * CPU seconds of whole process trees from /proc, for the benchmarks' per-process tables. pidusage reads the same
 * file but drops cutime/cstime, so a PostgreSQL backend that exits mid-window (its CPU moves to the postmaster's
 * cutime when reaped) would vanish from the sum; here a tree's total is monotonic.
 */

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

interface ProcStat {
  pid: number
  ppid: number
  /** utime + stime + cutime + cstime, in clock ticks: the process, its threads and its reaped children. */
  ticks: number
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (!text) return undefined
  // The command name may hold spaces and parentheses; the fields after its last ')' are plain numbers.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const n = (i: number) => Number(fields[i])
  // proc(5) numbers from 1 with pid, comm: state is field 3, so field k sits at index k - 3 here.
  return { pid, ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) }
}

/** Total CPU seconds of `pid` and every live descendant (each one's reaped children included). */
export async function processTreeCpuSeconds(pid: number): Promise<number> {
  const entries = await readdir('/proc')
  const stats = (
    await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map((e) => readStat(Number(e))))
  ).filter((s): s is ProcStat => s !== undefined)
  const children = new Map<number, ProcStat[]>()
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s])
  const root = stats.find((s) => s.pid === pid)
  if (!root) return Number.NaN
  let ticks = 0
  const pending = [root]
  while (pending.length > 0) {
    const next = pending.pop()!
    ticks += next.ticks
    pending.push(...(children.get(next.pid) ?? []))
  }
  return ticks / CLOCK_TICKS
}

/** A process to meter: a pid (its whole tree), or this process itself (the benchmark driver). */
export interface MeteredProcess {
  name: string
  pid: number | 'self'
}

export type CpuSnapshot = Map<string, number>

/** Cumulative CPU seconds of each process now; two snapshots give a window's CPU. */
export async function cpuSnapshot(processes: MeteredProcess[]): Promise<CpuSnapshot> {
  const values = await Promise.all(
    processes.map(async (p) => {
      if (p.pid !== 'self') return [p.name, await processTreeCpuSeconds(p.pid)] as const
      // The driver alone: process.cpuUsage() counts all its threads but not its children.
      const usage = process.cpuUsage()
      return [p.name, (usage.user + usage.system) / 1e6] as const
    }),
  )
  return new Map(values)
}

/** CPU seconds per process between two snapshots (NaN for a process that was not running at both). */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return new Map([...after].map(([name, seconds]) => [name, seconds - (before.get(name) ?? Number.NaN)]))
}

/** Starts a window now; `end()` returns each process's CPU seconds since. */
export async function cpuWindow(processes: MeteredProcess[]) {
  const before = await cpuSnapshot(processes)
  return { end: async () => cpuBetween(before, await cpuSnapshot(processes)) }
}

/** A row of the CPU table: one role (e.g. "the worker doing the runs"), its seconds per column (NaN: not running). */
export interface CpuRow {
  label: string
  seconds: number[]
}

const seconds = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '—')

/**
 * CPU seconds per process and column (one column per measured window), a total and a per-run row, and the
 * ratios asked for as [numerator column, denominator column] pairs.
 */
export function cpuTable(
  columns: string[],
  rows: CpuRow[],
  runsPerColumn: number[],
  ratios: [number, number][],
): string {
  const totals = columns.map((_, c) =>
    rows.reduce((sum, row) => sum + (Number.isFinite(row.seconds[c]) ? row.seconds[c]! : 0), 0),
  )
  const ratioCells = (values: number[]) =>
    ratios.map(([a, b]) =>
      Number.isFinite(values[a]!) && values[b]! > 0 ? ratio(values[a]!, values[b]!) : '',
    )
  const perRunMs = totals.map((t, c) => (t / runsPerColumn[c]!) * 1000)
  return markdownTable(
    ['CPU seconds in the window', ...columns, ...ratios.map(([a, b]) => `${columns[a]} / ${columns[b]}`)],
    [
      ...rows.map((row) => [row.label, ...row.seconds.map(seconds), ...ratioCells(row.seconds)]),
      ['**total**', ...totals.map(seconds), ...ratioCells(totals)],
      ['**total per run, ms**', ...perRunMs.map((v) => v.toFixed(0)), ...ratioCells(perRunMs)],
    ],
  )
}
