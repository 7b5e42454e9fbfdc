import { asyncLocalStorage, type Context } from '@temporalio/activity'
import { ApplicationFailure, CancelledFailure } from '@temporalio/common'
import pLimit from 'p-limit'
import type { ArtifactStore } from '../../artifacts/artifact-store.js'
import * as auditLog from '../../db/audit-log.js'
import type { Database } from '../../db/client.js'
import type {
  DeliveryInput,
  DeliveryReport,
  DeliveryStatus,
  RecipientOutcome,
} from '../../domain/delivery.js'
import type { OwnerNotice } from '../../domain/run-records.js'
import type { ScheduleSpec } from '../../domain/schedule.js'
import type { WorkerMetrics } from '../../telemetry/worker-metrics.js'
import { heartbeatProgress } from '../heartbeats.js'
import { readRows, renderInlineHtmlTable } from '../render/inline-table.js'
import { DEFAULT_MAIL_SIZE_LIMITS, type LinkedAttachment, type MailSizeLimits } from './attachment-plan.js'
import { type AttachmentSource, composeReportMessage, prepareReport, reportMessageId } from './compose.js'
import {
  type DeliveryLedger,
  deliveryLedger,
  type LedgerClaim,
  SENDABLE_STATUSES,
} from './delivery-ledger.js'
import { assertAddress, invalidMessage } from './message-validation.js'
import { composeOwnerNotice, ownersToNotify, recordOwnerNotified } from './owner-notice.js'
import { deliveryPart, preferenceHolds } from './recipient-preferences.js'
import { type Recipient, resolveRecipients, suppressHardBounce } from './recipients.js'
import { classifySmtpError } from './smtp-errors.js'
import type { Mailer } from './smtp-transport.js'

export interface MailLimits extends Partial<MailSizeLimits> {
  /** Recipients in flight at once; above the pool size so the pool never waits on the ledger. */
  concurrency?: number
}

export interface MailActivityDeps {
  db: Database
  /** A pool used only for per-delivery locks, never for other queries (see deliveryLedger). */
  deliveryLocks: Database
  artifacts: ArtifactStore
  mailer: Mailer
  publicUrl: string
  secret: string
  limits?: MailLimits
  now?: () => Date
  metrics?: WorkerMetrics
}

export const DEFAULT_DELIVERY_CONCURRENCY = 10

/** Failure type for a delivery where some recipients must be retried; retryable, unlike InvalidMessage. */
export const DELIVERY_INCOMPLETE = 'DeliveryIncomplete'

interface Outcome {
  status: RecipientOutcome['status']
  reply?: string
  /** True when this call mailed the recipient; false when an earlier attempt had already finished it. */
  now: boolean
}

export function createMailActivities(deps: MailActivityDeps) {
  const limits: MailSizeLimits = {
    maxAttachmentBytes: deps.limits?.maxAttachmentBytes ?? DEFAULT_MAIL_SIZE_LIMITS.maxAttachmentBytes,
    maxMessageBytes: deps.limits?.maxMessageBytes ?? DEFAULT_MAIL_SIZE_LIMITS.maxMessageBytes,
  }
  const concurrency = Math.max(1, deps.limits?.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY)
  const now = deps.now ?? (() => new Date())
  const metrics = deps.metrics

  /**
   * Mails the report to every recipient at most once per (schedule, fire time), whatever the number of attempts.
   * Throws a retryable DeliveryIncomplete when some recipients hit temporary errors; the retry skips the others.
   */
  async function deliverReport(input: DeliveryInput): Promise<DeliveryReport> {
    const { run } = input
    // Quiet hours split a run's recipients: deferred ones are claimed now and mailed by a later call (`only`).
    const resolved = deliveryPart(await resolveRecipients(deps.db, run.scheduleId, input.recipients), input)
    const everyone = [...resolved.recipients, ...resolved.suppressed, ...resolved.invalid]
    if (resolved.unknownLists.length > 0) {
      await auditLog.record(deps.db, {
        actor: 'worker',
        action: 'delivery.unknown_lists',
        scheduleId: run.scheduleId,
        detail: { runId: run.runId, lists: resolved.unknownLists },
      })
      if (everyone.length === 0 && resolved.deferred.length === 0) {
        throw invalidMessage(
          `no recipients: distribution lists not found: ${resolved.unknownLists.join(', ')}`,
        )
      }
    }

    // To and Cc are checked as headers below; Bcc only reaches the envelope, where a line break is just as bad.
    for (const address of input.recipients.bcc) assertAddress(address, 'Bcc')
    const inlineTableHtml = await inlineTable(input)
    const bcc = new Set(input.recipients.bcc.map((e) => e.toLowerCase()))
    // Everything that can make the message invalid is checked here, before the first recipient is mailed.
    const report = prepareReport({
      run,
      mail: input.mail,
      rowCount: input.rowCount,
      conditionReason: input.conditionReason,
      attachments: input.attachments,
      headerTo: input.recipients.to,
      headerCc: input.recipients.cc,
      from: deps.mailer.from,
      publicUrl: deps.publicUrl,
      secret: deps.secret,
      limits,
      now: now(),
      inlineTableHtml,
    })
    const sourcesFor = await attachmentSources(report.plan.attached.map((a) => a.artifactId))
    await keepLinkedFiles(report.plan.linked)

    const ledger = deliveryLedger(deps.db, deps.deliveryLocks, run)
    const outcomes = new Map<string, Outcome>()
    const context = activityContext()
    await ledger.exclusively(async () => {
      // Email turned off, or the daily cap reached: decided once per recipient, before its first send attempt.
      const earlier = await ledger.read(resolved.recipients.map((r) => r.key))
      const fresh = resolved.recipients.filter((r) => (earlier.get(r.key)?.attempts ?? 0) === 0)
      const tick = { scheduleId: run.scheduleId, fireTime: new Date(run.fireTime) }
      const holds = await preferenceHolds(
        deps.db,
        tick,
        fresh.map((r) => r.key),
        now(),
      )
      const claims: LedgerClaim[] = [
        ...resolved.recipients.map((r): LedgerClaim => {
          const hold = holds.get(r.key)
          return hold
            ? { recipient: r.key, status: 'suppressed', messageId: null, smtpReply: hold }
            : {
                recipient: r.key,
                status: 'pending',
                messageId: reportMessageId(run.runId, r.key, deps.mailer.from),
              }
        }),
        ...resolved.deferred.map((r) => ({
          recipient: r.key,
          status: 'pending' as const,
          messageId: reportMessageId(run.runId, r.key, deps.mailer.from),
          smtpReply: `deferred by quiet hours until ${r.until}`,
        })),
        ...resolved.suppressed.map((r) => ({
          recipient: r.key,
          status: 'suppressed' as const,
          messageId: null,
          smtpReply: `suppressed: ${r.reason}`,
        })),
        ...resolved.invalid.map((r) => ({
          recipient: r.key,
          status: 'permanently_failed' as const,
          messageId: null,
          smtpReply: r.reason,
        })),
      ]
      const entries = await ledger.claim(claims)
      // Suppressed and invalid recipients are settled by the claim itself: counted once, on the first attempt.
      if (metrics && (context?.info.attempt ?? 1) === 1) {
        for (const c of claims) if (c.status !== 'pending') metrics.recipientSettled(c.status, undefined)
      }
      const deliverable = new Set(resolved.recipients.filter((r) => !holds.has(r.key)).map((r) => r.key))
      const toSend: Recipient[] = []
      for (const r of everyone) {
        const entry = entries.get(r.key)
        if (entry && SENDABLE_STATUSES.has(entry.status) && deliverable.has(r.key)) {
          toSend.push(r)
        } else if (entry) {
          if (deliverable.has(r.key)) metrics?.ledgerRetry('already_settled')
          outcomes.set(r.key, {
            status: publicStatus(entry.status),
            reply: entry.smtpReply ?? undefined,
            now: false,
          })
        }
      }

      let done = 0
      if (context) heartbeatProgress(context, { done, total: toSend.length })
      await forEachConcurrently(toSend, concurrency, async (r) => {
        if (context?.cancellationSignal.aborted) return
        const messageId = entries.get(r.key)?.messageId ?? reportMessageId(run.runId, r.key, deps.mailer.from)
        outcomes.set(r.key, await sendOne(ledger, r, messageId))
        done++
        if (context) heartbeatProgress(context, { done, total: toSend.length })
      })
      if (context?.cancellationSignal.aborted) throw new CancelledFailure('delivery cancelled')
    })

    return summarize(everyone, outcomes)

    async function sendOne(ledger: DeliveryLedger, r: Recipient, messageId: string): Promise<Outcome> {
      const claimed = await ledger.markSending(r.key, messageId)
      // attempts counts markSending calls: above one, an earlier attempt failed or was cut off for this recipient.
      if (claimed && claimed.attempts > 1) metrics?.ledgerRetry('resent')
      if (!claimed) {
        // Finished by an attempt we could not see; the ledger row is the truth.
        const [entry] = (await ledger.read([r.key])).values()
        return {
          status: publicStatus(entry?.status ?? 'sent'),
          reply: entry?.smtpReply ?? undefined,
          now: false,
        }
      }
      const sources = await sourcesFor()
      const message = composeReportMessage(report, {
        recipient: r.email,
        hidden: bcc.has(r.email.toLowerCase()),
        messageId: claimed.messageId ?? messageId,
        sources,
      })
      try {
        const info = await deps.mailer.send(message)
        await ledger.markOutcome(r.key, 'sent', info.response)
        metrics?.recipientSettled('sent', info.response)
        return { status: 'sent', reply: info.response, now: true }
      } catch (error) {
        const failure = classifySmtpError(error)
        await ledger.markOutcome(r.key, failure.retryable ? 'failed' : 'permanently_failed', failure.reply)
        if (failure.hardBounce) await suppressHardBounce(deps.db, r.key, failure.reply)
        metrics?.recipientSettled(failure.retryable ? 'failed' : 'permanently_failed', failure.reply)
        return {
          status: failure.retryable ? 'failed' : 'permanently_failed',
          reply: failure.reply,
          now: true,
        }
      } finally {
        for (const s of sources) if ('content' in s) s.content.destroy()
      }
    }
  }

  async function inlineTable(input: DeliveryInput): Promise<string | undefined> {
    const limit = input.mail.inlineRows
    if (!limit || !input.resultRef || !input.columns) return undefined
    const rows = await readRows(deps.artifacts, input.resultRef, limit)
    return renderInlineHtmlTable(input.columns, rows, limit, { timezone: input.run.timezone })
  }

  /** File paths when the store has them (nodemailer streams each file itself), else a fresh stream per message. */
  async function attachmentSources(ids: string[]): Promise<() => Promise<AttachmentSource[]>> {
    const paths: Array<string | undefined> = []
    for (const id of ids) {
      if (!(await deps.artifacts.stat(id))) throw artifactMissing(id)
      paths.push(await deps.artifacts.localPath?.(id))
    }
    return () =>
      Promise.all(
        ids.map(async (id, i) =>
          paths[i] ? { path: paths[i] } : { content: await deps.artifacts.open(id) },
        ),
      )
  }

  /** A mailed download link must not outlive its file: each linked file is kept at least until its link expires. */
  async function keepLinkedFiles(linked: LinkedAttachment[]): Promise<void> {
    for (const { attachment, expiresAt } of linked) {
      const kept = await deps.artifacts.keepUntil([attachment.artifactId], expiresAt)
      if (kept.length === 0) throw artifactMissing(attachment.artifactId)
    }
  }

  /** Tells a schedule's owners that a run failed; each owner hears about a run once (recorded in the audit log). */
  async function notifyOwners(notice: OwnerNotice): Promise<void> {
    const owners = await ownersToNotify(deps.db, notice)
    const failures: string[] = []
    for (const owner of owners) {
      const message = composeOwnerNotice(notice, owner, deps.mailer.from, deps.publicUrl)
      try {
        const info = await deps.mailer.send(message)
        await recordOwnerNotified(deps.db, notice, owner, info.response)
      } catch (error) {
        const failure = classifySmtpError(error)
        if (failure.retryable) failures.push(`${owner}: ${failure.reply}`)
        else await recordOwnerNotified(deps.db, notice, owner, failure.reply)
      }
    }
    if (failures.length > 0) {
      throw ApplicationFailure.create({
        type: DELIVERY_INCOMPLETE,
        message: `owner notice not delivered to ${failures.join('; ')}`,
        nonRetryable: false,
      })
    }
  }

  return {
    deliverReport,
    notifyOwners,
    /** Who would receive a schedule's report now (lists expanded, suppressions applied), e.g. for a preview. */
    async resolveRecipients(input: { scheduleId: string; recipients: ScheduleSpec['recipients'] }) {
      return resolveRecipients(deps.db, input.scheduleId, input.recipients)
    },
  }
}

function summarize(everyone: Recipient[], outcomes: Map<string, Outcome>): DeliveryReport {
  const report: DeliveryReport = {
    recipients: [],
    sent: 0,
    alreadySent: 0,
    suppressed: 0,
    permanentlyFailed: 0,
  }
  const failed: RecipientOutcome[] = []
  for (const r of everyone) {
    const outcome = outcomes.get(r.key) ?? { status: 'pending', now: false }
    const entry: RecipientOutcome = { email: r.email, status: outcome.status }
    if (outcome.reply) entry.reply = outcome.reply
    report.recipients.push(entry)
    if (outcome.status === 'sent') {
      if (outcome.now) report.sent++
      else report.alreadySent++
    } else if (outcome.status === 'suppressed') report.suppressed++
    else if (outcome.status === 'permanently_failed') report.permanentlyFailed++
    else if (outcome.status === 'failed' || outcome.status === 'pending') failed.push(entry)
  }
  if (failed.length > 0) {
    const list = failed.map((f) => `${f.email}${f.reply ? ` (${f.reply})` : ''}`).join('; ')
    throw ApplicationFailure.create({
      type: DELIVERY_INCOMPLETE,
      message:
        `${failed.length} of ${everyone.length} recipients not delivered yet, will retry: ${list}`.slice(
          0,
          4000,
        ),
      nonRetryable: false,
      details: [{ failed: failed.map((f) => f.email), report }],
    })
  }
  return report
}

function artifactMissing(id: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'ArtifactMissing',
    message: `attachment artifact ${id} does not exist`,
    nonRetryable: true,
  })
}

/** The ledger's `sending` never reaches callers: by the time a report is returned every row has settled. */
/** A row left `sending` is reported as failed: it is sent again on the next attempt. */
function publicStatus(status: DeliveryStatus): RecipientOutcome['status'] {
  return status === 'sending' ? 'failed' : status
}

/** The activity context when running under a Temporal worker; undefined in direct calls (tests, scripts). */
function activityContext(): Context | undefined {
  return asyncLocalStorage.getStore()
}

/**
 * At most `concurrency` items at a time. After a failure no further item starts (a retry resumes from the ledger),
 * and the first failure is thrown only once the running ones settled, so no send outlives the attempt.
 */
export async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
) {
  const limit = pLimit({ concurrency, rejectOnClear: true })
  const results = await Promise.allSettled(
    items.map((item) =>
      limit(work, item).catch((err: unknown) => {
        limit.clearQueue()
        throw err
      }),
    ),
  )
  // Items start in order, so the first rejection by index is the failure, not a cleared item's AbortError.
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (rejected) throw rejected.reason
}
