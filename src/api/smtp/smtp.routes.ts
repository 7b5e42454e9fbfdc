import { createRoute, z } from '@hono/zod-openapi'
import { emailAddress } from '../../domain/schedule.js'
import { problemResponses, protectedProblems } from '../problems.js'
import { requiresScope } from '../scopes.js'

const tags = ['SMTP']

export const verify = createRoute({
  method: 'post',
  path: '/smtp/verify',
  tags,
  ...requiresScope('admin'),
  summary: 'Check that the SMTP server accepts a connection and login',
  responses: {
    200: {
      description: 'The server answered',
      content: {
        'application/json': {
          schema: z.object({ ok: z.literal(true), detail: z.string().optional() }).openapi('SmtpVerified'),
        },
      },
    },
    ...problemResponses(502),
    ...protectedProblems(),
  },
})

export const sendTest = createRoute({
  method: 'post',
  path: '/smtp/test',
  tags,
  ...requiresScope('admin'),
  summary: 'Send a short test message',
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ to: emailAddress }).openapi('SmtpTestRequest') } },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'The server accepted the message',
      content: {
        'application/json': {
          schema: z
            .object({ to: z.string(), messageId: z.string().nullable(), reply: z.string().nullable() })
            .openapi('SmtpTestResult'),
        },
      },
    },
    ...problemResponses(400, 413, 415, 422, 502),
    ...protectedProblems(),
  },
})

export type VerifyRoute = typeof verify
export type SendTestRoute = typeof sendTest
