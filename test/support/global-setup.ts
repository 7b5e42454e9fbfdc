import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { connectDatabase } from '../../src/db/client.js'
import { seedDemoData } from '../../src/db/demo.js'
import { migrate } from '../../src/db/migrate.js'
import { ensureReaderRole, readerUrl } from '../../src/db/reader-role.js'
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres.js'
import { temporalCliPath, testServerPath } from '../../src/dev/temporal-binary.js'
import { freePort } from './ports.js'
import { TEST_READER_PASSWORD, TEST_READER_ROLE } from './reader-role.js'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    /** The same database as the least-privileged reader role report queries run as (src/db/reader-role.ts). */
    readerDatabaseUrl: string
  }
}

/**
 * One real PostgreSQL for the whole run, migrated and seeded with the demo data. The Temporal binaries are found (or
 * installed) once here, before the workers fork: they inherit the paths, so parallel test files never install.
 */
export default async function setup(project: TestProject) {
  const [cli, testServer] = await Promise.all([temporalCliPath(), testServerPath()])
  process.env.TEMPORAL_CLI_PATH = cli
  process.env.TEMPORAL_TEST_SERVER_PATH = testServer
  // Under the OS temp dir so the `postgres` user (used when running as root) can reach it.
  const dir = await mkdtemp(join(tmpdir(), 'herald-test-pg-'))
  await chmod(dir, 0o755)
  const pg = await startEmbeddedPostgres({
    dataDir: join(dir, 'data'),
    port: await freePort(),
    database: 'herald_test',
    persistent: false,
  })
  const sql = connectDatabase(pg.url)
  await migrate(sql)
  await seedDemoData(sql)
  await ensureReaderRole(sql, {
    role: TEST_READER_ROLE,
    password: TEST_READER_PASSWORD,
    schemas: ['demo'],
    revokeFromPublic: true,
  })
  await sql.end()
  project.provide('databaseUrl', pg.url)
  project.provide('readerDatabaseUrl', readerUrl(pg.url, TEST_READER_ROLE, TEST_READER_PASSWORD))
  return async () => {
    await pg.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
