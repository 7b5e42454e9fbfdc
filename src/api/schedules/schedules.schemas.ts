import { z } from '@hono/zod-openapi'
import type { ZodType } from 'zod'
import { columnInfoSchema } from '../../domain/report-data.js'
import { scheduleSpecSchema } from '../../domain/schedule.js'
import {
  dataReadyNoticeSchema,
  pauseRequestSchema,
  triggeredRunSchema,
  triggerRequestSchema,
} from '../../domain/schedule-messages.js'
import {
  fireTimeViewSchema as fireTimeSchema,
  scheduleStateSchema,
  scheduleStatusSchema as scheduleStatusEnum,
} from '../../domain/schedule-state.js'
import { linkedAttachmentSchema } from '../artifacts/linked-attachment.js'
import { nextCursorSchema } from '../pagination.js'

/** Response and parameter shapes of the schedule routes; bodies and the live state are the domain's schemas. */

/**
 * Zod 4 copies methods onto each schema when it is built, so a domain schema built before @hono/zod-openapi
 * extended zod has no `.openapi()`; the extension is called directly (it returns a named copy).
 */
export function named<T extends ZodType>(schema: T, refId: string): T {
  const openapi = (z.ZodType.prototype as unknown as { openapi: (this: T, refId: string) => T }).openapi
  return openapi.call(schema, refId)
}

export const scheduleSpecBody = named(scheduleSpecSchema, 'ScheduleSpec')

export const scheduleStatus = scheduleStatusEnum

export const scheduleIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'sch_k3v9x2m4q7p8hz5t' }),
})

export const scheduleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: scheduleStatus,
    spec: scheduleSpecBody,
    workflowId: z.string().openapi({ example: 'schedule/sch_k3v9x2m4q7p8hz5t' }),
    temporalUiUrl: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Schedule')

export const scheduleLiveStateSchema = named(scheduleStateSchema, 'ScheduleLiveState')

export const scheduleDetailSchema = scheduleSchema
  .extend({
    live: scheduleLiveStateSchema.nullable().openapi({
      description:
        'Live state of the schedule workflow: its last published snapshot, or its answer to a query (`?fresh=true`, or no snapshot yet); null when it could not be asked',
    }),
    liveSource: z.enum(['snapshot', 'query']).optional().openapi({
      description: 'snapshot: published by the workflow on its last change; query: asked just now',
    }),
    liveAsOf: z
      .string()
      .optional()
      .openapi({ description: 'When `live` was true (workflow time of the snapshot)' }),
    liveError: z.string().optional().openapi({ description: 'Why `live` is null' }),
  })
  .openapi('ScheduleDetail')

/** A list row: what a table of schedules shows. The whole definition is one GET away, or in the list with ?view=full. */
export const scheduleListItemSchema = scheduleSchema
  .omit({ spec: true })
  .extend({
    cron: z.string(),
    timezone: z.string(),
    nextFireTime: fireTimeSchema.nullable().openapi({
      description: "From the workflow's last published state; null before it published or when none is left",
    }),
    spec: scheduleSpecBody.optional().openapi({ description: 'Only with ?view=full' }),
  })
  .openapi('ScheduleListItem')

export const scheduleListSchema = z
  .object({ items: z.array(scheduleListItemSchema), nextCursor: nextCursorSchema })
  .openapi('ScheduleList')

export const getScheduleQuery = z.object({
  fresh: z.enum(['true', 'false']).optional().openapi({
    description:
      'true: query the workflow now instead of returning its last published snapshot (one Temporal round trip)',
  }),
})

export const listSchedulesQuery = z.object({
  status: scheduleStatus
    .optional()
    .openapi({ description: 'Only schedules with this status; deleted ones are listed only when asked for' }),
  q: z.string().max(200).optional().openapi({ description: 'Case-insensitive search in the name' }),
  view: z.enum(['summary', 'full']).default('summary').openapi({
    description: 'summary: one row per schedule (cron, timezone, next fire time); full: also each definition',
  }),
})

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' })
    .optional()
    .openapi({
      description: 'Retrying with the same key and body returns the same schedule; a different body is a 409',
    }),
})

/** RFC 7396 merge patch: objects merge, arrays and scalars replace, null removes the field. */
export const schedulePatchBody = z.record(z.string(), z.unknown()).openapi('ScheduleSpecPatch', {
  description:
    'JSON Merge Patch (RFC 7396) of a ScheduleSpec: objects merge, arrays replace, null removes a field. The merged result must be a valid ScheduleSpec.',
  example: { cron: '0 8 * * 1-5', mail: { subject: 'Daily revenue' } },
})

// The caller's identity (`by`) comes from its API key, never from the body.
export const pauseBody = named(pauseRequestSchema.omit({ by: true }), 'PauseRequest')

export const triggerBody = named(triggerRequestSchema.omit({ by: true }), 'TriggerRequest')

export const dataReadyBody = named(dataReadyNoticeSchema, 'DataReadyNotice')

export const scheduleStatusSchema = z
  .object({ id: z.string(), status: scheduleStatus })
  .openapi('ScheduleStatus')

export const triggerResultSchema = named(triggeredRunSchema, 'TriggeredRun')

export const acceptedSchema = z
  .object({ id: z.string(), accepted: z.literal(true) })
  .openapi('SignalAccepted')

export const previewSchema = z
  .object({
    rowCount: z.number().int(),
    columns: z.array(columnInfoSchema),
    condition: z.object({ send: z.boolean(), reason: z.string() }),
    attachments: z.array(linkedAttachmentSchema),
  })
  .openapi('Preview')
