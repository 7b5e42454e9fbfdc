import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres.js'

describe('embedded PostgreSQL started as root', () => {
  it.runIf(process.getuid?.() === 0)(
    'explains a checkout in a directory the postgres user cannot enter, instead of crashing',
    async () => {
      const privateDir = await mkdtemp(join(tmpdir(), 'herald-private-')) // mode 700, like /root
      try {
        const start = startEmbeddedPostgres({
          dataDir: join(privateDir, 'checkout', '.herald', 'postgres'),
          port: 1,
          database: 'herald',
          persistent: false,
        })
        await expect(start).rejects.toThrow(
          `cannot enter ${privateDir} (mode 700). Run "chmod o+x ${privateDir}"`,
        )
      } finally {
        await rm(privateDir, { recursive: true, force: true })
      }
    },
  )
})
