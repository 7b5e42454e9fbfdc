import { createRoute, z } from '@hono/zod-openapi'
import { suppressionReasonSchema } from '../../domain/delivery.js'
import { nextCursorSchema, pageQuerySchema } from '../pagination.js'
import { problemResponses, protectedProblems } from '../problems.js'
import { requiresScope } from '../scopes.js'

const tags = ['Suppressions']

export const suppressionSchema = z
  .object({
    email: z.string(),
    scheduleId: z.string().nullable().openapi({ description: 'null: suppressed for every schedule' }),
    reason: suppressionReasonSchema,
    detail: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Suppression')

export const list = createRoute({
  method: 'get',
  path: '/suppressions',
  tags,
  ...requiresScope('read'),
  summary: 'Addresses Herald will not mail (unsubscribes, hard bounces)',
  request: {
    query: pageQuerySchema.extend({
      email: z.string().max(254).optional().openapi({ description: 'Exact address' }),
      scheduleId: z.string().max(100).optional(),
    }),
  },
  responses: {
    200: {
      description: 'One page, newest first',
      content: {
        'application/json': {
          schema: z
            .object({ items: z.array(suppressionSchema), nextCursor: nextCursorSchema })
            .openapi('SuppressionPage'),
        },
      },
    },
    ...problemResponses(422),
    ...protectedProblems(),
  },
})

export const remove = createRoute({
  method: 'delete',
  path: '/suppressions/{email}',
  tags,
  ...requiresScope('admin'),
  summary: "Mail an address again (all its suppressions, or one schedule's with ?scheduleId=)",
  request: {
    params: z.object({
      email: z
        .string()
        .min(3)
        .max(254)
        .openapi({ param: { name: 'email', in: 'path' } }),
    }),
    query: z.object({ scheduleId: z.string().max(100).optional() }),
  },
  responses: { 204: { description: 'Removed' }, ...problemResponses(404, 422), ...protectedProblems() },
})

export type ListRoute = typeof list
export type RemoveRoute = typeof remove
