import {
  isGrpcDeadlineError,
  isGrpcServiceError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client'
import { ApplicationFailure, TimeoutFailure } from '@temporalio/common'
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { NON_RETRYABLE_ERROR_TYPES } from '../domain/errors.js'
import { ProblemError, type ProblemKindName, problemResponse } from './problems.js'

/** The one mapping from any thrown error to a problem+json response. Stack traces never leave the process. */

const RETRY_AFTER_SECONDS = '5'
// gRPC status codes (not importing @grpc/grpc-js, which is only a transitive dependency).
const GRPC_UNAVAILABLE = 14
const GRPC_RESOURCE_EXHAUSTED = 8
const INVALID_SCHEDULE = 'InvalidSchedule'
const DB_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
])

interface Mapped {
  kind: ProblemKindName
  detail: string
  headers?: Record<string, string>
  errors?: { path: string; message: string }[]
}

function* causes(err: unknown): Generator<unknown> {
  const seen = new Set<unknown>()
  let current = err
  while (current && !seen.has(current)) {
    seen.add(current)
    yield current
    current = (current as { cause?: unknown }).cause
  }
}

function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && (DB_CONNECTION_CODES.has(code) || code.startsWith('08'))) return true
  }
  return false
}

/** PostgreSQL class 22 (data exception): a value from the request the database cannot store or compare, e.g. a NUL byte. */
function isRejectedValue(err: unknown): boolean {
  return [...causes(err)].some((e) => {
    const code = (e as { code?: unknown; name?: unknown }).code
    return (
      (e as { name?: unknown }).name === 'PostgresError' && typeof code === 'string' && code.startsWith('22')
    )
  })
}

function isTemporalUnavailable(err: unknown): boolean {
  for (const e of causes(err)) {
    if (isGrpcServiceError(e) && (e.code === GRPC_UNAVAILABLE || e.code === GRPC_RESOURCE_EXHAUSTED))
      return true
    if (e instanceof ServiceError && /connect/i.test(e.message)) return true
  }
  return false
}

function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  for (const e of causes(err)) if (e instanceof ApplicationFailure) return e
  return undefined
}

/** The workflow's validator attaches `[{ path, message }]` as the failure's first detail. */
function invalidScheduleErrors(failure: ApplicationFailure): { path: string; message: string }[] {
  const [first] = failure.details ?? []
  const valid =
    Array.isArray(first) && first.every((e) => typeof e?.path === 'string' && typeof e?.message === 'string')
  return valid
    ? first.map((e: { path: string; message: string }) => ({ path: e.path, message: e.message }))
    : [{ path: '', message: failure.message }]
}

const unavailable = (kind: ProblemKindName, detail: string): Mapped => ({
  kind,
  detail,
  headers: { 'Retry-After': RETRY_AFTER_SECONDS },
})

/** Classifies an error; undefined means "unexpected" (500, logged with its stack). */
export function classifyError(err: unknown): Mapped | undefined {
  if (err instanceof ProblemError) {
    return { kind: err.kind, detail: err.detail, headers: err.options.headers, errors: err.options.errors }
  }
  if (err instanceof HTTPException) {
    if (err.status === 400)
      return { kind: 'malformedRequest', detail: err.message || 'malformed request body' }
    if (err.status === 413) return { kind: 'payloadTooLarge', detail: 'request body exceeds the 1 MB limit' }
    if (err.status === 415)
      return { kind: 'unsupportedMediaType', detail: 'send the body as application/json' }
    if (err.status === 401) return { kind: 'unauthorized', detail: err.message || 'authentication required' }
    return undefined
  }
  if (err instanceof WorkflowUpdateFailedError) {
    const failure = applicationFailureOf(err.cause)
    if (failure?.type === INVALID_SCHEDULE) {
      return { kind: 'validation', detail: failure.message, errors: invalidScheduleErrors(failure) }
    }
    return {
      kind: 'conflict',
      detail: `the schedule rejected the update: ${err.cause?.message ?? err.message}`,
    }
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(err)) {
    return unavailable('workerUnavailable', 'no Herald worker answered in time; is the worker running?')
  }
  // A preview or SMTP check the worker never finished within its workflow timeout.
  if (err instanceof WorkflowFailedError && err.cause instanceof TimeoutFailure) {
    return unavailable(
      'workerUnavailable',
      'no Herald worker finished the request in time; is the worker running?',
    )
  }
  if (err instanceof WorkflowNotFoundError) {
    return { kind: 'scheduleNotRunning', detail: 'the schedule workflow has finished or does not exist' }
  }
  const failure = applicationFailureOf(err)
  if (failure?.type && NON_RETRYABLE_ERROR_TYPES.includes(failure.type)) {
    return { kind: 'queryRejected', detail: failure.message }
  }
  if (isTemporalUnavailable(err))
    return unavailable('temporalUnavailable', 'the Temporal service is unreachable')
  if (isDatabaseUnavailable(err))
    return unavailable('databaseUnavailable', 'the Herald database is unreachable')
  if (isRejectedValue(err)) {
    return {
      kind: 'malformedRequest',
      detail: 'a value in the request is not valid text (e.g. it contains a NUL byte)',
    }
  }
  return undefined
}

export function renderError(err: unknown, c: Context): Response {
  const mapped = classifyError(err)
  const logger = c.get('logger') as import('pino').Logger | undefined
  if (!mapped) {
    logger?.error({ err }, 'unexpected error')
    return problemResponse(
      c,
      'internal',
      'an unexpected error occurred; quote the request id when reporting it',
    )
  }
  if (mapped.kind.endsWith('Unavailable'))
    logger?.warn({ err: { message: (err as Error).message } }, mapped.detail)
  return problemResponse(c, mapped.kind, mapped.detail, { errors: mapped.errors, headers: mapped.headers })
}
