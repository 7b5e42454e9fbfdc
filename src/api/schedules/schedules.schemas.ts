import { z } from '@hono/zod-openapi'
import type { ZodType } from 'zod'
import { scheduleSpecSchema } from '../../domain/schedule.js'
import { nextCursorSchema } from '../pagination.js'

/** Response and parameter shapes of the schedule routes. Request bodies reuse the domain's scheduleSpecSchema. */

/**
 * Zod 4 copies methods onto each schema when it is built, so a domain schema built before @hono/zod-openapi
 * extended zod has no `.openapi()`; the extension is called directly (it returns a named copy).
 */
function named<T extends ZodType>(schema: T, refId: string): T {
  const openapi = (z.ZodType.prototype as unknown as { openapi: (this: T, refId: string) => T }).openapi
  return openapi.call(schema, refId)
}

export const scheduleSpecBody = named(scheduleSpecSchema, 'ScheduleSpec')

export const scheduleStatus = z.enum(['active', 'paused', 'completed', 'deleted'])

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

const fireTimeSchema = z.object({
  utc: z.string(),
  local: z
    .string()
    .openapi({ description: 'Wall-clock time with its offset', example: '2026-03-29T03:00:00+02:00' }),
})

const runTrigger = z.enum(['schedule', 'catchup', 'manual'])
export const runStatus = z.enum(['running', 'sent', 'partial', 'skipped', 'failed', 'missed'])

export const scheduleStateSchema = z
  .object({
    status: z.enum(['active', 'paused', 'completed']),
    pausedNote: z.string().optional(),
    pausedBy: z.string().optional(),
    skipNext: z.boolean(),
    nextFireTimes: z.array(fireTimeSchema),
    running: z.array(z.string()).optional(),
    buffered: z.string().optional(),
    lastRuns: z.array(
      z.object({
        runId: z.string(),
        fireTime: z.string(),
        trigger: runTrigger,
        status: runStatus,
        reason: z.string().optional(),
        rowCount: z.number().optional(),
      }),
    ),
    counts: z.object({
      runs: z.number(),
      sent: z.number(),
      partial: z.number().optional(),
      skipped: z.number(),
      failed: z.number(),
      missed: z.number(),
    }),
  })
  .openapi('ScheduleLiveState')

export const scheduleDetailSchema = scheduleSchema
  .extend({
    live: scheduleStateSchema.nullable().openapi({
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

const noLineBreaks = /^[^\r\n]*$/

export const pauseBody = z
  .object({
    note: z
      .string()
      .max(500)
      .regex(noLineBreaks, { message: 'note must not contain line breaks' })
      .optional(),
  })
  .openapi('PauseRequest')

export const triggerBody = z
  .object({
    reason: z
      .string()
      .max(500)
      .regex(noLineBreaks, { message: 'reason must not contain line breaks' })
      .optional(),
  })
  .openapi('TriggerRequest')

export const dataReadyBody = z
  .object({
    dataset: z.string().min(1).max(200),
    asOf: z.iso
      .datetime({ offset: true })
      .openapi({ description: 'The data is complete up to this instant' }),
  })
  .openapi('DataReadyNotice')

export const scheduleStatusSchema = z
  .object({ id: z.string(), status: scheduleStatus })
  .openapi('ScheduleStatus')

export const triggerResultSchema = z.object({ runId: z.string() }).openapi('TriggeredRun')

export const acceptedSchema = z
  .object({ id: z.string(), accepted: z.literal(true) })
  .openapi('SignalAccepted')

export const previewSchema = z
  .object({
    rowCount: z.number().int(),
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    condition: z.object({ send: z.boolean(), reason: z.string() }),
    attachments: z.array(
      z.object({
        artifactId: z.string(),
        format: z.enum(['pdf', 'xlsx', 'csv']),
        filename: z.string(),
        contentType: z.string(),
        size: z.number().int(),
        url: z.string().nullable().openapi({ description: 'Signed download link, valid for one hour' }),
      }),
    ),
  })
  .openapi('Preview')
