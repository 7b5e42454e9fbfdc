import { z } from 'zod'
import { attachmentSchema } from './report-data.js'
import { runContextSchema, runStatusSchema, runStepSchema, runTriggerSchema } from './run.js'

/** What the workflows ask the ledger activities to record about a run, and the owners' failure notice. */

export const runStartRecordSchema = z.object({ run: runContextSchema, trigger: runTriggerSchema })
export type RunStartRecord = z.infer<typeof runStartRecordSchema>

export const runFinishRecordSchema = z.object({
  runId: z.string(),
  status: runStatusSchema,
  reason: z.string().optional(),
  rowCount: z.number().int().optional(),
  fingerprint: z.string().optional(),
  conditionSend: z.boolean().optional(),
  attachments: z.array(attachmentSchema).optional(),
  steps: z.array(runStepSchema),
  error: z.string().optional(),
})
export type RunFinishRecord = z.infer<typeof runFinishRecordSchema>

/** A tick that did not start a run (overlap, catch-up, pause, skipNext), recorded so nothing is silently dropped. */
export const tickRecordSchema = z.object({
  scheduleId: z.string(),
  runId: z.string(),
  fireTime: z.string(),
  status: runStatusSchema.extract(['skipped', 'missed']),
  reason: z.string(),
})
export type TickRecord = z.infer<typeof tickRecordSchema>

export const ownerNoticeSchema = z.object({
  run: runContextSchema,
  owners: z.array(z.string()),
  error: z.string(),
})
export type OwnerNotice = z.infer<typeof ownerNoticeSchema>
