import { ApplicationFailure } from '@temporalio/common'
import type { SendMailOptions } from 'nodemailer'
import * as auditLog from '../../db/audit-log.js'
import type { Database } from '../../db/client.js'
import type { EscalationNotice } from '../../domain/escalation.js'
import { escapeHtml, formatInstant, reportMessageId } from './compose.js'
import { DELIVERY_INCOMPLETE } from './deliver.js'
import { parseMailbox } from './message-validation.js'
import { resolveRecipients } from './recipients.js'
import { classifySmtpError } from './smtp-errors.js'
import type { Mailer } from './smtp-transport.js'

/**
 * The mail of one escalation step. Its ledger is the audit log: one `schedule.escalation_notified` entry per
 * (schedule, episode, step, recipient), written after the mail went out, so a retried attempt skips whoever was
 * told; the Message-ID is derived from the same key, so the one unavoidable repeat (a crash between the 250 and the
 * entry) is recognisably the same message.
 */
export const ESCALATION_NOTIFIED = 'schedule.escalation_notified'

export interface EscalationActivityDeps {
  db: Database
  mailer: Mailer
  publicUrl: string
}

export function createEscalationActivities(deps: EscalationActivityDeps) {
  /** Notifies one step's addresses and list members (suppressions apply); returns what happened, in one line. */
  async function notifyEscalation(notice: EscalationNotice): Promise<string> {
    const resolved = await resolveRecipients(deps.db, notice.scheduleId, {
      to: notice.notify.to,
      cc: [],
      bcc: [],
      lists: notice.notify.lists,
    })
    const told = new Set(
      await auditLog.emailsRecordedWith(deps.db, {
        action: ESCALATION_NOTIFIED,
        scheduleId: notice.scheduleId,
        detail: { episodeId: notice.episodeId, step: notice.step },
      }),
    )
    let sent = 0
    const failures: string[] = []
    for (const recipient of resolved.recipients) {
      if (told.has(recipient.key)) continue
      try {
        const info = await deps.mailer.send(composeEscalationNotice(notice, recipient.email, deps))
        await record(notice, recipient.key, info.response)
        sent++
      } catch (error) {
        const failure = classifySmtpError(error)
        if (failure.retryable) failures.push(`${recipient.email}: ${failure.reply}`)
        else await record(notice, recipient.key, failure.reply)
      }
    }
    if (failures.length > 0) {
      throw ApplicationFailure.create({
        type: DELIVERY_INCOMPLETE,
        message: `escalation step ${notice.step + 1} not delivered to ${failures.join('; ')}`.slice(0, 4000),
        nonRetryable: false,
      })
    }
    const skipped = resolved.suppressed.length + resolved.invalid.length
    return `${sent} notified now, ${told.size} before${skipped ? `, ${skipped} suppressed or invalid` : ''}`
  }

  function record(notice: EscalationNotice, email: string, reply: string): Promise<void> {
    return auditLog.record(deps.db, {
      actor: 'worker',
      action: ESCALATION_NOTIFIED,
      scheduleId: notice.scheduleId,
      detail: {
        episodeId: notice.episodeId,
        step: notice.step,
        email,
        runId: notice.runId,
        consecutive: notice.consecutive,
        reply,
      },
    })
  }

  return { notifyEscalation }
}

export function composeEscalationNotice(
  notice: EscalationNotice,
  to: string,
  deps: { mailer: Pick<Mailer, 'from'>; publicUrl: string },
): SendMailOptions {
  const from = deps.mailer.from
  const name = notice.scheduleName.replace(/[\r\n]+/g, ' ')
  const when = formatInstant(notice.fireTime, notice.timezone)
  const base = `${deps.publicUrl.replace(/\/+$/, '')}/api/v1/schedules/${encodeURIComponent(notice.scheduleId)}`
  const outcome = notice.status === 'failed' ? 'failed' : 'alerted'
  const text = [
    `"${notice.scheduleName}" has ${outcome} ${notice.consecutive} runs in a row (escalation step ${notice.step + 1}, after ${notice.afterConsecutive}).`,
    '',
    `Last run: ${notice.runId} (${when}), ${notice.status}${notice.reason ? `: ${notice.reason}` : ''}`,
    '',
    `Runs of this schedule: ${base}/runs`,
    `Acknowledge to stop further steps: POST ${base}/escalation/acknowledge`,
  ].join('\n')
  return {
    from,
    to,
    subject: `Herald escalation: "${name}" ${outcome} ${notice.consecutive} times in a row`.slice(0, 998),
    text,
    html: `<pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(text)}</pre>`,
    messageId: reportMessageId(
      `escalation:${notice.scheduleId}:${notice.episodeId}:${notice.step}`,
      to,
      from,
    ),
    priority: 'high',
    headers: { 'Auto-Submitted': 'auto-generated' },
    envelope: { from: parseMailbox(from).address, to: [to] },
  }
}
