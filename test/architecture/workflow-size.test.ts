import { readdir, readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { expect, it } from 'vitest'

/** Workflow files read as the process; details belong in src/domain (pure) or in a focused helper beside them. */
const MAX_LINES = 250
const dir = resolve(import.meta.dirname, '../../src/workflows')

it(`keeps every file in src/workflows under ${MAX_LINES} lines`, async () => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'))
  expect(files.length).toBeGreaterThan(5)
  const sizes = await Promise.all(
    files.map(async (f) => [f, (await readFile(resolve(dir, f), 'utf8')).split('\n').length] as const),
  )
  expect(sizes.filter(([, lines]) => lines > MAX_LINES)).toEqual([])
})
