import { createRoute, z } from '@hono/zod-openapi'
import { deliveryStatusSchema } from '../../domain/delivery.js'
import { deliveryChannelSchema } from '../../domain/destination.js'
import { runStatusSchema, runStepSchema, runTriggerSchema } from '../../domain/run.js'
import { linkedAttachmentSchema } from '../artifacts/linked-attachment.js'
import { nextCursorSchema, pageQuerySchema } from '../pagination.js'
import { problemResponses, protectedProblems } from '../problems.js'
import { scheduleIdParams } from '../schedules/schedules.schemas.js'
import { requiresScope } from '../scopes.js'

const tags = ['Runs']
const json = <T>(schema: T) => ({ 'application/json': { schema } })

export const runSummarySchema = z
  .object({
    id: z.string().openapi({ example: 'run/sch_k3v9x2m4q7p8hz5t/2026-03-02T08:00:00.000Z' }),
    scheduleId: z.string(),
    fireTime: z.string(),
    trigger: runTriggerSchema,
    status: runStatusSchema,
    reason: z.string().nullable(),
    rowCount: z.number().nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    temporalUiUrl: z.string().nullable().openapi({
      description:
        "The run's workflow in the Temporal Web UI; null without TEMPORAL_UI_URL, or for a tick that never ran (skipped or missed by policy)",
    }),
  })
  .openapi('RunSummary')

export const deliverySchema = z
  .object({
    recipient: z.string().openapi({ description: 'An email address, or a destination id (dst_…)' }),
    channel: z
      .enum(deliveryChannelSchema.options)
      .openapi({ description: 'email, or the kind of destination' }),
    status: deliveryStatusSchema,
    messageId: z
      .string()
      .nullable()
      .openapi({ description: 'The Message-ID, or the Idempotency-Key sent to a destination' }),
    smtpReply: z
      .string()
      .nullable()
      .openapi({ description: "The SMTP server's reply, or the destination's HTTP status and answer" }),
    attempts: z.number(),
    updatedAt: z.string(),
  })
  .openapi('Delivery')

export const runDetailSchema = runSummarySchema
  .extend({
    condition: z.object({ send: z.boolean().nullable(), reason: z.string().nullable() }),
    fingerprint: z.string().nullable(),
    error: z.string().nullable(),
    steps: z.array(runStepSchema),
    attachments: z.array(linkedAttachmentSchema),
    deliveries: z.array(deliverySchema),
  })
  .openapi('RunDetail')

export const statsSchema = z
  .object({
    scheduleId: z.string(),
    windowDays: z.number(),
    runs: z.number(),
    sent: z.number(),
    partial: z.number(),
    skipped: z.number(),
    failed: z.number(),
    missed: z.number(),
    successRate: z
      .number()
      .nullable()
      .openapi({ description: 'sent / (sent + partial + failed); null without attempts' }),
    averageDurationMs: z.number().nullable(),
  })
  .openapi('ScheduleStats')

const runListSchema = z
  .object({ items: z.array(runSummarySchema), nextCursor: nextCursorSchema })
  .openapi('RunList')

/** The filters of GET /runs, the same as the run workflows' search attributes in the Temporal UI. */
const runFilters = {
  status: runStatusSchema.optional().openapi({ description: 'Outcome (HeraldRunOutcome)' }),
  trigger: runTriggerSchema.optional().openapi({ description: 'What started it (HeraldTrigger)' }),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Fire time at or after (HeraldFireTime)' }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Fire time before' }),
}

/** A page of runs as both list routes ask for it (the schedule comes from the path or the query). */
export const runPageQuery = pageQuerySchema.extend(runFilters)
export type RunPageQuery = z.infer<typeof runPageQuery>

export const list = createRoute({
  method: 'get',
  path: '/runs',
  tags,
  ...requiresScope('read'),
  summary: 'Runs across schedules, newest fire time first, filtered by schedule, outcome, trigger and time',
  request: {
    query: runPageQuery.extend({
      scheduleId: z
        .string()
        .min(1)
        .max(100)
        .optional()
        .openapi({ description: 'One schedule (HeraldScheduleId)' }),
    }),
  },
  responses: {
    200: { description: 'One page', content: json(runListSchema) },
    ...problemResponses(422),
    ...protectedProblems(),
  },
})

export const listForSchedule = createRoute({
  method: 'get',
  path: '/schedules/{id}/runs',
  tags,
  ...requiresScope('read'),
  summary: "A schedule's runs, newest fire time first",
  request: {
    params: scheduleIdParams,
    query: runPageQuery,
  },
  responses: {
    200: { description: 'One page', content: json(runListSchema) },
    ...problemResponses(404, 422),
    ...protectedProblems(),
  },
})

export const getOne = createRoute({
  method: 'get',
  path: '/runs/{runId}',
  tags,
  ...requiresScope('read'),
  summary: 'One run with its steps, condition outcome, attachments and per-recipient deliveries',
  description:
    'Run ids contain slashes; send the id URL-encoded as one path segment, e.g. `/runs/run%2Fsch_x%2F2026-03-02T08%3A00%3A00.000Z`.',
  request: {
    params: z.object({
      runId: z
        .string()
        .min(1)
        .max(300)
        .openapi({ param: { name: 'runId', in: 'path' } }),
    }),
  },
  responses: {
    200: { description: 'The run', content: json(runDetailSchema) },
    ...problemResponses(404),
    ...protectedProblems(),
  },
})

export const stats = createRoute({
  method: 'get',
  path: '/schedules/{id}/stats',
  tags,
  ...requiresScope('read'),
  summary: 'Run counts, success rate and average duration over a window',
  request: {
    params: scheduleIdParams,
    query: z.object({ windowDays: z.coerce.number().int().min(1).max(366).default(30) }),
  },
  responses: {
    200: { description: 'Statistics', content: json(statsSchema) },
    ...problemResponses(404, 422),
    ...protectedProblems(),
  },
})

export type ListRoute = typeof list
export type ListForScheduleRoute = typeof listForSchedule
export type GetOneRoute = typeof getOne
export type StatsRoute = typeof stats
