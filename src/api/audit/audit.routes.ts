import { createRoute, z } from '@hono/zod-openapi'
import { nextCursorSchema, pageQuerySchema } from '../pagination.js'
import { problemResponses, protectedProblems } from '../problems.js'
import { requiresScope } from '../scopes.js'

const tags = ['Audit']

const instant = (description: string) =>
  z.iso.datetime({ offset: true }).optional().openapi({ description, example: '2026-03-02T08:00:00Z' })

export const auditEntrySchema = z
  .object({
    id: z.string(),
    at: z.string().openapi({ description: 'When the change was recorded (ISO 8601)' }),
    actor: z.string().nullable().openapi({
      description:
        'Who: `apikey:<8 hex>` (a hash prefix of the key, never the key), `worker`, or `recipient:<address>` for a one-click unsubscribe',
      example: 'apikey:3f2a9c1d',
    }),
    action: z.string().openapi({ example: 'schedule.pause' }),
    scheduleId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry')

export const list = createRoute({
  method: 'get',
  path: '/audit',
  tags,
  ...requiresScope('admin'),
  summary: 'The audit log: every change made through the API and every run the worker recorded, newest first',
  request: {
    query: pageQuerySchema.extend({
      actor: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .openapi({ description: 'Exact actor, e.g. `apikey:3f2a9c1d`' }),
      action: z
        .string()
        .min(1)
        .max(100)
        .optional()
        .openapi({ description: 'Exact action, e.g. `schedule.create`' }),
      scheduleId: z.string().min(1).max(100).optional(),
      from: instant('Entries at or after this instant'),
      to: instant('Entries before this instant'),
    }),
  },
  responses: {
    200: {
      description: 'One page, newest first',
      content: {
        'application/json': {
          schema: z
            .object({ items: z.array(auditEntrySchema), nextCursor: nextCursorSchema })
            .openapi('AuditPage'),
        },
      },
    },
    ...problemResponses(422),
    ...protectedProblems(),
  },
})

export type ListRoute = typeof list
