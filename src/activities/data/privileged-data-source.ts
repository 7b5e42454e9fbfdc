import { ConfigError } from '../../config.js'

/** A data source whose role can do more than read: the worker refuses to start (or a query to run) with it. */
export class PrivilegedDataSourceError extends ConfigError {
  override name = 'PrivilegedDataSourceError'
}

/** The one line that names the source, its role and the privilege; `allowed` words it as the opt-out's warning. */
export function privilegedSourceLine(
  source: string,
  role: string,
  privilege: string,
  allowed: boolean,
): string {
  const what = `data source "${source}" connects as "${role}", ${privilege}`
  if (allowed) {
    return `WARNING: ${what}; running anyway because DATA_SOURCE_ALLOW_PRIVILEGED names it. Report queries can do whatever that role can (README: Report queries and privileges).`
  }
  return `${what}; report queries need a read-only role (README: Report queries and privileges). Set DATA_SOURCE_ALLOW_PRIVILEGED=${source} to run anyway.`
}
