import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * RFC 9457 problem details: the one error format of the Herald API. Handlers throw `ProblemError`; the app's
 * error handler renders it (and maps every other error to one), so no handler formats an error itself.
 */

const PROBLEM_BASE = 'https://herald.dev/problems/'

export const ProblemKind = {
  validation: { slug: 'validation', title: 'Request validation failed', status: 422 },
  malformedRequest: { slug: 'malformed-request', title: 'Malformed request', status: 400 },
  unauthorized: { slug: 'unauthorized', title: 'Authentication required', status: 401 },
  forbidden: { slug: 'forbidden', title: 'Forbidden', status: 403 },
  notFound: { slug: 'not-found', title: 'Resource not found', status: 404 },
  conflict: { slug: 'conflict', title: 'Conflict', status: 409 },
  gone: { slug: 'gone', title: 'Gone', status: 410 },
  idempotencyConflict: { slug: 'idempotency-key-reused', title: 'Idempotency key reused', status: 409 },
  scheduleNotRunning: {
    slug: 'schedule-not-running',
    title: 'Schedule workflow is not running',
    status: 409,
  },
  payloadTooLarge: { slug: 'payload-too-large', title: 'Payload too large', status: 413 },
  unsupportedMediaType: { slug: 'unsupported-media-type', title: 'Unsupported media type', status: 415 },
  queryRejected: { slug: 'query-rejected', title: 'Report query rejected', status: 422 },
  rateLimited: { slug: 'rate-limited', title: 'Too many requests', status: 429 },
  internal: { slug: 'internal', title: 'Internal server error', status: 500 },
  smtpUnavailable: { slug: 'smtp-unavailable', title: 'SMTP server unavailable', status: 502 },
  destinationUnavailable: {
    slug: 'destination-unavailable',
    title: 'Destination rejected or unreachable',
    status: 502,
  },
  temporalUnavailable: { slug: 'temporal-unavailable', title: 'Temporal unavailable', status: 503 },
  workerUnavailable: { slug: 'worker-unavailable', title: 'No worker answered', status: 503 },
  databaseUnavailable: { slug: 'database-unavailable', title: 'Database unavailable', status: 503 },
} as const satisfies Record<string, { slug: string; title: string; status: ContentfulStatusCode }>

export type ProblemKindName = keyof typeof ProblemKind

export const problemTypeUri = (kind: ProblemKindName) => `${PROBLEM_BASE}${ProblemKind[kind].slug}`

export interface FieldError {
  path: string
  message: string
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  errors?: FieldError[]
  requestId?: string
}

export class ProblemError extends Error {
  override name = 'ProblemError'
  constructor(
    readonly kind: ProblemKindName,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail)
  }
}

export const notFound = (what: string) => new ProblemError('notFound', `${what} was not found`)

export const validationFailed = (errors: FieldError[], detail?: string) =>
  new ProblemError(
    'validation',
    detail ?? errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; '),
    {
      errors,
    },
  )

/** Zod issues as `{ path, message }`, with the path in dotted form (`recipients.to.0`). */
export function fieldErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): FieldError[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }))
}

export function problemResponse(
  c: Context,
  kind: ProblemKindName,
  detail: string,
  options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  const { status, title } = ProblemKind[kind]
  const requestId = c.get('requestId') as string | undefined
  const body: Problem = {
    type: problemTypeUri(kind),
    title,
    status,
    detail,
    instance: new URL(c.req.url).pathname,
    ...(options.errors ? { errors: options.errors } : {}),
    ...(requestId ? { requestId } : {}),
  }
  return c.body(JSON.stringify(body), status, {
    ...options.headers,
    'Content-Type': 'application/problem+json',
  })
}

export const problemSchema = z
  .object({
    type: z.url().openapi({ example: problemTypeUri('notFound') }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'Failing fields, for validation problems' }),
  })
  .openapi('Problem')

const problemContent = { 'application/problem+json': { schema: problemSchema } }

const problemDescriptions = {
  400: 'Malformed request (e.g. invalid JSON)',
  401: 'Missing or invalid API key',
  403: 'The API key lacks the scope the operation declares (`x-herald-scope`), or a signed link is invalid',
  404: 'Not found',
  409: 'Conflict',
  410: 'Gone: the file expired and was (or is about to be) deleted',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Validation failed; `errors` lists the failing fields',
  429: 'Rate limit exceeded; see Retry-After',
  500: 'Unexpected error (no details are exposed)',
  502: 'SMTP server or destination rejected or unreachable',
  503: 'Temporal, a worker or the database is unavailable; see Retry-After',
} as const

type ProblemStatus = keyof typeof problemDescriptions

/** OpenAPI response entries for the given problem statuses. */
export function problemResponses<const S extends ProblemStatus[]>(...statuses: S) {
  const entries = statuses.map((s) => [s, { description: problemDescriptions[s], content: problemContent }])
  return Object.fromEntries(entries) as {
    [K in S[number]]: { description: string; content: typeof problemContent }
  }
}

/** The problems any authenticated route can answer with. */
export const protectedProblems = () => problemResponses(401, 403, 429, 500, 503)
