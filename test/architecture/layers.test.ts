import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

/** The layering of src/ (docs/ARCHITECTURE.md), checked by dependency-cruiser with the repository's rules. */

const root = resolve(import.meta.dirname, '../..')
const depcruise = resolve(root, 'node_modules/.bin/depcruise')
const config = resolve(root, '.dependency-cruiser.cjs')

interface Violation {
  from: string
  to: string
  rule: { name: string }
  cycle?: { name: string }[]
}

async function violations(cwd: string): Promise<Violation[]> {
  // Exit code 1 means "violations found"; the JSON is on stdout either way.
  const run = promisify(execFile)(depcruise, ['src', '--config', config, '--output-type', 'json'], {
    cwd,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }))
  const { stdout } = await run
  return JSON.parse(stdout).summary.violations
}

const describeViolation = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.to}`

describe('layering of src/', () => {
  it('has no import cycle between top-level folders and keeps every layer rule', async () => {
    expect((await violations(root)).map(describeViolation)).toEqual([])
  }, 120_000)

  it('catches each kind of violation (a fixture tree that breaks every rule once)', async () => {
    const found = (await violations(resolve(root, 'test/fixtures/layering'))).map(describeViolation).sort()
    expect(found).toEqual(
      expect.arrayContaining([
        'domain-is-pure: src/domain/plan.ts → src/db/runs.ts',
        'api-imports-no-activities: src/api/cycle.ts → src/activities/render.ts',
        'workflows-import-no-activities-at-runtime: src/workflows/run.ts → src/activities/render.ts',
        'workflows-stay-deterministic: src/workflows/clock.ts → timers/promises',
        'db-serves-everyone: src/db/runs.ts → src/api/cycle.ts',
      ]),
    )
    expect(found.some((v) => v.startsWith('no-cycle-between-folders: '))).toBe(true)
    // A type-only import of an activity is allowed: only the runtime import above is reported.
    expect(found.filter((v) => v.startsWith('workflows-import-no-activities-at-runtime'))).toHaveLength(1)
  }, 120_000)
})
