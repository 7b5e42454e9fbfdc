import type { Sql, TransactionSql } from 'postgres'

/**
 * The least-privileged login role report queries run as (README: Report queries and privileges).
 *
 * An explicit setup step, not a migration: creating a role needs CREATEROLE, which Herald's own DATABASE_URL role
 * lacks in many production databases, and the role's password must never sit in a migration file. `npm start`,
 * the test and chaos stacks, and docker-compose's one-shot `reader-role` service call it; elsewhere a DBA runs the
 * README's SQL or `node dist/db/setup-reader-role.js` once.
 */
export interface ReaderRoleOptions {
  role: string
  password: string
  /** The only schemas it may read (USAGE + SELECT, also on tables created later by the calling role). */
  schemas: string[]
  /** A per-session cap on temporary files; only a superuser may set it, so it is fixed on the role. */
  tempFileLimit?: string
  /**
   * Also revoke the advisory-lock and backend-signal functions from PUBLIC, granting them back to the calling role.
   * Only when the caller is Herald's own DATABASE_URL role on Herald's own database: any other role there loses them.
   */
  revokeFromPublic?: boolean
}

export interface ReaderRoleOutcome {
  created: boolean
  /** Requested schemas that do not exist (yet): run the setup again once they do. */
  missingSchemas: string[]
  /** Hardening steps the calling role was not allowed to take (e.g. not a superuser). */
  skipped: string[]
}

/** Predefined roles that reach files, programs or other sessions; the reader must not be a member of any. */
export const DANGEROUS_ROLES = [
  'pg_read_server_files',
  'pg_write_server_files',
  'pg_execute_server_program',
  'pg_signal_backend',
  'pg_signal_autovacuum_worker',
  'pg_read_all_data',
  'pg_write_all_data',
  'pg_read_all_stats',
  'pg_read_all_settings',
  'pg_monitor',
  'pg_checkpoint',
  'pg_maintain',
  'pg_create_subscription',
]

/**
 * Functions PUBLIC may execute that let a session act on others: session advisory locks survive the report
 * transaction's ROLLBACK and could hold the locks Herald's deliveries take; backend signals reach other report
 * queries of the same role. Revoked from PUBLIC and granted back to the calling (owner) role, when asked to.
 */
const PUBLIC_FUNCTIONS_TO_REVOKE = [
  'pg_advisory_lock(bigint)',
  'pg_advisory_lock(integer, integer)',
  'pg_advisory_lock_shared(bigint)',
  'pg_advisory_lock_shared(integer, integer)',
  'pg_try_advisory_lock(bigint)',
  'pg_try_advisory_lock(integer, integer)',
  'pg_try_advisory_lock_shared(bigint)',
  'pg_try_advisory_lock_shared(integer, integer)',
  'pg_advisory_xact_lock(bigint)',
  'pg_advisory_xact_lock(integer, integer)',
  'pg_advisory_xact_lock_shared(bigint)',
  'pg_advisory_xact_lock_shared(integer, integer)',
  'pg_try_advisory_xact_lock(bigint)',
  'pg_try_advisory_xact_lock(integer, integer)',
  'pg_try_advisory_xact_lock_shared(bigint)',
  'pg_try_advisory_xact_lock_shared(integer, integer)',
  'pg_terminate_backend(integer, bigint)',
  'pg_cancel_backend(integer)',
]

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

function ident(name: string): string {
  if (!IDENTIFIER.test(name))
    throw new Error(`not a plain lower-case SQL identifier: ${JSON.stringify(name)}`)
  return `"${name}"`
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

/** Creates or corrects the reader role; safe to run on every start. The calling role needs CREATEROLE. */
export async function ensureReaderRole(sql: Sql, options: ReaderRoleOptions): Promise<ReaderRoleOutcome> {
  const role = ident(options.role)
  const outcome: ReaderRoleOutcome = { created: false, missingSchemas: [], skipped: [] }
  await sql.begin(async (tx) => {
    // Concurrent starts (several test files, two workers) must not race on the same role.
    await tx`SELECT pg_advisory_xact_lock(hashtextextended('herald:reader-role', 0))`
    const [existing] = await tx`SELECT 1 FROM pg_roles WHERE rolname = ${options.role}`
    const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT'
    // DDL takes no bind parameters: the password is quoted as a literal here, never logged.
    const password = `PASSWORD ${literal(options.password)}`
    if (existing) {
      await tx.unsafe(`ALTER ROLE ${role} ${attributes} ${password}`)
    } else {
      await tx.unsafe(`CREATE ROLE ${role} ${attributes} ${password}`)
      outcome.created = true
    }
    const memberships = await tx<{ name: string }[]>`
      SELECT g.rolname AS name FROM pg_auth_members m
        JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
       WHERE r.rolname = ${options.role}`
    for (const { name } of memberships) {
      await optional(tx, outcome, `revoking ${name} from ${options.role}`, () =>
        tx.unsafe(`REVOKE "${name.replaceAll('"', '""')}" FROM ${role}`),
      )
    }

    const [db] = await tx<{ name: string }[]>`SELECT current_database() AS name`
    await tx.unsafe(`REVOKE CREATE ON DATABASE ${ident(db!.name)} FROM ${role}`)
    // PostgreSQL < 15 lets PUBLIC create in schema public; a reader must create nothing anywhere.
    const [publicCreate] = await tx<{ yes: boolean }[]>`
      SELECT to_regnamespace('public') IS NOT NULL AND has_schema_privilege(${options.role}, 'public', 'CREATE') AS yes`
    if (publicCreate?.yes) await tx.unsafe('REVOKE CREATE ON SCHEMA public FROM PUBLIC')
    // No USAGE on Herald's own schema, whatever was granted before.
    const [herald] = await tx<{ yes: boolean }[]>`SELECT to_regnamespace('herald') IS NOT NULL AS yes`
    if (herald?.yes) await tx.unsafe(`REVOKE ALL ON SCHEMA herald FROM ${role}`)

    for (const schema of options.schemas) {
      const [found] = await tx<{ yes: boolean }[]>`SELECT to_regnamespace(${schema}) IS NOT NULL AS yes`
      if (!found?.yes) {
        outcome.missingSchemas.push(schema)
        continue
      }
      const s = ident(schema)
      await tx.unsafe(`GRANT USAGE ON SCHEMA ${s} TO ${role}`)
      await tx.unsafe(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${role}`)
      await tx.unsafe(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${role}`)
    }

    await optional(tx, outcome, `temp_file_limit on ${options.role}`, () =>
      tx.unsafe(`ALTER ROLE ${role} SET temp_file_limit = ${literal(options.tempFileLimit ?? '1GB')}`),
    )
    if (!options.revokeFromPublic) return
    await optional(
      tx,
      outcome,
      'revoking advisory-lock and backend-signal functions from PUBLIC',
      async () => {
        for (const fn of PUBLIC_FUNCTIONS_TO_REVOKE) {
          const [exists] = await tx<{ yes: boolean }[]>`SELECT to_regprocedure(${fn}) IS NOT NULL AS yes`
          if (!exists?.yes) continue
          await tx.unsafe(`REVOKE EXECUTE ON FUNCTION ${fn} FROM PUBLIC`)
          // Herald's own role keeps them: the delivery ledger takes advisory locks.
          await tx.unsafe(`GRANT EXECUTE ON FUNCTION ${fn} TO CURRENT_USER`)
        }
      },
    )
  })
  return outcome
}

/** A hardening step that needs superuser: attempted in a savepoint, recorded as skipped when not allowed. */
async function optional(
  tx: TransactionSql,
  outcome: ReaderRoleOutcome,
  what: string,
  step: () => Promise<unknown>,
): Promise<void> {
  try {
    await tx.savepoint(step)
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error
    outcome.skipped.push(what)
  }
}

/** The URL of `databaseUrl`'s database as the reader role. */
export function readerUrl(databaseUrl: string, role: string, password: string): string {
  const url = new URL(databaseUrl)
  url.username = encodeURIComponent(role)
  url.password = encodeURIComponent(password)
  return url.toString()
}
