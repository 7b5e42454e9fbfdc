import { z } from 'zod'
import { conditionSchema } from './conditions.js'
import { cronError, isValidTimezone } from './cron.js'
import { destinationIdSchema } from './destination.js'
import { emailAddress } from './email-address.js'
import { escalationPolicySchema } from './escalation.js'
import { MAX_RETENTION_DAYS } from './retention.js'

/**
 * The one definition of a report schedule. The API validates requests with it, the workflow receives it as
 * input and validates updates with it, and the OpenAPI document is generated from it.
 */

const NO_LINE_BREAKS = /^[^\r\n]*$/
const noLineBreaks = (what: string) => ({ message: `${what} must not contain line breaks` })

export { emailAddress }

export const cronExpression = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .superRefine((value, ctx) => {
    const error = cronError(value)
    if (error) ctx.addIssue({ code: 'custom', message: `invalid cron expression: ${error}` })
  })

export const timezoneName = z
  .string()
  .min(1)
  .max(64)
  .refine(isValidTimezone, { message: 'must be an IANA timezone such as Europe/Berlin' })

const HEADER_NAME = /^X-[A-Za-z0-9-]{1,60}$/
const scalarParam = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()])

export const querySchema = z.object({
  dataSource: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/)
    .default('default'),
  sql: z
    .string()
    .min(1)
    .max(100_000)
    .superRefine((sql, ctx) => {
      const reason = unsafeSqlReason(sql)
      if (reason) ctx.addIssue({ code: 'custom', message: reason })
    }),
  params: z.record(z.string().regex(/^[a-z_][a-z0-9_]*$/i), scalarParam).default({}),
  maxRows: z.number().int().positive().optional(),
  timeoutSeconds: z.number().int().min(1).max(3600).optional(),
})

export const recipientsSchema = z.object({
  to: z.array(emailAddress).max(1000).default([]),
  cc: z.array(emailAddress).max(1000).default([]),
  bcc: z.array(emailAddress).max(1000).default([]),
  lists: z.array(z.string().min(1).max(100)).max(50).default([]),
})

/** Whether anyone is mailed: a schedule may instead post only to destinations (Slack, Teams, webhooks). */
export const mailsAnyone = (r: z.infer<typeof recipientsSchema>) =>
  r.to.length + r.cc.length + r.bcc.length + r.lists.length > 0

export const reportFormatSchema = z.enum(['pdf', 'xlsx', 'csv'])
export type ReportFormat = z.infer<typeof reportFormatSchema>

export const DEFAULT_MAIL_SUBJECT = '{{schedule}}: {{row_count}} rows'

export const mailSchema = z.object({
  subject: z
    .string()
    .min(1)
    .max(998)
    .regex(NO_LINE_BREAKS, noLineBreaks('subject'))
    .default(DEFAULT_MAIL_SUBJECT),
  body: z.string().max(50_000).optional(),
  replyTo: emailAddress.optional(),
  priority: z.enum(['high', 'normal', 'low']).default('normal'),
  headers: z
    .record(
      z.string().regex(HEADER_NAME, { message: 'custom headers must be named X-…' }),
      z.string().max(998).regex(NO_LINE_BREAKS, noLineBreaks('header value')),
    )
    .default({}),
  inlineRows: z.number().int().min(0).max(200).default(0),
})

export const scheduleSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(200).regex(NO_LINE_BREAKS, noLineBreaks('name')),
    description: z.string().max(2000).optional(),
    cron: cronExpression,
    timezone: timezoneName.default('UTC'),
    startAt: z.iso.datetime({ offset: true }).optional(),
    endAt: z.iso.datetime({ offset: true }).optional(),
    jitterSeconds: z.number().int().min(0).max(3600).default(0),
    query: querySchema,
    formats: z.array(reportFormatSchema).max(3).default(['pdf', 'xlsx']),
    csvBom: z.boolean().default(false),
    // `{}` for a schedule that only posts to destinations.
    recipients: recipientsSchema,
    owners: z.array(emailAddress).max(50).default([]),
    // Every mail field has a default, so a schedule needs no `mail` at all.
    mail: mailSchema.default({
      subject: DEFAULT_MAIL_SUBJECT,
      priority: 'normal',
      headers: {},
      inlineRows: 0,
    }),
    condition: conditionSchema.default({ type: 'always' }),
    renotifyGraceMinutes: z.number().int().min(0).max(525_600).default(0),
    overlap: z.enum(['skip', 'bufferOne', 'allow']).default('bufferOne'),
    catchup: z
      .object({
        windowMinutes: z.number().int().min(0).max(10_080).default(60),
        mode: z.enum(['latest', 'all']).default('latest'),
      })
      .default({ windowMinutes: 60, mode: 'latest' }),
    dataReady: z
      .object({
        dataset: z.string().min(1).max(200),
        deadlineMinutes: z.number().int().min(1).max(10_080),
        onTimeout: z.enum(['run', 'fail']).default('fail'),
      })
      .optional(),
    runTimeoutMinutes: z.number().int().min(1).max(1440).default(30),
    notifyOwnersOnFailure: z.boolean().default(true),
    /** Slack, Teams and webhook destinations by id (POST /destinations); their secrets never enter the workflow. */
    destinations: z
      .array(destinationIdSchema)
      .max(20)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'a destination may be named only once' })
      .default([]),
    /** Who is told when runs keep failing (or alerting), step by step (src/domain/escalation.ts). */
    escalation: escalationPolicySchema.optional(),
    /** Days this schedule's files (query results, rendered reports) are kept; unset: ARTIFACT_RETENTION_DAYS. */
    artifactRetentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).optional(),
  })
  .refine((s) => !s.startAt || !s.endAt || Date.parse(s.startAt) < Date.parse(s.endAt), {
    message: 'endAt must be after startAt',
    path: ['endAt'],
  })
  .refine((s) => mailsAnyone(s.recipients) || s.destinations.length > 0, {
    message: 'at least one recipient, distribution list or destination is required',
    path: ['recipients'],
  })

export type ScheduleSpec = z.infer<typeof scheduleSpecSchema>
export type ScheduleSpecInput = z.input<typeof scheduleSpecSchema>

const WRITE_KEYWORDS =
  /\b(insert|update|delete|merge|truncate|drop|alter|create|grant|revoke|copy|vacuum|reindex|call|execute|refresh)\b/i

/** Static check at the edge; the query still runs in a READ ONLY transaction, which is the real guard. */
export function unsafeSqlReason(sql: string): string | undefined {
  const code = stripSqlLiterals(sql).trim().replace(/;\s*$/, '')
  if (code.includes(';')) return 'query must be a single statement (no ";")'
  if (!/^(select|with|values|table)\b/i.test(code))
    return 'query must start with SELECT, WITH, VALUES or TABLE'
  const keyword = WRITE_KEYWORDS.exec(code)
  if (keyword) return `query must be read-only; "${keyword[1]!.toUpperCase()}" is not allowed`
  return undefined
}

/** Removes comments, quoted strings and quoted identifiers so keyword checks only see SQL code. */
export function stripSqlLiterals(sql: string): string {
  return sql
    .replace(/\$([a-z_]*)\$[\s\S]*?\$\1\$/gi, "''")
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""')
}
