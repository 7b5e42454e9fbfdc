import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** A value generated once and kept in the data folder, so restarts reuse the same dev API key and link secret. */
export async function persistentSecret(
  dataDir: string,
  name: string,
  prefix = '',
  bytes = 24,
): Promise<string> {
  const file = join(dataDir, name)
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim()
  const value = `${prefix}${randomBytes(bytes).toString('base64url')}`
  await writeFile(file, `${value}\n`, { mode: 0o600 })
  return value
}
