import type { Sql } from 'postgres'

/** Predefined roles whose members reach server files, programs or other sessions, or write any table. */
const REFUSED_ROLES = [
  'pg_read_server_files',
  'pg_write_server_files',
  'pg_execute_server_program',
  'pg_signal_backend',
  'pg_write_all_data',
]

export interface DataSourcePrivileges {
  role: string
  /** What makes the role unfit for report queries, worst first; empty for a read-only role. */
  findings: string[]
}

/**
 * What the connected role may do beyond reading: superuser and role attributes, membership in the server-file,
 * program and signal roles, INSERT/UPDATE/DELETE/TRUNCATE on any table it can reach, CREATE on any schema or on
 * the database, and any access to Herald's own schema.
 */
export async function inspectDataSourcePrivileges(sql: Sql): Promise<DataSourcePrivileges> {
  const [who] = await sql<
    {
      role: string
      superuser: boolean
      createrole: boolean
      replication: boolean
      bypassrls: boolean
      database: string
      dbCreate: boolean
      heraldUsage: boolean
    }[]
  >`
    SELECT current_user AS role, r.rolsuper AS superuser, r.rolcreaterole AS createrole,
           r.rolreplication AS replication, r.rolbypassrls AS bypassrls,
           current_database() AS database,
           has_database_privilege(current_database(), 'CREATE') AS "dbCreate",
           to_regnamespace('herald') IS NOT NULL AND has_schema_privilege('herald', 'USAGE') AS "heraldUsage"
      FROM pg_roles r WHERE r.rolname = current_user`
  if (!who) throw new Error('could not read the current role from pg_roles')
  const findings: string[] = []
  if (who.superuser) findings.push('a superuser')
  if (who.createrole) findings.push('a role with CREATEROLE')
  if (who.replication) findings.push('a role with REPLICATION')
  if (who.bypassrls) findings.push('a role with BYPASSRLS')

  const members = await sql<{ name: string }[]>`
    SELECT rolname AS name FROM pg_roles
     WHERE rolname = ANY(${REFUSED_ROLES}::text[]) AND pg_has_role(current_user, oid, 'MEMBER')
     ORDER BY array_position(${REFUSED_ROLES}::text[], rolname::text)`
  for (const { name } of members) findings.push(`a member of ${name}`)

  const writes = await sql<{ table: string; privilege: string }[]>`
    SELECT format('%I.%I', n.nspname, c.relname) AS table, p.privilege
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p(privilege)
     WHERE c.relkind IN ('r', 'p', 'v', 'f')
       -- PUBLIC may UPDATE pg_settings (it is SET); catalogs are otherwise writable by superusers only.
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast%'
       AND has_schema_privilege(n.oid, 'USAGE')
       AND has_table_privilege(c.oid, p.privilege)
     ORDER BY n.nspname, c.relname
     LIMIT 1`
  const [write] = writes
  if (write) findings.push(`a role with ${write.privilege} on ${write.table}`)

  const creates = await sql<{ schema: string }[]>`
    SELECT nspname AS schema FROM pg_namespace
     WHERE nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast%'
       AND has_schema_privilege(oid, 'CREATE')
     ORDER BY nspname LIMIT 1`
  const [create] = creates
  if (create) findings.push(`a role with CREATE on schema ${create.schema}`)
  if (who.dbCreate) findings.push(`a role with CREATE on database ${who.database}`)
  if (who.heraldUsage) findings.push("a role that can read Herald's own schema herald")
  return { role: who.role, findings }
}
