import { z } from 'zod'
import { destinationIdSchema } from './destination.js'
import { attachmentSchema, columnInfoSchema } from './report-data.js'
import { runContextSchema } from './run.js'

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
