import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'

/**
 * The closing line of `npm test`: one count over everything it ran, so a reader (or CI) sees at a glance how many
 * checks passed. Sources, each written by its own step into .herald/test-results/:
 *   vitest.json  — vitest's JSON reporter (one count per test)
 *   chaos.json   — chaos/run.ts --results (one count per fault scenario: nothing lost, nothing doubled)
 *   fuzz/*.xml   — Schemathesis' JUnit report (one count per API operation fuzzed)
 * `--reset` clears them before a run, so a step that silently did not run cannot pass on stale results.
 */

const RESULTS_DIR = resolve(import.meta.dirname, '../.herald/test-results')

interface Counts {
  passed: number
  failed: number
  skipped: number
}

async function vitestCounts(): Promise<Counts> {
  const report = JSON.parse(await readFile(join(RESULTS_DIR, 'vitest.json'), 'utf8')) as {
    numPassedTests: number
    numFailedTests: number
    numPendingTests: number
    numTodoTests: number
  }
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  }
}

async function chaosCounts(): Promise<Counts> {
  const report = JSON.parse(await readFile(join(RESULTS_DIR, 'chaos.json'), 'utf8')) as {
    scenarios: { name: string; ok: boolean }[]
  }
  const passed = report.scenarios.filter((s) => s.ok).length
  return { passed, failed: report.scenarios.length - passed, skipped: 0 }
}

async function fuzzCounts(): Promise<Counts> {
  const dir = join(RESULTS_DIR, 'fuzz')
  const files = (await readdir(dir)).filter((f) => f.endsWith('.xml'))
  if (files.length !== 1)
    throw new Error(`expected one Schemathesis JUnit report in ${dir}, found ${files.length}`)
  const xml = await readFile(join(dir, files[0]!), 'utf8')
  const suite = xml.match(/<testsuites\b[^>]*>/)?.[0] ?? ''
  const attr = (name: string) => Number(suite.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? Number.NaN)
  const [tests, failures, errors, skipped] = ['tests', 'failures', 'errors', 'skipped'].map(attr)
  if ([tests, failures, errors, skipped].some(Number.isNaN))
    throw new Error(`unreadable JUnit report ${files[0]}`)
  return { passed: tests! - failures! - errors! - skipped!, failed: failures! + errors!, skipped: skipped! }
}

async function main(): Promise<number> {
  if (process.argv.includes('--reset')) {
    await rm(RESULTS_DIR, { recursive: true, force: true })
    await mkdir(join(RESULTS_DIR, 'fuzz'), { recursive: true })
    return 0
  }
  const parts: [string, Counts][] = [
    ['vitest tests', await vitestCounts()],
    ['chaos scenarios', await chaosCounts()],
    ['fuzzed API operations', await fuzzCounts()],
  ]
  const total = parts.reduce(
    (sum, [, c]) => ({
      passed: sum.passed + c.passed,
      failed: sum.failed + c.failed,
      skipped: sum.skipped + c.skipped,
    }),
    { passed: 0, failed: 0, skipped: 0 },
  )
  // Only the last line has the "N passed, N failed" shape CI reads; the breakdown above it is a table.
  const width = Math.max(...parts.map(([what]) => what.length))
  console.log('')
  for (const [what, c] of parts)
    console.log(`  ${what.padEnd(width)}  passed ${c.passed}  failed ${c.failed}  skipped ${c.skipped}`)
  console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`)
  return total.failed === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`test-summary: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  },
)
