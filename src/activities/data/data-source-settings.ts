import { z } from 'zod'

/** The settings that name data sources, their schemas and the privileged ones allowed anyway (src/config.ts). */

const SOURCE_NAME = /^[a-z][a-z0-9_]{0,62}$/
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/** A data source: where report queries connect, and the schemas their search_path holds. */
export interface DataSourceSpec {
  url: string
  /** Undefined: `public`, PostgreSQL's own default. */
  schemas?: string[]
}

const schemaList = z.array(z.string().regex(SCHEMA_NAME)).min(1)

const postgresUrl = z
  .string()
  .trim()
  .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })

/** `{"warehouse": "postgres://…"}` or `{"warehouse": {"url": "postgres://…", "schemas": ["sales"]}}`. */
export const dataSourcesSetting = z
  .string()
  .optional()
  .transform((v, ctx): Record<string, DataSourceSpec> => {
    if (!v) return {}
    const entry = z.union([
      postgresUrl.transform((url) => ({ url })),
      z.object({ url: postgresUrl, schemas: schemaList.optional() }).strict(),
    ])
    try {
      return z.record(z.string().regex(SOURCE_NAME), entry).parse(JSON.parse(v))
    } catch {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be a JSON object {"name": "postgres://…"} or {"name": {"url": "postgres://…", "schemas": ["…"]}}',
      })
      return z.NEVER
    }
  })

/** A comma-separated list of lower-case schema names, e.g. `demo,sales`. */
export const schemaListSetting = (fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const names = (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
      if (names.length === 0) return fallback
      const bad = names.find((name) => !SCHEMA_NAME.test(name))
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not a lower-case schema name` })
        return z.NEVER
      }
      return names
    })

/** A comma-separated list of data source names. */
export const sourceNamesSetting = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const names = (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    const bad = names.find((name) => !SOURCE_NAME.test(name))
    if (bad) {
      ctx.addIssue({ code: 'custom', message: `"${bad}" is not a data source name` })
      return z.NEVER
    }
    return names
  })
