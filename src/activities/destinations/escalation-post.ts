import { ApplicationFailure } from '@temporalio/common'
import * as auditLog from '../../db/audit-log.js'
import type { Database } from '../../db/client.js'
import type { EscalationNotice } from '../../domain/escalation.js'
import { DESTINATION_NOT_DELIVERED, destinationIdempotencyKey } from './deliver.js'
import { type OpenedDestination, type SendContext, sendToDestination } from './destination-senders.js'
import { reportSummary } from './report-summary.js'

/**
 * An escalation step posted to a Slack, Teams or webhook destination. As for its mail, the ledger is the audit log:
 * one `schedule.escalation_posted` entry per (schedule, episode, step, destination), written once the destination
 * answered for good, so a retry after it never posts again; a retry before it sends the same idempotency key.
 */
export const ESCALATION_POSTED = 'schedule.escalation_posted'

export interface EscalationPostDeps {
  db: Database
  open(id: string): Promise<OpenedDestination | undefined>
  sendContext: SendContext
  publicUrl: string
  secret: string
}

export function createEscalationPosts(deps: EscalationPostDeps) {
  async function postEscalation(input: { notice: EscalationNotice; destinationId: string }): Promise<string> {
    const { notice, destinationId } = input
    const posted = await auditLog.emailsRecordedWith(deps.db, {
      action: ESCALATION_POSTED,
      scheduleId: notice.scheduleId,
      detail: { episodeId: notice.episodeId, step: notice.step, destinationId },
    })
    if (posted.length > 0) return `${destinationId}: posted before`
    const destination = await deps.open(destinationId)
    if (!destination) return `${destinationId}: the destination was deleted`
    const now = deps.sendContext.now()
    const key = destinationIdempotencyKey(
      `escalation:${notice.scheduleId}:${notice.episodeId}:${notice.step}`,
      destinationId,
    )
    const summary = reportSummary(
      {
        run: {
          scheduleId: notice.scheduleId,
          scheduleName: notice.scheduleName,
          runId: notice.runId,
          fireTime: notice.fireTime,
          periodStart: notice.fireTime,
          periodEnd: notice.fireTime,
          timezone: notice.timezone,
        },
        destinationId,
        attachments: [],
        rowCount: 0,
        conditionReason: `${notice.status}${notice.reason ? `: ${notice.reason}` : ''}`,
      },
      [],
      { publicUrl: deps.publicUrl, secret: deps.secret, now },
    )
    const outcome = notice.status === 'failed' ? 'failed' : 'alerted'
    const reply = await sendToDestination(
      destination,
      {
        summary,
        idempotencyKey: key,
        attachments: [],
        event: {
          type: 'schedule.escalated',
          note: `Escalation step ${notice.step + 1}: "${notice.scheduleName}" has ${outcome} ${notice.consecutive} runs in a row. Acknowledge: POST /api/v1/schedules/${notice.scheduleId}/escalation/acknowledge`,
          escalation: {
            episodeId: notice.episodeId,
            step: notice.step + 1,
            afterConsecutive: notice.afterConsecutive,
            consecutive: notice.consecutive,
            lastRun: { id: notice.runId, status: notice.status, reason: notice.reason },
          },
        },
      },
      deps.sendContext,
    )
    if (reply.status === 'failed') {
      throw ApplicationFailure.create({
        type: DESTINATION_NOT_DELIVERED,
        message: `${destination.kind} destination ${destinationId} not reached yet, will retry: ${reply.reply}`,
        nonRetryable: false,
        nextRetryDelay: reply.retryAfterMs,
      })
    }
    await auditLog.record(deps.db, {
      actor: 'worker',
      action: ESCALATION_POSTED,
      scheduleId: notice.scheduleId,
      detail: {
        episodeId: notice.episodeId,
        step: notice.step,
        destinationId,
        status: reply.status,
        reply: reply.reply,
      },
    })
    return `${destinationId}: ${reply.status === 'sent' ? reply.reply : `refused: ${reply.reply}`}`
  }

  return { postEscalation }
}
