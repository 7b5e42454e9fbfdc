import { readFileSync } from 'node:fs'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

interface LockedPackage {
  version?: string
  optional?: boolean
  engines?: { node?: string }
}

const root = new URL('../../', import.meta.url)
const readJson = (file: string) => JSON.parse(readFileSync(new URL(file, root), 'utf8'))
const declared: string = readJson('package.json').engines.node
const locked: Record<string, LockedPackage> = readJson('package-lock.json').packages

// npm prints EBADENGINE for every installed package whose `engines` excludes the running Node, so
// `npm install` stays quiet on every Node that package.json declares only if each package accepts all of them.
describe('engines', () => {
  it('every locked package supports every Node version package.json declares', () => {
    const unsupported = Object.entries(locked)
      // Optional packages are platform bindings npm skips where they do not fit.
      .filter(([path, pkg]) => path !== '' && !pkg.optional && pkg.engines?.node !== undefined)
      .filter(([, pkg]) => !semver.subset(declared, pkg.engines?.node ?? '*'))
      .map(
        ([path, pkg]) =>
          `${path.replace(/^.*node_modules\//, '')}@${pkg.version} needs node ${pkg.engines?.node}`,
      )
    expect(unsupported).toEqual([])
  })

  it('this Node is one package.json declares', () => {
    expect(semver.satisfies(process.version, declared), `${process.version} vs ${declared}`).toBe(true)
  })
})
