import { createHash } from 'node:crypto'
import { ApplicationFailure } from '@temporalio/common'
import type { ArtifactStore } from '../../artifacts/artifact-store.js'
import type { Database } from '../../db/client.js'
import * as deliveries from '../../db/deliveries.js'
import * as destinations from '../../db/destinations.js'
import { destinationSecretsSchema } from '../../domain/destination.js'
import type { DestinationDeliveryInput, DestinationOutcome } from '../../domain/destination-delivery.js'
import type { PayloadKey } from '../../security/payload-keys.js'
import { openSecret } from '../../security/secret-box.js'
import { readRows } from '../render/inline-table.js'
import type { DestinationHttp } from './destination-http.js'
import { type OpenedDestination, sendToDestination } from './destination-senders.js'
import { createEscalationPosts } from './escalation-post.js'
import { reportSummary, SUMMARY_TABLE_ROWS } from './report-summary.js'

export interface DestinationActivityDeps {
  db: Database
  /** The pool of per-delivery locks, as for mail (see deliveryLedger). */
  deliveryLocks: Database
  artifacts: ArtifactStore
  http: DestinationHttp
  payloadKeys: readonly PayloadKey[]
  slackApiUrl: string
  timeoutMs: number
  publicUrl: string
  secret: string
  now?: () => Date
}

/** Failure type of a destination attempt that must be retried (429, 5xx, no answer); retryable. */
export const DESTINATION_NOT_DELIVERED = 'DestinationNotDelivered'

/** The same key for every attempt at one (run, destination): receivers deduplicate on it. */
export function destinationIdempotencyKey(runId: string, destinationId: string): string {
  return `hrd_${createHash('sha256').update(`${runId}\n${destinationId}`).digest('hex').slice(0, 40)}`
}

export function createDestinationActivities(deps: DestinationActivityDeps) {
  const now = deps.now ?? (() => new Date())
  const sendContext = {
    http: deps.http,
    slackApiUrl: deps.slackApiUrl,
    timeoutMs: deps.timeoutMs,
    artifacts: deps.artifacts,
    now,
  }

  /** The destination with its secrets opened, or undefined when it no longer exists. */
  async function open(id: string): Promise<OpenedDestination | undefined> {
    const row = await destinations.withSecrets(deps.db, id)
    if (!row) return undefined
    const secrets = destinationSecretsSchema.parse(
      JSON.parse(openSecret(deps.payloadKeys, row.secrets, row.id)),
    )
    return { id: row.id, name: row.name, kind: row.kind, channel: row.channel, secrets }
  }

  /**
   * Posts the run's report to one destination at most once per (schedule, fire time, destination): the ledger row is
   * claimed before the request, and a settled row is never sent again. A 429, 5xx or missing answer throws a
   * retryable failure (with Retry-After as the next delay); the retry sends the same idempotency key.
   */
  async function deliverToDestination(input: DestinationDeliveryInput): Promise<DestinationOutcome> {
    const { run, destinationId } = input
    const destination = await open(destinationId)
    if (!destination) {
      return {
        destinationId,
        status: 'permanently_failed',
        alreadySent: false,
        reply: 'the destination was deleted',
      }
    }
    const tick = { scheduleId: run.scheduleId, fireTime: new Date(run.fireTime) }
    const idempotencyKey = destinationIdempotencyKey(run.runId, destinationId)
    const connection = await deps.deliveryLocks.reserve()
    try {
      // One attempt at a time per destination and tick: a zombie attempt cannot post beside its retry.
      if (!(await deliveries.tryLockTick(connection, tick, destinationId))) {
        throw ApplicationFailure.create({
          type: 'DeliveryInProgress',
          message: `another attempt is delivering to ${destinationId} for ${run.fireTime}`,
          nonRetryable: false,
        })
      }
      try {
        const claimed = await deliveries.claimDestination(deps.db, tick, {
          destinationId,
          runId: run.runId,
          channel: destination.kind,
          idempotencyKey,
        })
        if (claimed.status === 'sent' || claimed.status === 'permanently_failed') {
          return {
            destinationId,
            status: claimed.status,
            alreadySent: true,
            reply: claimed.smtp_reply ?? undefined,
          }
        }
        const sending = await deliveries.markSending(deps.db, tick, {
          recipient: destinationId,
          runId: run.runId,
          messageId: idempotencyKey,
        })
        const key = sending?.message_id ?? idempotencyKey
        const rows = input.resultRef
          ? await readRows(deps.artifacts, input.resultRef, SUMMARY_TABLE_ROWS)
          : []
        const summary = reportSummary(input, rows, {
          publicUrl: deps.publicUrl,
          secret: deps.secret,
          now: now(),
        })
        // A posted download link must not outlive its file (as for mail): each file is kept until its link expires.
        const expiresAt = summary.files[0]?.expiresAt
        if (expiresAt) {
          await deps.artifacts.keepUntil(
            input.attachments.map((a) => a.artifactId),
            new Date(expiresAt),
          )
        }
        const reply = await sendToDestination(
          destination,
          { summary, idempotencyKey: key, attachments: input.attachments },
          sendContext,
        )
        await deliveries.markOutcome(deps.db, tick, {
          recipient: destinationId,
          status: reply.status,
          smtpReply: reply.reply,
        })
        if (reply.status === 'failed') {
          throw ApplicationFailure.create({
            type: DESTINATION_NOT_DELIVERED,
            message: `${destination.kind} destination ${destinationId} not delivered yet, will retry: ${reply.reply}`,
            nonRetryable: false,
            nextRetryDelay: reply.retryAfterMs,
          })
        }
        return { destinationId, status: reply.status, alreadySent: false, reply: reply.reply }
      } finally {
        await deliveries.unlockTick(connection, tick, destinationId)
      }
    } finally {
      connection.release()
    }
  }

  /** POST /destinations/{id}/test: a short message saying the destination works; not in any ledger. */
  async function sendDestinationTest({
    destinationId,
  }: {
    destinationId: string
  }): Promise<{ reply: string }> {
    const destination = await open(destinationId)
    if (!destination)
      throw ApplicationFailure.nonRetryable('the destination was deleted', 'DestinationMissing')
    const at = now()
    const iso = at.toISOString()
    const summary = reportSummary(
      {
        run: {
          scheduleId: 'test',
          scheduleName: `Herald test: ${destination.name}`,
          runId: `test/${destinationId}/${iso}`,
          fireTime: iso,
          periodStart: iso,
          periodEnd: iso,
          timezone: 'UTC',
        },
        destinationId,
        attachments: [],
        rowCount: 0,
        conditionReason: 'test message',
      },
      [],
      { publicUrl: deps.publicUrl, secret: deps.secret, now: at },
    )
    const reply = await sendToDestination(
      destination,
      {
        summary,
        idempotencyKey: destinationIdempotencyKey(summary.runId, destinationId),
        attachments: [],
        test: true,
      },
      sendContext,
    )
    if (reply.status !== 'sent') throw ApplicationFailure.nonRetryable(reply.reply, 'DestinationTestFailed')
    return { reply: reply.reply }
  }

  const escalationPosts = createEscalationPosts({
    db: deps.db,
    open,
    sendContext,
    publicUrl: deps.publicUrl,
    secret: deps.secret,
  })
  return { deliverToDestination, sendDestinationTest, ...escalationPosts }
}
