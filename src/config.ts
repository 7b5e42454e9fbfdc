import { join, resolve } from 'node:path'
import { z } from 'zod'
import {
  dataSourcesSetting,
  schemaListSetting,
  sourceNamesSetting,
} from './activities/data/data-source-settings.js'
import { DEFAULT_ARTIFACT_RETENTION_DAYS, MAX_RETENTION_DAYS } from './domain/retention.js'
import { parseApiKeys } from './security/api-keys.js'
import { parsePayloadKeys } from './security/payload-keys.js'

/** Every setting Herald reads, parsed once at start-up. A bad value stops the process with its variable name. */
const optionalUrl = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional()

export const configSchema = z.object({
  DATABASE_URL: optionalUrl.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// or postgresql:// URL',
  }),
  DATA_SOURCES: dataSourcesSetting,
  /** The `default` data source; unset, it is DATABASE_URL and the privilege check at worker start decides. */
  DEFAULT_DATA_SOURCE_URL: optionalUrl.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'must be a postgres:// or postgresql:// URL',
  }),
  /** Schemas the `default` source's reader role may read; also its queries' search_path. */
  REPORT_SCHEMAS: schemaListSetting(['demo']),
  /** Data sources allowed to connect as a privileged role anyway (warned about at every start). */
  DATA_SOURCE_ALLOW_PRIVILEGED: sourceNamesSetting,
  TEMPORAL_ADDRESS: optionalUrl,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('herald'),
  TEMPORAL_TLS: z
    .enum(['true', 'false', ''])
    .optional()
    .transform((v) => v === 'true'),
  TEMPORAL_TLS_CERT_PATH: optionalUrl,
  TEMPORAL_TLS_KEY_PATH: optionalUrl,
  TEMPORAL_API_KEY: optionalUrl,
  TEMPORAL_UI_URL: optionalUrl,
  TEMPORAL_CLI_PATH: optionalUrl,
  /** `keyId:base64key,…`: the first key encrypts Temporal payloads, every key decrypts (src/security/payload-keys.ts). */
  PAYLOAD_ENCRYPTION_KEYS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const { keys, problems } = parsePayloadKeys(v)
      for (const message of problems) ctx.addIssue({ code: 'custom', message })
      return keys
    }),
  /** Browser origins that may call the codec endpoint (the Temporal UI); default: the origin of TEMPORAL_UI_URL. */
  CODEC_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const origins: string[] = []
      for (const entry of (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean)) {
        const url = URL.canParse(entry) ? new URL(entry) : undefined
        if (url && /^https?:$/.test(url.protocol)) origins.push(url.origin)
        else
          ctx.addIssue({
            code: 'custom',
            message: `"${entry}" is not an http(s) origin like http://localhost:8233`,
          })
      }
      return origins
    }),
  /** `api-key`: the codec endpoint needs an admin key. `local-ui`: npm start's dev UI (loopback, allowed origin) needs none. */
  CODEC_AUTH: z.enum(['api-key', 'local-ui']).default('api-key'),
  TEMPORAL_TEST_SERVER_PATH: optionalUrl,
  /** Where Herald installs the Temporal binaries it could not find (src/dev/temporal-binary.ts). */
  HERALD_TOOLS_DIR: optionalUrl,
  HERALD_PYTHON: z.string().trim().min(1).default('python3'),
  SMTP_URL: optionalUrl.refine((v) => v === undefined || /^smtps?:\/\/[^/]+/.test(v), {
    message: 'must look like smtp://user:pass@host:port or smtps://user:pass@host:port',
  }),
  MAIL_FROM: z.string().min(3).default('Herald Reports <reports@herald.localhost>'),
  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** `read:key,write:key,admin:key`; a key without a scope is admin (src/security/api-keys.ts). */
  API_KEYS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const { keys, problems } = parseApiKeys(v)
      for (const message of problems) ctx.addIssue({ code: 'custom', message })
      return keys
    }),
  PUBLIC_URL: optionalUrl.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be an http:// or https:// URL',
  }),
  HERALD_SECRET: optionalUrl.refine((v) => v === undefined || v.length >= 16, {
    message: 'must be at least 16 characters',
  }),
  HERALD_DATA_DIR: z.string().min(1).default('.herald'),
  /** Ports of the servers `npm start` embeds (src/dev/start.ts), each movable when another program holds it. */
  DEV_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  DEV_TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  DEV_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
  DEV_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
  DEV_INBOX_PORT: z.coerce.number().int().min(1).max(65535).default(1080),
  ARTIFACT_DIR: optionalUrl,
  MAX_ATTACHMENT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(25 * 1024 * 1024),
  MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(100 * 1024 * 1024),
  /** Days query results and rendered files are kept (a schedule may set its own artifactRetentionDays). */
  ARTIFACT_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_RETENTION_DAYS)
    .default(DEFAULT_ARTIFACT_RETENTION_DAYS),
  /**
   * Days runs, their delivery ledger rows and audit entries are kept: a year and a month by default, so last year's
   * run of a yearly report is still there to compare with. At least 8: the ledger must outlive every tick that may
   * still run (catch-up reaches 7 days back, a run lasts at most a day).
   */
  RECORD_RETENTION_DAYS: z.coerce.number().int().min(8).max(MAX_RETENTION_DAYS).default(400),
  /** Minutes between two cleanup passes of the retention workflow (herald-maintenance/retention). */
  RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  QUERY_MAX_ROWS: z.coerce.number().int().positive().default(1_000_000),
  QUERY_TIMEOUT_MS: z.coerce.number().int().positive().default(60_000),
  /** Connections reserved for per-delivery locks: deliveries beyond this many at once wait for one. */
  DELIVERY_LOCK_CONNECTIONS: z.coerce.number().int().positive().default(10),
  /** Unset: sized from the worker's heap limit (src/temporal/workflow-cache-size.ts). */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().positive().optional(),
  /** Port of the worker's Prometheus `/metrics` (Herald's and the SDK's); unset, the worker opens no port. */
  WORKER_METRICS_PORT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number().int().min(0).max(65535).optional(),
  ),
  /** OTLP/HTTP collector base URL (`/v1/traces` is appended); set, Herald exports traces (docs/OBSERVABILITY.md). */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl.refine((v) => v === undefined || /^https?:\/\//.test(v), {
    message: 'must be an http:// or https:// URL, e.g. http://otel-collector:4318',
  }),
  /** Slack, Teams and webhook destinations may use plain http:// URLs (local receivers); off: https only. */
  DESTINATION_ALLOW_HTTP: z
    .enum(['true', 'false', ''])
    .optional()
    .transform((v) => v === 'true'),
  /** Destinations may resolve to private, loopback or unique-local addresses; off, the worker reaches only public ones. */
  DESTINATION_ALLOW_PRIVATE_ADDRESSES: z
    .enum(['true', 'false', ''])
    .optional()
    .transform((v) => v === 'true'),
  /** How long one request to a destination may take before it is retried (with the same idempotency key). */
  DESTINATION_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Slack's Web API, for bot-token destinations; only a test points it elsewhere. */
  SLACK_API_URL: z
    .string()
    .trim()
    .default('https://slack.com/api/')
    .refine((v) => /^https?:\/\/[^/]+/.test(v), {
      message: 'must be an http(s) URL like https://slack.com/api/',
    }),
  /** The API refuses crons that fire more often than this (0: any rhythm); each tick is a run and a mail. */
  MIN_TICK_SECONDS: z.coerce.number().int().min(0).default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export type Config = z.infer<typeof configSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`)
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}

/** Where rendered files live: the worker writes them, the API serves them through signed links. */
export function artifactDir(config: Config): string {
  return resolve(config.ARTIFACT_DIR ?? join(config.HERALD_DATA_DIR, 'artifacts'))
}
