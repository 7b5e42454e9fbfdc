import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files run two at a time; each starts its own Temporal test server.
    maxWorkers: 2,
    pool: 'forks',
    // The JSON report feeds the closing line of `npm test` (scripts/test-summary.ts).
    reporters: ['default', 'json'],
    outputFile: { json: '.herald/test-results/vitest.json' },
  },
})
