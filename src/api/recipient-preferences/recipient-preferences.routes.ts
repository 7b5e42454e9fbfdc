import { createRoute, z } from '@hono/zod-openapi'
import type { ZodType } from 'zod'
import { recipientPreferencesSchema } from '../../domain/recipient-preferences.js'
import { problemResponses, protectedProblems } from '../problems.js'
import { requiresScope } from '../scopes.js'

const tags = ['Recipient preferences']
const json = <T>(schema: T) => ({ 'application/json': { schema } })

/** A domain schema named in the OpenAPI document (zod 4 schemas built before the extension lack `.openapi()`). */
function named<T extends ZodType>(schema: T, refId: string): T {
  const openapi = (z.ZodType.prototype as unknown as { openapi: (this: T, refId: string) => T }).openapi
  return openapi.call(schema, refId)
}

export const recipientParams = z.object({
  email: z
    .email({ message: 'must be a valid email address' })
    .max(254)
    .openapi({ param: { name: 'email', in: 'path' }, example: 'ana@example.com' }),
})

export const preferencesBody = named(recipientPreferencesSchema, 'RecipientPreferencesBody')

export const storedPreferencesSchema = z
  .object({
    recipient: z.string().openapi({ example: 'ana@example.com' }),
    channels: z.object({ email: z.boolean() }),
    quietHours: z
      .object({ start: z.string(), end: z.string(), timezone: z.string() })
      .nullable()
      .openapi({ example: { start: '22:00', end: '07:00', timezone: 'Europe/Berlin' } }),
    dailyCap: z.number().int().nullable(),
    updatedAt: z.string(),
  })
  .openapi('RecipientPreferences')

export const getOne = createRoute({
  method: 'get',
  path: '/recipients/{email}/preferences',
  tags,
  ...requiresScope('read'),
  summary: "A recipient's channels, quiet hours and daily cap",
  request: { params: recipientParams },
  responses: {
    200: { description: 'The preferences', content: json(storedPreferencesSchema) },
    ...problemResponses(404, 422),
    ...protectedProblems(),
  },
})

export const put = createRoute({
  method: 'put',
  path: '/recipients/{email}/preferences',
  tags,
  ...requiresScope('write'),
  summary: "Set a recipient's preferences as a whole (fields left out take their defaults)",
  description:
    'Quiet hours (`start`–`end` in `timezone`, may cross midnight) defer report mails to the window’s end by a ' +
    'durable timer; owner notices are urgent and bypass them. `dailyCap` counts report mails per local day (the ' +
    'quiet hours’ timezone, else UTC); mails beyond it are recorded as suppressed. `channels.email: false` ' +
    'suppresses report mails to the address.',
  request: {
    params: recipientParams,
    body: { content: json(preferencesBody), required: true },
  },
  responses: {
    200: { description: 'Replaced', content: json(storedPreferencesSchema) },
    201: { description: 'Created', content: json(storedPreferencesSchema) },
    ...problemResponses(400, 413, 415, 422),
    ...protectedProblems(),
  },
})

export const remove = createRoute({
  method: 'delete',
  path: '/recipients/{email}/preferences',
  tags,
  ...requiresScope('write'),
  summary: "Forget a recipient's preferences (back to the defaults: email, no quiet hours, no cap)",
  request: { params: recipientParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(404, 422), ...protectedProblems() },
})
