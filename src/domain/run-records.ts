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

/** The policy that kept a tick from running on its own (docs/SCHEDULING.md, "Catch-up after downtime"). */
export const tickPolicySchema = z.enum(['superseded', 'missed', 'overlap', 'paused', 'skipNext'])
export type TickPolicy = z.infer<typeof tickPolicySchema>

/** A tick that did not start a run (overlap, catch-up, pause, skipNext), recorded so nothing is silently dropped. */
export const tickRecordSchema = z.object({
  scheduleId: z.string(),
  runId: z.string(),
  fireTime: z.string(),
  status: runStatusSchema.extract(['skipped', 'missed']),
  reason: z.string(),
  /** Absent in records of schedules that ran before policies were named. */
  policy: tickPolicySchema.optional(),
  /** The run whose report covers this tick's period too: the tick's data was reported, only later. */
  coveredBy: z.string().optional(),
})
export type TickRecord = z.infer<typeof tickRecordSchema>

/** The policy of a record; records written before policies were named tell only missed from the rest. */
export function tickPolicyOf(record: TickRecord): TickPolicy | 'unnamed' {
  return record.policy ?? (record.status === 'missed' ? 'missed' : 'unnamed')
}

export const ownerNoticeSchema = z.object({
  run: runContextSchema,
  owners: z.array(z.string()),
  error: z.string(),
})
export type OwnerNotice = z.infer<typeof ownerNoticeSchema>
