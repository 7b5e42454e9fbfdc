import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
} from '@slack/web-api'
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook'
import type { ArtifactStore } from '../../artifacts/artifact-store.js'
import type { DestinationKind, DestinationSecrets } from '../../domain/destination.js'
import type { Attachment } from '../../domain/report-data.js'
import type { DestinationFetch, DestinationHttp } from './destination-http.js'
import { type DestinationReply, httpReply, noReply } from './destination-reply.js'
import type { ReportSummary } from './report-summary.js'
import { slackMessage } from './slack-message.js'
import { teamsMessage } from './teams-card.js'
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, webhookPayload, webhookSignature } from './webhook-payload.js'

/** A destination with its secrets opened: exists only inside an activity, never returned or logged. */
export interface OpenedDestination {
  id: string
  name: string
  kind: DestinationKind
  channel: string | null
  secrets: DestinationSecrets
}

export interface SendContext {
  http: DestinationHttp
  slackApiUrl: string
  timeoutMs: number
  artifacts: ArtifactStore
  now: () => Date
}

export interface OutgoingReport {
  summary: ReportSummary
  idempotencyKey: string
  attachments: Attachment[]
  /** A test message (POST /destinations/{id}/test) says so. */
  test?: boolean
  /** Not a report but an escalation step: its own webhook type and body field, and a note in chat messages. */
  event?: { type: 'schedule.escalated'; note: string; escalation: Record<string, unknown> }
}

/** Files a bot uploads to Slack; larger ones stay links (each file is read into memory to upload it). */
const SLACK_UPLOAD_MAX_BYTES = 50 * 1024 * 1024
/** Slack Web API errors that are Slack's trouble, not the request's: retried. */
const SLACK_TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
])

export function sendToDestination(
  d: OpenedDestination,
  report: OutgoingReport,
  ctx: SendContext,
): Promise<DestinationReply> {
  switch (d.kind) {
    case 'webhook':
      return sendWebhook(d, report, ctx)
    case 'teams':
      return sendTeams(d, report, ctx)
    case 'slack':
      return d.secrets.url ? sendSlackWebhook(d, report, ctx) : sendSlackBot(d, report, ctx)
  }
}

const testNote = (report: OutgoingReport) =>
  report.test ? 'Test message from Herald: this destination is set up correctly.' : report.event?.note

async function post(ctx: SendContext, url: string, body: string, headers: Record<string, string>) {
  try {
    const response = await ctx.http.postJson(url, body, headers)
    return httpReply(response, response.body, ctx.now())
  } catch (err) {
    return noReply(err)
  }
}

async function sendWebhook(
  d: OpenedDestination,
  report: OutgoingReport,
  ctx: SendContext,
): Promise<DestinationReply> {
  const { url, signingSecret } = d.secrets
  // Never an unsigned (or empty-key) request: the receiver could not tell it from a forgery.
  if (!url || !signingSecret) {
    return { status: 'permanently_failed', reply: 'the webhook has no URL or signing secret stored' }
  }
  const payload = webhookPayload(report.summary, report.idempotencyKey, report.test)
  const { event } = report
  const body = JSON.stringify(
    event ? { ...payload, type: event.type, escalation: event.escalation } : payload,
  )
  const signature = webhookSignature(signingSecret, body, Math.floor(ctx.now().getTime() / 1000))
  return post(ctx, url, body, {
    [SIGNATURE_HEADER]: signature,
    [IDEMPOTENCY_HEADER]: report.idempotencyKey,
    'User-Agent': 'Herald-Webhook/1',
  })
}

function sendTeams(d: OpenedDestination, report: OutgoingReport, ctx: SendContext) {
  const body = JSON.stringify(teamsMessage(report.summary, testNote(report)))
  // Teams counts the body re-encoded unless the charset is named (see teams-card.ts).
  return post(ctx, d.secrets.url ?? '', body, {
    'Content-Type': 'application/json; charset=utf-8',
    [IDEMPOTENCY_HEADER]: report.idempotencyKey,
  })
}

/** The Slack clients' fetch, remembering the last response so its status and Retry-After decide the outcome. */
function recordingFetch(ctx: SendContext, extraHeaders: Record<string, string>) {
  const seen: { response?: Response } = {}
  const fetch: DestinationFetch = async (url, init = {}) => {
    const response = await ctx.http.fetch(url, { ...init, headers: { ...init.headers, ...extraHeaders } })
    seen.response = response
    return response
  }
  return { fetch, seen }
}

async function sendSlackWebhook(d: OpenedDestination, report: OutgoingReport, ctx: SendContext) {
  const { fetch, seen } = recordingFetch(ctx, { [IDEMPOTENCY_HEADER]: report.idempotencyKey })
  // Retries are the activity's (durable, with the ledger), never the client's own.
  const hook = new IncomingWebhook(d.secrets.url ?? '', {
    fetch,
    timeout: ctx.timeoutMs,
    retryConfig: { retries: 0 },
  })
  try {
    const result = await hook.send(slackMessage(report.summary, testNote(report)))
    return httpReply(seen.response ?? { status: 200, headers: new Headers() }, result.text, ctx.now())
  } catch (err) {
    if (err instanceof IncomingWebhookHTTPError) {
      return httpReply(
        seen.response ?? { status: err.statusCode, headers: new Headers() },
        err.body,
        ctx.now(),
      )
    }
    return noReply(err instanceof IncomingWebhookRequestError ? err.original : err)
  }
}

/**
 * A bot posts the message with chat.postMessage, or, when the run has files, uploads them with files.uploadV2 and
 * shares them with the same blocks in one step (files.completeUploadExternal), so a retry never leaves half a post.
 */
async function sendSlackBot(d: OpenedDestination, report: OutgoingReport, ctx: SendContext) {
  const { fetch } = recordingFetch(ctx, {})
  const client = new WebClient(d.secrets.botToken, {
    slackApiUrl: ctx.slackApiUrl,
    fetch,
    timeout: ctx.timeoutMs,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
    allowAbsoluteUrls: false,
  })
  const channel = d.channel ?? ''
  const message = slackMessage(report.summary, testNote(report))
  const uploads = report.test ? [] : report.attachments.filter((a) => a.size <= SLACK_UPLOAD_MAX_BYTES)
  try {
    if (uploads.length === 0) {
      const posted = await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks })
      return { status: 'sent', reply: `200 ok: ts ${posted.ts ?? '?'}` } satisfies DestinationReply
    }
    const files = await Promise.all(
      uploads.map(async (a) => ({ file: await readAll(ctx.artifacts, a.artifactId), filename: a.filename })),
    )
    await client.files.uploadV2({ channel_id: channel, blocks: message.blocks, file_uploads: files })
    return { status: 'sent', reply: `200 ok: ${files.length} files shared` } satisfies DestinationReply
  } catch (err) {
    return slackApiReply(err)
  }
}

function slackApiReply(err: unknown): DestinationReply {
  if (err instanceof WebAPIRateLimitedError) {
    return { status: 'failed', reply: '429 ratelimited', retryAfterMs: err.retryAfter * 1000 }
  }
  if (err instanceof WebAPIPlatformError) {
    const code = String(err.data.error ?? 'error')
    return {
      status: SLACK_TRANSIENT_ERRORS.has(code) ? 'failed' : 'permanently_failed',
      reply: `slack: ${code}`,
    }
  }
  if (err instanceof WebAPIHTTPError) {
    const transient = err.statusCode === 429 || err.statusCode >= 500
    return {
      status: transient ? 'failed' : 'permanently_failed',
      reply: `${err.statusCode} ${err.statusMessage}`,
    }
  }
  return noReply((err as { original?: unknown }).original ?? err)
}

async function readAll(artifacts: ArtifactStore, id: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of await artifacts.open(id)) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks)
}
