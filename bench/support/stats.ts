import { availableParallelism, loadavg } from 'node:os'

/** Small numeric helpers shared by the benchmarks: nearest-rank percentiles and markdown tables. */

export interface Distribution {
  count: number
  p50: number
  p95: number
  p99: number
  max: number
}

/** Nearest-rank percentile of already sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}

export function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  }
}

export function ratio(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline <= 0) return 'n/a'
  return `${(value / baseline).toFixed(2)}×`
}

export const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : 'n/a')
export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0)

export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'))
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

/** Node version, CPU count, date and the 1-minute load average: the machine is shared, so load is part of a result. */
export function machineLine(): string {
  const load = loadavg()[0]!.toFixed(1)
  return `node ${process.version}, ${availableParallelism()} CPUs, load avg ${load}, ${new Date().toISOString()}`
}
