import { createRoute, z } from '@hono/zod-openapi'
import { problemResponses } from '../problems.js'
import { publicRoute } from '../scopes.js'

const tags = ['Unsubscribe']
const tokenQuery = z.object({
  token: z.string().min(1).max(2000).openapi({ description: 'Signed token from the List-Unsubscribe link' }),
})
const html = { 'text/html': { schema: z.string() } }

export const confirmPage = createRoute({
  method: 'get',
  path: '/unsubscribe',
  tags,
  ...publicRoute,
  summary: 'Confirmation page with a one-click unsubscribe form',
  request: { query: tokenQuery },
  responses: { 200: { description: 'HTML page', content: html }, ...problemResponses(400, 422) },
})

export const oneClick = createRoute({
  method: 'post',
  path: '/unsubscribe',
  tags,
  ...publicRoute,
  summary: 'RFC 8058 one-click unsubscribe',
  request: {
    query: tokenQuery,
    body: {
      required: false,
      content: {
        // Plain schemas: mail providers post either encoding, and the body carries nothing Herald needs.
        'application/x-www-form-urlencoded': {
          schema: {
            type: 'object',
            properties: { 'List-Unsubscribe': { type: 'string', enum: ['One-Click'] } },
          },
        },
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: { 'List-Unsubscribe': { type: 'string', enum: ['One-Click'] } },
          },
        },
      },
    },
  },
  responses: {
    200: { description: 'Unsubscribed (HTML page)', content: html },
    ...problemResponses(400, 422),
  },
})

export type ConfirmPageRoute = typeof confirmPage
export type OneClickRoute = typeof oneClick
