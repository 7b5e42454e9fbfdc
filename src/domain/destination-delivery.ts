import { z } from 'zod'
import type { DeliveryReport } from './delivery.js'
import { destinationIdSchema } from './destination.js'
import { attachmentSchema, columnInfoSchema } from './report-data.js'
import { type RunStep, runContextSchema } from './run.js'

/** What a destination message says about a run: what the mail carries, without the files themselves. */
export const destinationDeliveryInputSchema = z.object({
  run: runContextSchema,
  destinationId: destinationIdSchema,
  attachments: z.array(attachmentSchema),
  rowCount: z.number().int(),
  conditionReason: z.string(),
  resultRef: z.string().optional(),
  columns: z.array(columnInfoSchema).optional(),
})
export type DestinationDeliveryInput = z.infer<typeof destinationDeliveryInputSchema>

/** Where one destination stands after a delivery attempt, as in the run's deliveries. */
export const destinationOutcomeSchema = z.object({
  destinationId: z.string(),
  status: z.enum(['sent', 'failed', 'permanently_failed']),
  /** True when an earlier attempt had already delivered it. */
  alreadySent: z.boolean(),
  reply: z.string().optional(),
})
export type DestinationOutcome = z.infer<typeof destinationOutcomeSchema>

/** How the run's mail went: its report, or why the whole delivery activity failed. */
export type MailDelivery = { report: DeliveryReport } | { error: string }

export interface SettledDeliveries {
  status: 'sent' | 'partial' | 'failed'
  reason: string
  /** The mail activity's failure, when it failed as a whole. */
  error?: string
  /** Recipients and destinations delivered (now or by an earlier attempt). */
  delivered: number
  /** Recipients and destinations tried; undefined when nothing could be counted (the mail failed, no destinations). */
  reached?: number
  steps: RunStep[]
}

/**
 * The run's outcome from its mail and its destinations: sent when nothing failed, partial when something was
 * delivered and something was not, failed otherwise. With mail only it is what runs said before destinations.
 */
export function settleDeliveries(
  mail: MailDelivery | undefined,
  destinations: DestinationOutcome[],
): SettledDeliveries {
  const steps: RunStep[] = []
  const reasons: string[] = []
  let delivered = 0
  let failed = 0
  let reached: number | undefined
  let error: string | undefined
  if (mail && 'error' in mail) {
    error = mail.error
    failed++
    steps.push({ name: 'deliver', status: 'failed', detail: mail.error })
    reasons.push('delivery failed')
  } else if (mail) {
    const r = mail.report
    delivered += r.sent + r.alreadySent
    failed += r.permanentlyFailed
    reached = r.recipients.length
    const detail = `${r.sent} sent, ${r.alreadySent} already sent, ${r.suppressed} suppressed, ${r.permanentlyFailed} permanently failed`
    steps.push({ name: 'deliver', status: r.permanentlyFailed > 0 ? 'failed' : 'ok', detail })
    reasons.push(detail)
  }
  if (destinations.length > 0) {
    const sent = destinations.filter((d) => d.status === 'sent')
    const notSent = destinations.filter((d) => d.status !== 'sent')
    delivered += sent.length
    failed += notSent.length
    reached = (reached ?? 0) + destinations.length
    const already = sent.filter((d) => d.alreadySent).length
    const why = notSent.map((d) => `${d.destinationId} ${d.status}${d.reply ? ` (${d.reply})` : ''}`)
    const detail = `destinations: ${sent.length} sent${already > 0 ? ` (${already} already)` : ''}, ${notSent.length} not sent${why.length > 0 ? `: ${why.join('; ')}` : ''}`
    steps.push({ name: 'deliver', status: notSent.length > 0 ? 'failed' : 'ok', detail })
    reasons.push(detail.length > 500 ? `${detail.slice(0, 499)}…` : detail)
  }
  const status = failed === 0 ? 'sent' : delivered > 0 ? 'partial' : 'failed'
  return { status, reason: reasons.join('; '), error, delivered, reached, steps }
}
