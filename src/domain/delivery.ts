import { z } from 'zod'
import { attachmentSchema, columnInfoSchema } from './report-data.js'
import { runContextSchema } from './run.js'
import { mailSchema, recipientsSchema } from './schedule.js'

/**
 * Delivery-ledger statuses (the deliveries table's CHECK is tested against this enum):
 *   pending / failed  → send
 *   sending           → send again with the stored Message-ID (the last attempt died waiting for the reply)
 *   sent / permanently_failed / suppressed / skipped → never again
 */
export const deliveryStatusSchema = z.enum([
  'pending',
  'sending',
  'sent',
  'failed',
  'permanently_failed',
  'skipped',
  'suppressed',
])
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>

/** Statuses a delivery may still be sent from: while a run has one, retention keeps the run's files. */
export const UNSETTLED_DELIVERY_STATUSES = [
  'pending',
  'sending',
  'failed',
] as const satisfies DeliveryStatus[]

export const deliveryInputSchema = z.object({
  run: runContextSchema,
  mail: mailSchema,
  recipients: recipientsSchema,
  attachments: z.array(attachmentSchema),
  rowCount: z.number().int(),
  conditionReason: z.string(),
  /** For the optional inline HTML table. */
  resultRef: z.string().optional(),
  columns: z.array(columnInfoSchema).optional(),
  /** Quiet hours: recipients (ledger keys) deferred to a later send, claimed now as pending with the time. */
  deferred: z.array(z.object({ recipient: z.string(), until: z.string() })).optional(),
  /** Quiet hours: a deferred send, to these recipients (ledger keys) only. */
  only: z.array(z.string()).optional(),
})
export type DeliveryInput = z.infer<typeof deliveryInputSchema>

/** Where one recipient stands after a delivery attempt; never `sending`, which lasts only during the attempt. */
export const recipientOutcomeSchema = z.object({
  email: z.string(),
  status: deliveryStatusSchema.exclude(['sending']),
  reply: z.string().optional(),
})
export type RecipientOutcome = z.infer<typeof recipientOutcomeSchema>

export const deliveryReportSchema = z.object({
  recipients: z.array(recipientOutcomeSchema),
  sent: z.number().int(),
  alreadySent: z.number().int(),
  suppressed: z.number().int(),
  permanentlyFailed: z.number().int(),
})
export type DeliveryReport = z.infer<typeof deliveryReportSchema>

export const suppressionReasonSchema = z.enum(['unsubscribed', 'hard_bounce', 'manual'])
export type SuppressionReason = z.infer<typeof suppressionReasonSchema>
