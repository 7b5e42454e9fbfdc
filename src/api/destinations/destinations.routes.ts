import { createRoute, z } from '@hono/zod-openapi'
import type { ZodType } from 'zod'
import { destinationKindSchema, newDestinationSchema } from '../../domain/destination.js'
import { nextCursorSchema, pageQuerySchema } from '../pagination.js'
import { problemResponses, protectedProblems } from '../problems.js'
import { requiresScope } from '../scopes.js'

const tags = ['Destinations']
const bodyProblems = () => problemResponses(400, 413, 415, 422)

/** A domain schema named in the OpenAPI document (zod 4 schemas built before the extension lack `.openapi()`). */
function named<T extends ZodType>(schema: T, refId: string, metadata: Record<string, unknown> = {}): T {
  const openapi = (
    z.ZodType.prototype as unknown as {
      openapi: (this: T, refId: string, metadata: Record<string, unknown>) => T
    }
  ).openapi
  return openapi.call(schema, refId, metadata)
}

export const destinationIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'dst_k3v9x2m4q7p8hz5t' }),
})

/** A destination as the API shows it: URLs and tokens masked, signing secrets never. */
export const destinationSchema = z
  .object({
    id: z.string().openapi({ example: 'dst_k3v9x2m4q7p8hz5t' }),
    name: z.string().openapi({ example: 'Sales channel' }),
    kind: destinationKindSchema,
    target: z.string().openapi({
      description: 'Where it posts, masked: the URL without its secret part, or the bot token prefix',
      example: 'https://hooks.slack.com/services/T000…/****',
    }),
    channel: z.string().nullable().openapi({ description: 'Slack channel of a bot-token destination' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Destination')

export const newDestinationExamples = {
  slackWebhook: {
    summary: 'Slack incoming webhook',
    value: {
      kind: 'slack',
      name: 'Sales channel',
      webhookUrl: 'https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX',
    },
  },
  slackBot: {
    summary: 'Slack bot token and channel (files uploaded)',
    value: {
      kind: 'slack',
      name: 'Finance bot',
      botToken: 'xoxb-0000-0000-XXXXXXXXXXXX',
      channel: 'C0123456789',
    },
  },
  teams: {
    summary: 'Microsoft Teams incoming webhook or Workflows URL',
    value: {
      kind: 'teams',
      name: 'Ops team',
      webhookUrl: 'https://example.webhook.office.com/webhookb2/0000/IncomingWebhook/XXXX/0000',
    },
  },
  webhook: {
    summary: 'Signed webhook',
    value: {
      kind: 'webhook',
      name: 'Data warehouse',
      url: 'https://hooks.example.com/herald',
      signingSecret: '8f2c0e6a4b1d9f7e3c5a2b8d6e4f1a0c9b7d5e3f1a2c4e6b8d0f2a4c6e8b0d2f',
    },
  },
}

export const newDestinationBody = named(newDestinationSchema, 'NewDestination', {
  description:
    'A Slack (incoming webhook, or bot token + channel), Teams or signed webhook destination. URLs, tokens and the signing secret are stored encrypted and never returned.',
})

export const destinationChangeBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    webhookUrl: z.string().optional(),
    url: z.string().optional(),
    botToken: z.string().optional(),
    channel: z.string().optional(),
    signingSecret: z.string().optional(),
  })
  .openapi('DestinationChange', {
    description:
      'A new name, or new credentials: credentials replace the old ones as a whole, so give every field the kind needs (e.g. url and signingSecret for a webhook).',
    example: { name: 'Sales channel (EMEA)' },
  })

export const destinationTestResultSchema = z
  .object({
    destinationId: z.string(),
    reply: z.string().openapi({ description: 'What the destination answered', example: '200 ok' }),
  })
  .openapi('DestinationTestResult')

export const list = createRoute({
  method: 'get',
  path: '/destinations',
  tags,
  ...requiresScope('read'),
  summary: 'Slack, Teams and webhook destinations by name',
  request: { query: pageQuerySchema },
  responses: {
    200: {
      description: 'One page',
      content: {
        'application/json': {
          schema: z
            .object({ items: z.array(destinationSchema), nextCursor: nextCursorSchema })
            .openapi('DestinationPage'),
        },
      },
    },
    ...problemResponses(422),
    ...protectedProblems(),
  },
})

export const create = createRoute({
  method: 'post',
  path: '/destinations',
  tags,
  ...requiresScope('write'),
  summary: 'Create a destination (names are unique; URLs are checked against the SSRF rules)',
  request: {
    body: {
      content: { 'application/json': { schema: newDestinationBody, examples: newDestinationExamples } },
      required: true,
    },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: destinationSchema } } },
    ...bodyProblems(),
    ...problemResponses(409),
    ...protectedProblems(),
  },
})

export const getOne = createRoute({
  method: 'get',
  path: '/destinations/{id}',
  tags,
  ...requiresScope('read'),
  summary: 'One destination, secrets masked',
  request: { params: destinationIdParams },
  responses: {
    200: { description: 'The destination', content: { 'application/json': { schema: destinationSchema } } },
    ...problemResponses(404),
    ...protectedProblems(),
  },
})

export const patch = createRoute({
  method: 'patch',
  path: '/destinations/{id}',
  tags,
  ...requiresScope('write'),
  summary: 'Rename a destination or replace its credentials',
  request: {
    params: destinationIdParams,
    body: { content: { 'application/json': { schema: destinationChangeBody } }, required: true },
  },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: destinationSchema } } },
    ...bodyProblems(),
    ...problemResponses(404, 409),
    ...protectedProblems(),
  },
})

export const remove = createRoute({
  method: 'delete',
  path: '/destinations/{id}',
  tags,
  ...requiresScope('write'),
  summary: 'Delete a destination that no schedule uses',
  request: { params: destinationIdParams },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(404, 409), ...protectedProblems() },
})

export const sendTest = createRoute({
  method: 'post',
  path: '/destinations/{id}/test',
  tags,
  ...requiresScope('write'),
  summary: 'Post a short test message to the destination (from the worker, as reports are)',
  request: { params: destinationIdParams },
  responses: {
    200: {
      description: 'The destination accepted the message',
      content: { 'application/json': { schema: destinationTestResultSchema } },
    },
    ...problemResponses(404, 409, 502),
    ...protectedProblems(),
  },
})

export type ListRoute = typeof list
export type CreateRoute = typeof create
export type GetOneRoute = typeof getOne
export type PatchRoute = typeof patch
export type RemoveRoute = typeof remove
export type SendTestRoute = typeof sendTest
