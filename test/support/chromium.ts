import { accessSync, constants } from 'node:fs'
import which from 'which'

/**
 * The system's Chromium for browser tests: Playwright's own browser download needs the internet, so playwright-core
 * drives Debian's `chromium` package (or whatever CHROMIUM_PATH names) instead.
 */
export const INSTALL_CHROMIUM_HINT =
  'install Debian/Ubuntu chromium (`sudo apt-get install chromium`) or set CHROMIUM_PATH to a Chromium executable'

export type ChromiumLookup = { found: true; path: string } | { found: false; reason: string }

export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const configured = env.CHROMIUM_PATH
  if (configured) {
    try {
      accessSync(configured, constants.X_OK)
      return { found: true, path: configured }
    } catch {
      return { found: false, reason: `CHROMIUM_PATH=${configured} is not an executable file` }
    }
  }
  const onPath = which.sync('chromium', { nothrow: true })
  return onPath ? { found: true, path: onPath } : { found: false, reason: 'no `chromium` on PATH' }
}

/** On CI (and in `.ci/run`, HERALD_REQUIRE_BROWSER=1) a missing browser fails the test instead of skipping it. */
export function browserRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0'
  return ci || env.HERALD_REQUIRE_BROWSER === '1'
}
