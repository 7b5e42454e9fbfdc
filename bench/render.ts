import { execFile } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { benchRow, type Measurement } from './render-data.js'

/**
 * Render benchmark: for each format, the raw library and Herald's renderer each run in their own child process
 * (so peak RSS is per render) on the same data, one after the other.
 *
 *   npx tsx bench/render.ts [--format xlsx|pdf|all] [--rows N]
 *
 * Defaults: XLSX 1,000,000 rows × 10 typed columns, PDF 50,000 rows.
 */
const run = promisify(execFile)
const CHILD = fileURLToPath(new URL('./render-child.ts', import.meta.url))
const DEFAULT_ROWS = { xlsx: 1_000_000, pdf: 50_000 }

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? undefined : process.argv[index + 1]
}

async function writeRows(path: string, rows: number) {
  const out = createWriteStream(path)
  let chunk = ''
  for (let i = 0; i < rows; i++) {
    chunk += `${JSON.stringify(benchRow(i))}\n`
    if (chunk.length > 1 << 20 || i === rows - 1) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
      chunk = ''
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  )
}

async function child(kind: 'baseline' | 'herald', format: 'xlsx' | 'pdf', rows: number, dir: string) {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', CHILD, kind, format, String(rows), dir],
    {
      maxBuffer: 1 << 20,
    },
  )
  return JSON.parse(stdout.trim().split('\n').pop()!) as Measurement
}

function table(results: [Measurement, Measurement][]): string {
  const lines = [
    '| renderer | rows | wall s | CPU s | rows/s | peak RSS MB | longest stall ms | output MB | time vs raw | CPU vs raw | rows/s vs raw |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const [raw, herald] of results) {
    for (const m of [raw, herald]) {
      const ratio = m === raw ? '1.00×' : `${(herald.wallMs / raw.wallMs).toFixed(2)}×`
      const cpu = m === raw ? '1.00×' : `${(herald.cpuMs / raw.cpuMs).toFixed(2)}×`
      const speed = m === raw ? '1.00×' : `${(raw.wallMs / herald.wallMs).toFixed(2)}×`
      lines.push(
        `| ${m.label} | ${m.rows.toLocaleString('en-US')} | ${(m.wallMs / 1000).toFixed(1)} | ${(m.cpuMs / 1000).toFixed(1)} | ` +
          `${Math.round(m.rows / (m.wallMs / 1000)).toLocaleString('en-US')} | ${m.peakRssMb.toFixed(0)} | ` +
          `${m.maxStallMs.toFixed(0)} | ${(m.bytes / 1e6).toFixed(1)} | ${ratio} | ${cpu} | ${speed} |`,
      )
    }
  }
  return lines.join('\n')
}

const format = option('format') ?? 'all'
const formats = format === 'all' ? (['xlsx', 'pdf'] as const) : [format as 'xlsx' | 'pdf']
const root = await mkdtemp(join(tmpdir(), 'herald-bench-'))
try {
  const results: [Measurement, Measurement][] = []
  for (const f of formats) {
    const rows = Number(option('rows') ?? DEFAULT_ROWS[f])
    const dir = join(root, f)
    await mkdir(dir)
    await writeRows(join(dir, 'rows.ndjson'), rows)
    const raw = await child('baseline', f, rows, dir)
    const herald = await child('herald', f, rows, dir)
    results.push([raw, herald])
    console.error(`${f}: done`)
  }
  console.log(`Node ${process.version}, ${process.platform}/${process.arch}\n`)
  console.log(table(results))
} finally {
  await rm(root, { recursive: true, force: true })
}
