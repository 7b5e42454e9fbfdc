import type { SendMailOptions } from 'nodemailer'
import * as auditLog from '../../db/audit-log.js'
import type { Database } from '../../db/client.js'
import type { OwnerNotice } from '../../domain/run-records.js'
import { escapeHtml, formatInstant, reportMessageId } from './compose.js'
import { addressProblem, parseMailbox } from './message-validation.js'
import { recipientKey } from './recipients.js'

/**
 * The mail a schedule's owners get when a run fails. Not part of the delivery ledger (owners may also be report
 * recipients); instead each notice sent is written to the audit log and a retry skips owners already told.
 */

const NOTIFIED = 'run.owner_notified'

/** Valid, deduplicated owners who have not yet been told about this run. */
export async function ownersToNotify(db: Database, notice: OwnerNotice): Promise<string[]> {
  const byKey = new Map<string, string>()
  for (const owner of notice.owners)
    if (!byKey.has(recipientKey(owner))) byKey.set(recipientKey(owner), owner.trim())
  const owners = [...byKey.values()].filter((o) => !addressProblem(o))
  if (owners.length === 0) return []
  const told = new Set(
    await auditLog.emailsRecorded(db, {
      action: NOTIFIED,
      scheduleId: notice.run.scheduleId,
      runId: notice.run.runId,
    }),
  )
  return owners.filter((o) => !told.has(recipientKey(o)))
}

export async function recordOwnerNotified(
  db: Database,
  notice: OwnerNotice,
  owner: string,
  reply: string,
): Promise<void> {
  await auditLog.record(db, {
    actor: 'worker',
    action: NOTIFIED,
    scheduleId: notice.run.scheduleId,
    detail: { runId: notice.run.runId, email: recipientKey(owner), reply },
  })
}

export function composeOwnerNotice(
  notice: OwnerNotice,
  owner: string,
  from: string,
  publicUrl: string,
): SendMailOptions {
  const { run } = notice
  const when = formatInstant(run.fireTime, run.timezone)
  const name = run.scheduleName.replace(/[\r\n]+/g, ' ')
  const link = `${publicUrl.replace(/\/+$/, '')}/api/v1/schedules/${encodeURIComponent(run.scheduleId)}/runs`
  const text = [
    `The run of "${run.scheduleName}" for ${when} failed:`,
    '',
    notice.error,
    '',
    `Run: ${run.runId}`,
    `Runs of this schedule: ${link}`,
  ].join('\n')
  return {
    from,
    to: owner,
    subject: `Herald: report "${name}" failed (${when})`.slice(0, 998),
    text,
    html: `<pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(text)}</pre>`,
    messageId: reportMessageId(`owner-notice:${run.runId}`, owner, from),
    priority: 'high',
    headers: { 'Auto-Submitted': 'auto-generated' },
    envelope: { from: parseMailbox(from).address, to: [owner] },
  }
}
