import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findSqlText } from './sql-text.js'

/**
 * Herald's SQL lives in src/db/, one module per table (STYLE.md, convention 10). This test reads every other
 * .ts file under src/ and fails naming file:line for SQL text: a statement in a string or template literal, a
 * postgres.js tagged template, or an `.unsafe(` call. The source is parsed with TypeScript, so comments are never
 * read and prose in them cannot trip it; in literals only SQL shapes count (`SELECT … FROM`, not a lone SELECT).
 */

const ROOT = join(import.meta.dirname, '..', '..')
const SRC = join(ROOT, 'src')
const DB = join(SRC, 'db')

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return path === DB ? [] : typeScriptFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

describe('SQL outside src/db', () => {
  it('finds SQL text in statements, tagged templates and unsafe calls', () => {
    const planted = `import type { Sql } from 'postgres'
export async function byId(db: Sql, id: string) {
  const [row] = await db\`SELECT name FROM herald.schedules WHERE id = \${id}\`
  await this.db\`DELETE FROM herald.suppressions WHERE email = \${id}\`
  await tx.unsafe(text, params)
  const statement = 'INSERT INTO herald.audit_log (actor) VALUES ($1)'
  const change = \`UPDATE herald.runs SET status = \${'sent'} WHERE id = $1\`
  const settings = 'SET LOCAL statement_timeout = 1000'
  const ddl = 'CREATE TABLE demo.regions (id int)'
  await sql\`SELECT 1\`
  return row
}`
    expect(findSqlText(planted).map((f) => f.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('leaves comments and prose alone', () => {
    const prose = `// Select the rows from the ledger, then update the state set by the workflow.
/* INSERT INTO herald.runs happens in src/db/runs.ts; DELETE FROM is never used here. */
const message = 'query must start with SELECT, WITH, VALUES or TABLE'
const reason = \`query must be read-only; "\${keyword}" is not allowed\`
const hint = 'Select a data source from the list'
const page = html\`<p>Unsubscribed from \${name}</p>\`
const regex = /\\b(insert|update|delete)\\b/i // a comment with SELECT * FROM x`
    expect(findSqlText(prose)).toEqual([])
  })

  it('no file under src/ outside src/db/ holds SQL text', () => {
    const findings = typeScriptFiles(SRC).flatMap((path) =>
      findSqlText(readFileSync(path, 'utf8'), path).map(
        (f) => `${relative(ROOT, path)}:${f.line}: ${f.what}`,
      ),
    )
    expect(findings, 'SQL belongs in src/db/, one module per table').toEqual([])
  })
})
