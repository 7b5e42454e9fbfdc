import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Sql } from 'postgres'

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url))
// Any constant works; it only has to be the same for every Herald process so migrations never run twice at once.
const MIGRATION_LOCK = 4_247_001

/** Applies pending `migrations/NNN_name.sql` files in order, each in its own transaction, once. */
export async function migrate(sql: Sql): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_.+\.sql$/.test(f)).sort()
  const applied: string[] = []
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
    await tx`CREATE TABLE IF NOT EXISTS public.herald_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`
    const done = new Set(
      (await tx<{ name: string }[]>`SELECT name FROM public.herald_migrations`).map((r) => r.name),
    )
    for (const file of files) {
      if (done.has(file)) continue
      await tx.unsafe(await readFile(MIGRATIONS_DIR + file, 'utf8'))
      await tx`INSERT INTO public.herald_migrations (name) VALUES (${file})`
      applied.push(file)
    }
  })
  return applied
}
