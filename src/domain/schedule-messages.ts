import { z } from 'zod'

/**
 * Payloads of the schedule workflow's signals and updates. The API validates its request bodies with these (less
 * `by`, which it fills in from the caller's key); other services signalling through the Temporal client send the
 * same shapes.
 */

const NO_LINE_BREAKS = /^[^\r\n]*$/
const oneLine = (what: string) =>
  z
    .string()
    .max(500)
    .regex(NO_LINE_BREAKS, { message: `${what} must not contain line breaks` })

/** Who asked: `apikey:<8 hex>`, a service name, or `worker`. */
const actor = z.string().max(200)

export const pauseRequestSchema = z.object({ note: oneLine('note').optional(), by: actor.optional() })
export type PauseRequest = z.infer<typeof pauseRequestSchema>

export const resumeRequestSchema = z.object({ by: actor.optional() })
export type ResumeRequest = z.infer<typeof resumeRequestSchema>

/** Like resume, it carries only who asked. */
export const skipNextRequestSchema = resumeRequestSchema
export type SkipNextRequest = z.infer<typeof skipNextRequestSchema>

export const triggerRequestSchema = z.object({ reason: oneLine('reason').optional(), by: actor.optional() })
export type TriggerRequest = z.infer<typeof triggerRequestSchema>

export const triggeredRunSchema = z.object({ runId: z.string() })
export type TriggeredRun = z.infer<typeof triggeredRunSchema>

export const dataReadyNoticeSchema = z.object({
  dataset: z.string().min(1).max(200),
  /** The data is complete up to this instant (ISO 8601). */
  asOf: z.iso.datetime({ offset: true }),
})
export type DataReadyNotice = z.infer<typeof dataReadyNoticeSchema>
